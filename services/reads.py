"""Reads cached per browser session and per connection, invalidated after writes.

Everything lives in `st.session_state` under one key (`state_keys.S_READS`), namespaced
by the connection id, so nothing is ever shared between users and switching keys starts
clean. (`st.cache_data` would be shared across users and cannot hash the client.)
Errors are not cached: a failed read raises `CekuraError` and the next rerun tries again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from cekura_dashboards.call_table import compact_json
from cekura_dashboards.client import MAX_PAGES, DashboardSearch
from cekura_dashboards.errors import BadRequestError, CekuraError
from services import state_keys as keys
from services.connection import current_connection, get_client

T = TypeVar("T")

# What other people may change goes stale after a while (saving re-reads anyway).
LIST_MAX_AGE_S = 60.0
DASHBOARD_MAX_AGE_S = 60.0
REFERENCE_MAX_AGE_S = 300.0  # projects, agents, metrics change rarely
CALLS_MAX_AGE_S = 60.0
SEARCH_MAX_AGE_S = 60.0  # a search read from the whole list (a server that ignores `search`)
SEARCH_MAX_PAGES = MAX_PAGES  # pages of 100 read for one such search; past it, said
_LIST_KINDS = ("dashboard_list", "dashboard_search")


def _entries() -> dict[Hashable, tuple[float, Any]]:
    conn_id = current_connection().id
    cache = st.session_state.get(keys.S_READS)
    if not isinstance(cache, dict) or cache.get("connection") != conn_id:
        cache = {"connection": conn_id, "entries": {}}
        st.session_state[keys.S_READS] = cache
    entries: dict[Hashable, tuple[float, Any]] = cache["entries"]
    return entries


def _cached(key: Hashable, load: Callable[[], T], max_age: float | None = None) -> T:
    entries = _entries()
    hit = entries.get(key)
    now = time.monotonic()
    if hit is not None and (max_age is None or now - hit[0] <= max_age):
        return hit[1]
    value = load()
    entries[key] = (now, value)
    return value


def _forget(match: Callable[[Hashable], bool]) -> None:
    entries = _entries()
    for key in [k for k in entries if match(k)]:
        del entries[key]


def _kind(key: Hashable) -> Any:
    return key[0] if isinstance(key, tuple) else key


# ---- reads -------------------------------------------------------------------------


def load_projects() -> list[Any]:
    """All projects the key can see (for pickers by name)."""
    return _cached(("projects",), lambda: list(get_client().list_projects()), REFERENCE_MAX_AGE_S)


def project_names() -> dict[int, str]:
    """Project id -> name, for showing names instead of ids."""
    return {p.id: (p.name or f"Project {p.id}") for p in load_projects()}


def load_agents(project_id: int | None) -> list[Any]:
    return _cached(
        ("agents", project_id),
        lambda: list(get_client().list_agents(project_id=project_id)),
        REFERENCE_MAX_AGE_S,
    )


def load_metrics(project_id: int | None) -> list[Any]:
    return _cached(
        ("metrics", project_id),
        lambda: list(get_client().list_metrics(project_id=project_id)),
        REFERENCE_MAX_AGE_S,
    )


def load_dashboard_page(
    *, page: int = 1, page_size: int = 25, project_id: int | None = None, search: str | None = None
) -> Any:
    """One page of the dashboards list (a `Page[DashboardSummary]`).

    A server that ignores `search` (the public API documents none; the client finds out
    once per connection) would make every search and every page turn read the whole list.
    There the matches are read once per (project, term), kept here, and page turns are
    cut from them: no request. `search_cut_short` says when the read stopped early."""
    search = (search or "").strip() or None
    if search and not get_client().server_searches(project_id=project_id):
        return load_dashboard_search(project_id, search).page(page, page_size)
    return _cached(
        ("dashboard_list", page, page_size, project_id, search),
        lambda: get_client().list_dashboards(
            page=page, page_size=page_size, project_id=project_id, search=search
        ),
        LIST_MAX_AGE_S,
    )


def load_dashboard_search(project_id: int | None, search: str) -> DashboardSearch:
    """Every dashboard of the project whose name holds `search`, read from the whole list
    (for a server that ignores `search`), kept for `SEARCH_MAX_AGE_S`."""
    return _cached(
        ("dashboard_search", project_id, search),
        lambda: get_client().search_dashboards(
            project_id=project_id, search=search, max_pages=SEARCH_MAX_PAGES
        ),
        SEARCH_MAX_AGE_S,
    )


def search_cut_short(project_id: int | None, search: str | None) -> tuple[int, int] | None:
    """(scanned, total) when the kept search for (project, term) stopped before the end of
    the list, so matches past it are missing; None otherwise. Sends no request."""
    search = (search or "").strip() or None
    if not search:
        return None
    hit = _entries().get(("dashboard_search", project_id, search))
    if hit is None or hit[1].complete:
        return None
    return hit[1].scanned, hit[1].total


def load_dashboard(dashboard_id: int) -> Any:
    """One dashboard (a `Dashboard`), as last read or saved in this session."""
    return _cached(
        ("dashboard", dashboard_id),
        lambda: get_client().get_dashboard(dashboard_id=dashboard_id),
        DASHBOARD_MAX_AGE_S,
    )


def load_call_page(
    *,
    project_id: int | None,
    filters: Mapping[str, Any] | None,
    page: int = 1,
    page_size: int = 25,
) -> Any:
    """One page of the call logs of `filters` (a `Page[CallLog]`): one request per page
    shown, the same page again (a rerun, a sort) costs none. Kept a short while only:
    new calls keep arriving."""
    text = compact_json(filters) if filters is not None else None
    return _cached(
        ("call_page", project_id, text, page, page_size),
        lambda: get_client().list_call_logs(
            project_id=project_id, filters=filters, page=page, page_size=page_size
        ),
        CALLS_MAX_AGE_S,
    )


# ---- after writes ----------------------------------------------------------------


def remember_dashboard(dashboard: Any) -> None:
    """Put a dashboard the API just returned (PATCH/POST) in the cache: no extra GET.
    Lists that show it are dropped, since its name or project may have changed."""
    _entries()[("dashboard", dashboard.id)] = (time.monotonic(), dashboard)
    forget_dashboard_lists()
    forget_chart_data(dashboard.id)


def forget_dashboard(dashboard_id: int) -> None:
    """After a delete, or when the cached copy is known to be stale."""
    _forget(lambda k: k == ("dashboard", dashboard_id))
    forget_dashboard_lists()


def forget_dashboard_lists() -> None:
    """After any create, duplicate, rename or delete, and on the list's Refresh."""
    _forget(lambda k: _kind(k) in _LIST_KINDS)


# Fields whose values the builder offers from what recent calls had (catalog names).
SEEN_VALUE_FIELDS = ("topic", "call_ended_reason", "dropoff_point")
RECENT_CALLS = 200


def recent_call_values(project_id: int | None) -> dict[str, tuple[str, ...]]:
    """The topics, end reasons and drop-off points of the project's recent calls, most
    common first: ONE call-logs read per project, cached like the reference lists."""

    def load() -> dict[str, tuple[str, ...]]:
        page = get_client().list_call_logs(project_id=project_id, page_size=RECENT_CALLS)
        seen: dict[str, dict[str, int]] = {name: {} for name in SEEN_VALUE_FIELDS}
        for call in page.results:
            for name in SEEN_VALUE_FIELDS:
                value = getattr(call, name, None)
                if isinstance(value, str) and value.strip():
                    seen[name][value] = seen[name].get(value, 0) + 1
        return {
            name: tuple(sorted(counts, key=lambda v: (-counts[v], v.lower())))
            for name, counts in seen.items()
        }

    return _cached(("recent_call_values", project_id), load, REFERENCE_MAX_AGE_S)


# ---- bulk changes (pages/bulk.py) --------------------------------------------------


def load_all_matching_dashboards(
    *, project_id: int | None = None, search: str | None = None
) -> Any:
    """Every dashboard matching the list's search and project, all pages read once (100
    a page) and kept like any list read: (summaries, complete). `complete` is False when
    the list was longer than the client reads in one go."""
    search = (search or "").strip() or None

    def load() -> tuple[list[Any], bool]:
        client = get_client()
        if search and not client.server_searches(project_id=project_id):
            found = client.search_dashboards(project_id=project_id, search=search)
            return list(found.matches), found.complete
        summaries: list[Any] = []
        for page in range(1, 1001):
            result = client.list_dashboards(
                page=page, page_size=100, project_id=project_id, search=search
            )
            summaries.extend(result.results)
            if not result.next or not result.results:
                return summaries, True
        return summaries, False

    return _cached(("dashboard_list", "all", project_id, search), load, LIST_MAX_AGE_S)


def load_call_count(project_id: int | None, filters: Any) -> int:
    """How many calls a filter matches in a project: one call-logs read of one row, kept
    under the same key (and as the same `Answer`) as the editor's count of that filter."""
    answer: Answer = _cached(
        ("call_count", project_id, filter_key(filters)),
        _count_job(get_client(), project_id, filters),
        CHART_MAX_AGE_S,
    )
    if answer.error is not None:
        raise CekuraError(answer.error, user_message=answer.error)
    return int(answer.value)


# ---- chart data: the saved dashboard, the draft, and how many calls match -----------------
# Widget data and counts move with the clock ("now-7d"), so they are kept only briefly; the
# key is the exact filter JSON, so a draft edit that changes the filter misses the cache
# and one that does not (or comes back to an earlier filter) costs nothing.
CHART_MAX_AGE_S = 30.0
# Previews run side by side, at most this many at once: below the connection pool of the
# client's requests.Session (urllib3's default 10), so no connection is thrown away.
CHART_WORKERS = 6


@dataclass(frozen=True)
class Answer:
    """One read for a chart: the value, or the API's words for why there is none."""

    value: Any = None
    error: str | None = None


def filter_key(filters: Any) -> str:
    """A filter as its exact JSON text (keys sorted, `true` never equal to `1`)."""
    return json.dumps(filters, sort_keys=True, separators=(",", ":"))


def _answer(load: Callable[[], Any]) -> Answer:
    try:
        return Answer(load())
    except CekuraError as err:
        return Answer(error=err.user_message)


def _widget_stamp(widget: Any) -> tuple[int, str]:
    return (int(widget.id), str(widget.updated_at or ""))


def _preview_body(widget: Any) -> dict[str, Any]:
    body = widget.model_dump(
        include={
            "dashboard",
            "name",
            "filters",
            "chart_type",
            "data_type",
            "field",
            "metric",
            "time_period",
            "aggregation_function",
            "group_by",
        }
    )
    return {k: v for k, v in body.items() if v is not None or k == "filters"}


def _run_all(jobs: dict[Hashable, Callable[[], Answer]]) -> dict[Hashable, Answer]:
    """Run the jobs side by side (bounded); one job alone runs here, with no thread."""
    if len(jobs) <= 1:
        return {key: job() for key, job in jobs.items()}
    # The jobs share the session's one client. Its requests.Session is safe to use from
    # threads this way: the connection pool is thread-safe, the cookie jar locks, and the
    # retry state is copied per request; nothing else on it changes while requests run.
    with ThreadPoolExecutor(max_workers=min(CHART_WORKERS, len(jobs))) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@dataclass(frozen=True)
class ChartReads:
    """What the charts and the count show: saved widget data by widget id, draft widget
    data by widget id (empty when there is no draft filter to show), and the two counts."""

    saved: dict[int, Answer]
    draft: dict[int, Answer]
    saved_count: Answer
    draft_count: Answer | None


def load_chart_reads(dashboard: Any, draft_filters: Any = ...) -> ChartReads:
    """The saved charts of `dashboard` (bulk_data, one page per 100 widgets), the count of
    calls its saved filter matches, and, when `draft_filters` is given, every widget under
    that filter (preview_data with dashboard_filters) and its count. Cache misses are
    fetched side by side; hits cost nothing. The scope is the saved dashboard's project."""
    client = get_client()
    entries = _entries()
    now = time.monotonic()
    widgets = list(dashboard.widgets or [])
    saved_key = filter_key(dashboard.filters or None)
    project = dashboard.project
    keys_by_part: dict[str, Hashable] = {}

    def fresh(key: Hashable) -> Answer | None:
        hit = entries.get(key)
        return hit[1] if hit is not None and now - hit[0] <= CHART_MAX_AGE_S else None

    jobs: dict[Hashable, Callable[[], Answer]] = {}
    bulk_key: Hashable = (
        "widget_data",
        dashboard.id,
        saved_key,
        tuple(_widget_stamp(w) for w in widgets),
    )
    if widgets and fresh(bulk_key) is None:
        jobs[bulk_key] = lambda: _answer(lambda: _saved_data(client, widgets))
    counted: dict[str, Any] = {"saved": dashboard.filters or None}
    if draft_filters is not ...:
        counted["draft"] = draft_filters
    for part, filters in counted.items():
        count_key: Hashable = ("call_count", project, filter_key(filters))
        keys_by_part[part] = count_key
        if fresh(count_key) is None and count_key not in jobs:
            jobs[count_key] = _count_job(client, project, filters)
    preview_keys: dict[int, Hashable] = {}
    if draft_filters is not ...:
        draft_key = filter_key(draft_filters)
        for widget in widgets:
            preview_key: Hashable = ("preview", dashboard.id, _widget_stamp(widget), draft_key)
            preview_keys[int(widget.id)] = preview_key
            if fresh(preview_key) is None:
                jobs[preview_key] = _preview_job(client, widget, draft_filters)
    for key, answer in _run_all(jobs).items():
        entries[key] = (now, answer)

    bulk = entries[bulk_key][1] if widgets else Answer({})
    saved = (
        bulk.value if bulk.error is None else {int(w.id): Answer(error=bulk.error) for w in widgets}
    )
    return ChartReads(
        saved=saved,
        draft={wid: entries[key][1] for wid, key in preview_keys.items()},
        saved_count=entries[keys_by_part["saved"]][1],
        draft_count=entries[keys_by_part["draft"]][1] if "draft" in keys_by_part else None,
    )


def _count_job(client: Any, project: int | None, filters: Any) -> Callable[[], Answer]:
    return lambda: _answer(lambda: _count(client, project, filters))


def _preview_job(client: Any, widget: Any, draft_filters: Any) -> Callable[[], Answer]:
    return lambda: _answer(
        lambda: client.preview_widget_data(
            widget=_preview_body(widget), dashboard_filters=draft_filters
        )
    )


def _data_job(client: Any, widget_id: int) -> Callable[[], Answer]:
    return lambda: _answer(lambda: client.widget_data(widget_id=widget_id))


def _saved_data(client: Any, widgets: list[Any]) -> dict[int, Answer]:
    """Every widget's data for the saved filter in one bulk_data request per 100 widgets.
    When the API refuses the whole batch (one widget's data cannot be computed), each
    widget is asked on its own, so one failing widget does not blank the others."""
    try:
        answers = client.bulk_widget_data(widget_ids=[w.id for w in widgets])
    except CekuraError as err:
        if err.outcome_unknown or not isinstance(err, BadRequestError):
            raise
        one_by_one: dict[Hashable, Callable[[], Answer]] = {
            int(w.id): _data_job(client, int(w.id)) for w in widgets
        }
        done = _run_all(one_by_one)
        return {int(w.id): done[int(w.id)] for w in widgets}
    by_id = {a.widget_id: a for a in answers}
    return {
        int(w.id): Answer(by_id[w.id])
        if w.id in by_id
        else Answer(error="The API sent no data for this widget.")
        for w in widgets
    }


def _count(client: Any, project: int | None, filters: Any) -> int:
    """How many calls `filters` selects in the project: the list's `count`, one row asked."""
    page = client.list_call_logs(project_id=project, filters=filters, page_size=1)
    return int(page.count)


def forget_chart_data(dashboard_id: int) -> None:
    """After a save: the dashboard's widget data (saved and draft) is asked again."""
    _forget(
        lambda k: (
            isinstance(k, tuple)
            and len(k) > 1
            and k[0] in ("widget_data", "preview")
            and k[1] == dashboard_id
        )
    )
