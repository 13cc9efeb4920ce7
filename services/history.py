"""The journal as people read it, and the actions on it: what an entry changed (in words
and as a JSON difference between its "before" and "after"), the versions of a dashboard,
a re-read after an unknown outcome, restoring a version into the editor's draft, and
re-creating a deleted dashboard.

Everything read here comes from `store.journal` scoped to this session's connection
(address + keyed hash of the key): a user of another key sees none of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import admin_store.writes as writes
from admin_store.records import JournalEntry, Version
from cekura_dashboards.client import dashboard_changed
from cekura_dashboards.filter_tree import parse_filter
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import change_list, json_diff
from services import reads
from services.drafts import Draft, get_draft, loaded_body, start_draft
from services.writing import app_store, store_connection, write_context

KIND_WORDS: Mapping[str, str] = {
    "create": "Created",
    "duplicate": "Duplicated",
    "delete": "Deleted",
    "update": "Changed",
    "bulk_widgets": "Changed widgets of",
    "restore": "Restored",
    "import": "Imported",
}
OUTCOME_WORDS: Mapping[str, str] = {
    "saved": "saved",
    "refused": "refused by the API",
    "failed": "not sent (no connection)",
    "unknown": "outcome unknown",
    "started": "outcome unknown",
}
# keys of a widget that change without anyone editing it
_WIDGET_VOLATILE = frozenset({"updated_at", "created_at", "effective_filters", "metric_name"})


# --- reading an entry (pure) -------------------------------------------------------------
def _is_dashboard(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and "filters" in value


def entry_after(entry: JournalEntry) -> Any:
    """The dashboard as the entry left it: the server's answer when it sent the dashboard
    back, else the request applied to "before" (a refused or unknown PATCH: what it asked
    for). None after a delete."""
    if entry.kind == "delete" or entry.method == "DELETE":
        return None
    if entry.outcome == "saved" and _is_dashboard(entry.response):
        return entry.response
    before = entry.before if isinstance(entry.before, dict) else None
    if entry.method == "PATCH" and before is not None and isinstance(entry.request, dict):
        return {**before, **entry.request}
    if entry.path.endswith("bulk_widgets/") and before is not None:
        return _widgets_applied(before, entry.request, entry.response)
    if entry.method == "POST" and isinstance(entry.request, dict) and "widgets" not in entry.path:
        return dict(entry.request)  # what the create asked for
    return before


def _widgets_applied(before: dict[str, Any], request: Any, response: Any) -> dict[str, Any]:
    """`before` with a bulk_widgets change applied: the server's created/updated widgets
    when it answered, else the request's."""
    result = response if isinstance(response, dict) and "created" in response else None
    source = result or (request if isinstance(request, dict) else {})
    deleted = set(source.get("deleted") or source.get("delete") or [])
    updated = {w.get("id"): w for w in source.get("updated") or source.get("update") or []}
    widgets = [
        {**w, **updated.get(w.get("id"), {})}
        for w in before.get("widgets") or []
        if w.get("id") not in deleted
    ]
    widgets += list(source.get("created") or source.get("create") or [])
    return {**before, "widgets": widgets}


def widget_changes(before: Any, after: Any) -> list[str]:
    """Widgets added, removed and changed between two copies, in words."""
    old = {w.get("id"): w for w in (before or {}).get("widgets") or [] if isinstance(w, dict)}
    new_list = [w for w in (after or {}).get("widgets") or [] if isinstance(w, dict)]
    out: list[str] = []
    for widget in new_list:
        wid = widget.get("id")
        name = widget.get("name") or widget.get("chart_type") or "widget"
        if wid is None or wid not in old:
            out.append(f"Added widget '{name}'")
        elif not same_json(_widget_content(old[wid]), _widget_content(widget)):
            out.append(f"Changed widget '{name}'")
    kept = {w.get("id") for w in new_list}
    for wid, widget in old.items():
        if wid not in kept:
            out.append(f"Removed widget '{widget.get('name') or widget.get('chart_type')}'")
    return out


def _widget_content(widget: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in widget.items() if k not in _WIDGET_VOLATILE}


def describe_change(
    before: Any, after: Any, *, projects: Any = None, agents: Any = None, metrics: Any = None
) -> list[str]:
    """What changed from one copy of a dashboard to another, one sentence each."""
    if after is None:
        count = len((before or {}).get("widgets") or [])
        name = (before or {}).get("name") or "(no name)"
        return [f"Deleted the dashboard '{name}' and its {count} widget(s)"]
    words = change_list(
        loaded_body(before or {}),
        loaded_body(after),
        projects=projects,
        agents=agents,
        metrics=metrics,
    )
    if before is None:
        words.insert(0, "Created the dashboard")
    return words + widget_changes(before, after)


def entry_changes(
    entry: JournalEntry, *, projects: Any = None, agents: Any = None, metrics: Any = None
) -> list[str]:
    if entry.kind == "duplicate":
        source = entry.source_dashboard_id
        return [f"Copied dashboard #{source} as '{entry.dashboard_name or '(no name)'}'"]
    return describe_change(
        entry.before, entry_after(entry), projects=projects, agents=agents, metrics=metrics
    ) or ["No change to the name, project, filter or widgets"]


def entry_diff(entry: JournalEntry) -> str:
    before = entry.before if entry.kind != "duplicate" else None
    return json_diff(before, entry_after(entry), before_label="before", after_label="after")


def version_label(version: Version) -> str:
    side = "before" if version.side == "before" else "after"
    return (
        f"{version.at:%Y-%m-%d %H:%M:%S} UTC: {side} entry #{version.entry_id} "
        f"({version.kind} by {version.actor})"
    )


# --- reading the journal (this connection only) ----------------------------------------------
@dataclass(frozen=True)
class JournalQuery:
    dashboard_id: int | None = None
    actor: str | None = None
    kind: str | None = None
    outcome: str | None = None


def entries(query: JournalQuery, *, before_id: int | None, limit: int) -> list[JournalEntry]:
    return app_store().journal.entries(
        store_connection(),
        dashboard_id=query.dashboard_id,
        actor=query.actor,
        kind=query.kind,
        outcome=query.outcome,
        before_id=before_id,
        limit=limit,
    )


def actors() -> list[str]:
    return app_store().journal.actors(store_connection())


def versions(dashboard_id: int) -> list[Version]:
    return app_store().journal.versions(store_connection(), dashboard_id)


def entry(entry_id: int) -> JournalEntry | None:
    return app_store().journal.entry(store_connection(), entry_id)


# --- actions -------------------------------------------------------------------------------
def reread_verdict(entry: JournalEntry) -> str:
    """Read the dashboard again and say whether the entry's change is on the server."""
    if entry.dashboard_id is None:
        return (
            "This write has no dashboard number in the journal (a create whose answer never "
            "came): look for it in the dashboards list."
        )
    reads.forget_dashboard(entry.dashboard_id)
    try:
        current = reads.load_dashboard(entry.dashboard_id)
    except Exception as err:  # noqa: BLE001 - the words go on screen
        not_found = getattr(err, "status", None) == 404
        if entry.kind == "delete" and not_found:
            return "The dashboard is gone: the delete was applied."
        return "Could not read the dashboard: " + str(getattr(err, "user_message", err))
    now = current.model_dump(mode="json")
    after = entry_after(entry)
    if entry.kind == "delete":
        return "The dashboard is still there: the delete was not applied."
    if after is not None and same_json(loaded_body(now), loaded_body(after)):
        return "The server has this change: it was saved."
    if isinstance(entry.before, dict) and same_json(loaded_body(now), loaded_body(entry.before)):
        return "The server still has the copy from before: the change was not saved."
    return "The dashboard has changed since, so this change cannot be told apart."


def restore_into_draft(dashboard_id: int, copy: Mapping[str, Any], entry_id: int) -> Draft:
    """Set the editor's draft of `dashboard_id` to `copy` (name, project and filter; the
    PATCH cannot change widgets). The draft's base is the server copy read now, so Save
    goes through the normal stale-write check; it is journalled as a restore."""
    draft = get_draft(dashboard_id)
    reads.forget_dashboard(dashboard_id)
    current: Dashboard = reads.load_dashboard(dashboard_id)
    if draft is None:
        draft = start_draft(current)
    elif dashboard_changed(draft.loaded, current):
        draft.rebase(current)
    body = loaded_body(copy)
    draft.restoring_entry_id = entry_id
    draft.change(
        name=str(body["name"] or ""), project=body["project"], tree=parse_filter(body["filters"])
    )
    draft.save_issue = None
    return draft


def recreate(entry: JournalEntry) -> Dashboard:
    """Bring a deleted dashboard back from the delete entry's copy, widgets too."""
    if entry.kind != "delete" or not isinstance(entry.before, dict):
        raise ValueError("only a delete entry holds a copy to re-create")
    created, _widgets = writes.recreate_dashboard(write_context(), copy=entry.before)
    reads.forget_dashboard(created.id)
    reads.forget_dashboard_lists()
    return created
