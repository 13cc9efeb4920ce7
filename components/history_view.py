"""The journal on screen: entries newest first with filters and pages, each with its
change list and JSON difference; two versions of a dashboard side by side; and the
buttons that restore a version, re-create a deleted dashboard or re-read a dashboard
after an unknown outcome. Used by the History page (scope 0) and the editor's History
section (scope: the dashboard id, the journal narrowed to that dashboard)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from admin_store.records import KINDS, JournalEntry, Version
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.json_equality import same_json
from components.errors import escape_markdown
from services import draft_store, history, reads
from services import state_keys as keys
from services.access import denial_reason
from services.signin import current_actor

EDITOR_PAGE = "pages/editor.py"
PAGE_SIZE = 20
EVERYONE = ""
OUTCOME_CHOICES = ["", "saved", "refused", "failed", "unknown"]
state = st.session_state


def _names() -> dict[str, Any]:
    """Names for the change lists; without them the sentences use numbers."""
    out: dict[str, Any] = {}
    loads: dict[str, Any] = {
        "projects": reads.load_projects,
        "agents": lambda: reads.load_agents(None),
        "metrics": lambda: reads.load_metrics(None),
    }
    for name, load in loads.items():
        try:
            out[name] = load()
        except CekuraError:
            out[name] = None
    return out


def _reset_cursor(scope: int) -> None:
    state[keys.s_history_cursor(scope)] = []


def _older(scope: int, before_id: int) -> None:
    state.setdefault(keys.s_history_cursor(scope), []).append(before_id)


def _newer(scope: int) -> None:
    cursor = state.setdefault(keys.s_history_cursor(scope), [])
    if cursor:
        cursor.pop()


def render_flash() -> None:
    flash = state.pop(keys.S_HISTORY_FLASH, None)
    if not flash:
        return
    st.success(escape_markdown(flash["text"]), icon=":material/check_circle:")
    if flash.get("id") is not None:
        st.page_link(
            EDITOR_PAGE,
            label=f"Open dashboard {flash['id']}",
            icon=":material/edit:",
            query_params={"dashboard": str(flash["id"])},
        )


# --- the journal -------------------------------------------------------------------------
def render_journal(scope: int = 0) -> None:
    """Entries of this connection, newest first. `scope` 0: every dashboard, with a
    dashboard filter; else only that dashboard's."""
    columns = st.columns(4 if scope == 0 else 3)
    dashboard_id: int | None = scope or None
    if scope == 0:
        chosen = columns[0].number_input(
            "Dashboard number",
            min_value=1,
            value=None,
            step=1,
            key=keys.w_hist("dashboard", scope),
            placeholder="All dashboards",
            on_change=_reset_cursor,
            args=(scope,),
        )
        dashboard_id = int(chosen) if chosen else None
    person = columns[-3].selectbox(
        "Person",
        [EVERYONE, *history.actors()],
        format_func=lambda a: a or "Everyone",
        key=keys.w_hist("person", scope),
        on_change=_reset_cursor,
        args=(scope,),
    )
    kind = columns[-2].selectbox(
        "Kind",
        ["", *sorted(KINDS)],
        format_func=lambda k: k or "All kinds",
        key=keys.w_hist("kind", scope),
        on_change=_reset_cursor,
        args=(scope,),
    )
    outcome = columns[-1].selectbox(
        "Outcome",
        OUTCOME_CHOICES,
        format_func=lambda o: (o and history.OUTCOME_WORDS[o]) or "Any outcome",
        key=keys.w_hist("outcome", scope),
        on_change=_reset_cursor,
        args=(scope,),
    )
    query = history.JournalQuery(dashboard_id, person or None, kind or None, outcome or None)
    cursor: list[int] = state.setdefault(keys.s_history_cursor(scope), [])
    found = history.entries(query, before_id=cursor[-1] if cursor else None, limit=PAGE_SIZE + 1)
    shown, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    if not shown:
        st.info(
            "No changes recorded here yet. The history lists the writes this app made "
            "with this API key.",
            icon=":material/history:",
        )
    names = _names()
    for entry in shown:
        _entry(entry, scope, names)
    with st.container(horizontal=True):
        st.button(
            "Newer entries",
            key=keys.w_hist("newer", scope),
            icon=":material/arrow_upward:",
            on_click=_newer,
            args=(scope,),
            disabled=not cursor,
        )
        st.button(
            "Older entries",
            key=keys.w_hist("older", scope),
            icon=":material/arrow_downward:",
            on_click=_older,
            args=(scope, shown[-1].id if shown else 0),
            disabled=not more,
        )


def _title(entry: JournalEntry) -> str:
    what = history.KIND_WORDS.get(entry.kind, entry.kind)
    name = entry.dashboard_name or "(no name)"
    number = f" (#{entry.dashboard_id})" if entry.dashboard_id is not None else ""
    return f"{what} “{name}”{number}"


def _entry(entry: JournalEntry, scope: int, names: dict[str, Any]) -> None:
    with st.container(border=True, key=f"hist_entry_{scope}_{entry.id}"):
        outcome = history.OUTCOME_WORDS.get(entry.outcome, entry.outcome)
        st.markdown(f"**{escape_markdown(_title(entry))}**")
        st.caption(
            escape_markdown(
                f"Entry #{entry.id} · {entry.started_at:%Y-%m-%d %H:%M:%S} UTC · by "
                f"{entry.actor} · {entry.method} {entry.path} · {outcome}"
            )
        )
        if entry.outcome_unknown:
            _unknown(entry)
        elif entry.outcome == "refused":
            st.error(
                "Refused by the API, nothing changed: " + escape_markdown(entry.message or ""),
                icon=":material/block:",
            )
        elif entry.outcome == "failed":
            st.warning(
                "Not sent, nothing changed: " + escape_markdown(entry.message or ""),
                icon=":material/cloud_off:",
            )
        changes = history.entry_changes(entry, **names)
        st.markdown("\n".join(f"- {escape_markdown(line)}" for line in changes))
        if st.toggle("Show the JSON difference", key=keys.w_hist_entry("diff", entry.id)):
            diff = history.entry_diff(entry)
            st.code(diff or "(no difference)", language="diff")
        _entry_actions(entry)


def _unknown(entry: JournalEntry) -> None:
    st.warning(
        "Outcome unknown: the request was sent but no answer came back, so nobody can say "
        "from here whether it was applied. It was not sent again. Re-read the dashboard "
        "to find out.",
        icon=":material/help:",
    )
    if st.button(
        "Re-read the dashboard",
        key=keys.w_hist_entry("reread", entry.id),
        icon=":material/refresh:",
    ):
        state[keys.s_history_reread(entry.id)] = history.reread_verdict(entry)
    verdict = state.get(keys.s_history_reread(entry.id))
    if verdict:
        st.info(escape_markdown(verdict), icon=":material/fact_check:")


def _entry_actions(entry: JournalEntry) -> None:
    cannot = denial_reason(current_actor(), "edit")
    if entry.kind == "delete" and entry.outcome == "saved" and isinstance(entry.before, dict):
        if st.button(
            "Re-create this dashboard",
            key=keys.w_hist_entry("recreate", entry.id),
            icon=":material/restore_from_trash:",
            disabled=cannot is not None,
            help=cannot
            or "Makes a new dashboard from the copy kept before the delete, "
            "widgets too. It gets a new number.",
        ):
            _recreate(entry)
    elif (
        entry.method == "PATCH"
        and isinstance(entry.before, dict)
        and entry.dashboard_id is not None
    ):
        if st.button(
            "Restore the version before this change",
            key=keys.w_hist_entry("restore", entry.id),
            icon=":material/settings_backup_restore:",
            disabled=cannot is not None,
            help=cannot
            or "Opens the editor with this version as your draft; "
            "nothing is saved until you press Save.",
        ):
            _restore(entry.dashboard_id, entry.before, entry.id)


def _recreate(entry: JournalEntry) -> None:
    try:
        created = history.recreate(entry)
    except CekuraError as err:
        st.error("Not re-created. " + escape_markdown(err.user_message), icon=":material/error:")
        return
    old = entry.dashboard_id
    state[keys.S_HISTORY_FLASH] = {
        "text": f"Re-created “{created.name or '(no name)'}” as a new dashboard, number "
        f"{created.id} (the API gives new numbers; the old number {old} stays unused).",
        "id": created.id,
    }
    st.rerun()


def _restore(dashboard_id: int, copy: Any, entry_id: int) -> None:
    try:
        draft = history.restore_into_draft(dashboard_id, copy, entry_id)
    except CekuraError as err:
        st.error("Could not open the dashboard. " + escape_markdown(err.user_message))
        return
    draft_store.keep(draft)
    state[keys.s_preview_open(dashboard_id)] = True  # the exact request, before Save
    params = {"dashboard": str(dashboard_id)}
    if draft.token:
        params["draft"] = draft.token
    st.switch_page(EDITOR_PAGE, query_params=params)


# --- versions ------------------------------------------------------------------------------
def render_versions(dashboard_id: int, scope: int) -> None:
    """Any two copies of one dashboard the journal holds, compared; either restorable."""
    found: list[Version] = history.versions(dashboard_id)
    if len(found) < 2:
        st.caption(
            "The journal holds fewer than two versions of this dashboard: there is nothing "
            "to compare yet."
        )
        return
    labels = {i: history.version_label(v) for i, v in enumerate(found)}
    left, right = st.columns(2)
    older = left.selectbox(
        "Compare this version",
        list(labels),
        index=len(found) - 1,
        format_func=labels.__getitem__,
        key=keys.w_hist_version("a", scope, len(found)),
    )
    newer = right.selectbox(
        "with this version",
        list(labels),
        index=0,
        format_func=labels.__getitem__,
        key=keys.w_hist_version("b", scope, len(found)),
    )
    a, b = found[older], found[newer]
    changes = history.describe_change(a.dashboard, b.dashboard, **_names())
    if same_json(a.dashboard, b.dashboard) or not changes:
        st.caption("These two versions hold the same name, project, filter and widgets.")
    else:
        st.markdown("\n".join(f"- {escape_markdown(line)}" for line in changes))
    diff = history.json_diff(
        a.dashboard, b.dashboard, before_label="first version", after_label="second version"
    )
    st.code(diff or "(no difference)", language="diff")
    cannot = denial_reason(current_actor(), "edit")
    with st.container(horizontal=True):
        for label, version, part in (("first", a, "restore_a"), ("second", b, "restore_b")):
            if st.button(
                f"Restore the {label} version",
                key=keys.w_hist(part, scope),
                icon=":material/settings_backup_restore:",
                disabled=cannot is not None,
                help=cannot
                or "Opens the editor with this version as your draft (name, "
                "project and filter); nothing is saved until you press Save.",
            ):
                _restore(dashboard_id, version.dashboard, version.entry_id)


def render_dashboard_history(dashboard_id: int) -> None:
    """The editor's History section: this dashboard's versions and journal."""
    render_flash()
    st.markdown("**Compare versions**")
    render_versions(dashboard_id, dashboard_id)
    st.markdown("**Changes**")
    render_journal(dashboard_id)
