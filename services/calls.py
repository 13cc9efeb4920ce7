"""The Calls page's filter, its `?filters=` link, what keeps a filter from being sent,
and the CSV export fetched page by page.

The page's filter is a `Draft` of no dashboard (id `CALLS_FILTER_ID`, which no dashboard
has: API ids start at 1), so the builder, the control bar and undo work on it exactly as in
the editor. It has nothing to save, so it is never "unsaved".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

from cekura_dashboards import call_table
from cekura_dashboards.drilldown import window_problem
from cekura_dashboards.filter_tree import FilterParseError, Node, filter_to_json, parse_filter
from cekura_dashboards.filter_validation import has_errors, validate_filter
from cekura_dashboards.models import CallLog, Dashboard
from services import state_keys as keys
from services.connection import get_client
from services.drafts import Draft, get_draft

CALLS_FILTER_ID = 0
URL_FILTERS = "filters"
URL_PROJECT = "project"
DEFAULT_FILTER: dict[str, Any] = {
    "operator": "and",
    "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}],
}
EXPORT_PAGE_SIZE = 500  # calls per request while exporting (the API allows up to 1,000)


@dataclass
class CallsFilter(Draft):
    """The Calls page's filter and project. Nothing to save: never dirty, no changes."""

    def changes(self) -> dict[str, Any]:
        return {}

    def is_dirty(self) -> bool:
        return False


def calls_filter() -> CallsFilter:
    """This session's Calls page filter, started at the last 7 days."""
    found = get_draft(CALLS_FILTER_ID)
    if isinstance(found, CallsFilter):
        return found
    base = Dashboard(id=CALLS_FILTER_ID, name="Calls page", project=None, filters=None)
    draft = CallsFilter(
        dashboard_id=CALLS_FILTER_ID,
        loaded=base,
        name="",
        project=None,
        tree=parse_filter(DEFAULT_FILTER),
    )
    st.session_state[keys.s_draft(CALLS_FILTER_ID)] = draft
    return draft


# --- the link ---------------------------------------------------------------------------------
def read_link_filter(text: str) -> Node | None:
    """The tree a `?filters=` text stands for; ValueError saying what is wrong."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(
            f"The link's filter is not JSON: {err.msg} at character {err.pos + 1}."
        ) from None
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("str", "text").replace("dict", "object")
        raise ValueError(f"The link's filter is not a filter: a JSON object, not {kind}.")
    try:
        return parse_filter(value)
    except FilterParseError as err:
        where = f" (at {err.path})" if err.path else ""
        raise ValueError(f"The link's filter is not a filter{where}: {err.message}") from None


def link_text(tree: Node | None) -> str:
    return call_table.compact_json(filter_to_json(tree) if tree is not None else None)


def sync_with_link(draft: CallsFilter) -> str | None:
    """Take the filter and project from the URL when it carries ones this session has not
    seen yet (a shared link, the back button), else put the draft's in it; a link that is
    not a filter is kept out and its reason returned (until the next edit)."""
    params = st.query_params
    text = params.get(URL_FILTERS)
    project_text = params.get(URL_PROJECT)
    state = st.session_state
    seen = state.get(keys.S_CALLS_URL_SYNCED)
    if text is not None and text != seen:
        state[keys.S_CALLS_URL_SYNCED] = text
        try:
            tree = read_link_filter(text)
        except ValueError as err:
            state[keys.S_CALLS_URL_ERROR] = (str(err), draft.version)
        else:
            if link_text(tree) != link_text(draft.tree):
                draft.change(tree=tree)
            state.pop(keys.S_CALLS_URL_ERROR, None)
    if project_text is not None and (text is None or text != seen):
        try:
            number = int(project_text)
            draft.project = number if number > 0 else None
        except ValueError:
            state[keys.S_CALLS_URL_ERROR] = (
                f"The link's project {project_text!r} is not a project number.",
                draft.version,
            )
    error = state.get(keys.S_CALLS_URL_ERROR)
    if error is not None and error[1] != draft.version:
        state.pop(keys.S_CALLS_URL_ERROR, None)
        error = None
    if error is None:
        wanted = link_text(draft.tree)
        if text != wanted:
            params[URL_FILTERS] = wanted
        state[keys.S_CALLS_URL_SYNCED] = wanted
        project_now = "" if draft.project is None else str(draft.project)
        if (project_text or "") != project_now:
            if project_now:
                params[URL_PROJECT] = project_now
            elif URL_PROJECT in params:
                del params[URL_PROJECT]
    return None if error is None else str(error[0])


# --- before any request -----------------------------------------------------------------------
def blocker(
    tree: Node | None,
    *,
    agents: dict[int, str] | None = None,
    metrics: dict[int, str] | None = None,
) -> str | None:
    """Why these calls cannot be asked for, in words (a window the call logs refuse, a
    filter with errors); None when the request may go."""
    problem = window_problem(tree)
    if problem is not None:
        return problem
    problems = validate_filter(tree, agents=agents, metrics=metrics)
    if has_errors(problems):
        first = next(p for p in problems if p.severity == "error")
        return f"The filter has a problem to fix first: {first.message}"
    return None


# --- the export ------------------------------------------------------------------------------
ExportStatus = Literal["running", "done", "cancelled", "failed"]


@dataclass
class ExportJob:
    """A CSV export in progress, kept in session state between reruns (so a rerun in the
    middle, or the Cancel button's, loses no page already fetched)."""

    project_id: int | None
    filters: dict[str, Any] | None
    reveal: bool
    cap: int = call_table.EXPORT_CAP
    rows: list[dict[str, Any]] = field(default_factory=list)
    next_page: int = 1
    total: int | None = None  # the list's count, known after the first page
    status: ExportStatus = "running"
    error: str = ""
    requests: int = 0

    @property
    def target(self) -> int:
        """How many rows the file will hold when done."""
        return self.cap if self.total is None else min(self.cap, self.total)

    @property
    def capped(self) -> bool:
        return self.total is not None and self.total > self.cap

    def same_export(self, project_id: int | None, filters: Any, reveal: bool) -> bool:
        return (self.project_id, self.filters, self.reveal) == (project_id, filters, reveal)

    def fetch_next(self, client: Any = None) -> None:
        """One page more (one call-logs request); done at the end or at the cap."""
        if self.status != "running":
            return
        client = client or get_client()
        page = client.list_call_logs(
            project_id=self.project_id,
            filters=self.filters,
            page=self.next_page,
            page_size=EXPORT_PAGE_SIZE,
        )
        self.requests += 1
        self.total = page.count
        room = self.cap - len(self.rows)
        calls: list[CallLog] = page.results[:room]
        self.rows.extend(call_table.csv_row(c, reveal=self.reveal) for c in calls)
        self.next_page += 1
        if len(self.rows) >= self.cap or page.next is None or not page.results:
            self.status = "done"

    def csv(self) -> bytes:
        return call_table.calls_csv(self.rows)
