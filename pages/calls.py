"""Calls: try a filter against the call logs of a project, before it goes on a dashboard.

/calls?project=ID&filters=<compact filter JSON>: the filter round-trips through the URL,
so a link shows the same calls to whoever opens it (a link that is not a filter says
what is wrong and is not used). "Use this filter on a dashboard…" puts it into that
dashboard's draft and opens the editor; nothing is saved until Save there.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from cekura_dashboards.errors import CekuraError
from cekura_dashboards.filter_edit import with_new_ids
from cekura_dashboards.filter_tree import filter_to_json, parse_filter
from components.calls_export import render_export
from components.calls_filter_controls import render_control_bar, render_filter_editor
from components.calls_table import render_calls_table
from components.errors import escape_markdown, show_error
from services import reads
from services import state_keys as keys
from services.calls import DEFAULT_FILTER, CallsFilter, calls_filter, sync_with_link
from services.drafts import get_draft, start_draft

EDITOR = "pages/editor.py"
ALL_PROJECTS = -1
TABLE = "page"
state = st.session_state


def _names(items: list[Any], project: int | None, attr: str) -> dict[int, str]:
    if project is not None:
        items = [i for i in items if getattr(i, "project", None) in (project, None)]
    return {i.id: str(getattr(i, attr, "") or f"#{i.id}") for i in items}


def _on_project(draft: CallsFilter) -> None:
    chosen = state[keys.W_CALLS_PROJECT]
    draft.change(project=None if chosen in (None, ALL_PROJECTS) else int(chosen))


def _undo(draft: CallsFilter) -> None:
    draft.undo()


def _reset(draft: CallsFilter) -> None:
    draft.change(tree=parse_filter(DEFAULT_FILTER))


def _project_picker(draft: CallsFilter, projects: dict[int, str]) -> None:
    options = [ALL_PROJECTS, *sorted(projects, key=lambda p: projects[p].lower())]
    if draft.project is not None and draft.project not in options:
        options.append(draft.project)
    wanted = ALL_PROJECTS if draft.project is None else draft.project
    if state.get(keys.W_CALLS_PROJECT) != wanted:
        state[keys.W_CALLS_PROJECT] = wanted
    st.selectbox(
        "Project",
        options=options,
        format_func=lambda p: (
            "All projects" if p == ALL_PROJECTS else projects.get(p, f"Unknown project #{p}")
        ),
        key=keys.W_CALLS_PROJECT,
        on_change=_on_project,
        args=(draft,),
    )


def _use_on_dashboard(draft: CallsFilter) -> None:
    """Put this filter into the chosen dashboard's draft (one undo step there) and open
    the editor. Never saves."""
    target = state.get(keys.W_CALLS_TARGET)
    if target is None:
        return
    dashboard_id = int(target)
    found = get_draft(dashboard_id)
    if found is None:
        try:
            found = start_draft(reads.load_dashboard(dashboard_id))
        except CekuraError as err:
            st.toast(f"Could not open that dashboard: {err.user_message}", icon=":material/error:")
            return
    tree = with_new_ids(draft.tree) if draft.tree is not None else None
    found.change(tree=tree)
    st.switch_page(EDITOR, query_params={"dashboard": str(dashboard_id)})


def _dashboard_choice(draft: CallsFilter) -> None:
    with st.expander("Use this filter on a dashboard…", icon=":material/dashboard_customize:"):
        try:
            listed = reads.load_dashboard_page(page=1, page_size=100, project_id=draft.project)
        except CekuraError as err:
            show_error(err, key=keys.w_calls(TABLE, "dash_retry"), context="No dashboards.")
            return
        dashboards = {d.id: d.name or f"Dashboard {d.id}" for d in listed.results}
        if not dashboards:
            st.caption("No dashboard in this project yet.")
            return
        st.selectbox(
            "Dashboard",
            options=list(dashboards),
            format_func=lambda d: dashboards.get(d, f"Dashboard {d}"),
            key=keys.W_CALLS_TARGET,
        )
        st.caption(
            "This filter replaces the dashboard's filter in its draft, and the editor opens. "
            "Nothing is saved until you press Save there; Undo there brings the old filter "
            "back."
        )
        if st.button("Open in the editor with this filter", key=keys.W_CALLS_USE):
            _use_on_dashboard(draft)


def main() -> None:
    st.title("Calls", anchor=False)
    st.caption(
        "Try a filter against real call logs before you put it on a dashboard. Call logs "
        "cover one window of at most 30 days, within the last 30 days."
    )
    draft = calls_filter()
    link_problem = sync_with_link(draft)
    if link_problem is not None:
        st.error(
            escape_markdown(link_problem) + " The filter below is this page's own; edit it "
            "to replace the link.",
            icon=":material/link_off:",
        )
    projects: dict[int, str] = {}
    try:
        projects = reads.project_names()
    except CekuraError as err:
        show_error(err, key=keys.w_calls(TABLE, "projects_retry"), context="No projects.")
    agent_items: list[Any] = []
    metric_items: list[Any] = []
    try:
        agent_items = reads.load_agents(None)
        metric_items = reads.load_metrics(None)
    except CekuraError as err:
        show_error(err, key=keys.w_calls(TABLE, "lists_retry"), context="No agents or metrics.")
    agents = _names(agent_items, draft.project, "agent_name")
    metrics = _names(metric_items, draft.project, "name")

    _project_picker(draft, projects)
    render_control_bar(draft, agents)
    with st.expander("Filter conditions", expanded=draft.tree is not None, icon=":material/tune:"):
        render_filter_editor(draft)
        with st.container(horizontal=True):
            st.button(
                "Undo",
                key=keys.W_CALLS_UNDO,
                icon=":material/undo:",
                on_click=_undo,
                args=(draft,),
                disabled=not draft.undo_stack,
            )
            st.button(
                "Start again (last 7 days)",
                key=keys.W_CALLS_RESET,
                icon=":material/restart_alt:",
                on_click=_reset,
                args=(draft,),
            )
    filters = filter_to_json(draft.tree) if draft.tree is not None else None
    page = render_calls_table(TABLE, draft.project, filters, agents=agents, metrics=metrics)
    if page is not None and page.count:
        reveal = bool(state.get(keys.w_calls(TABLE, "reveal"), False))
        render_export(TABLE, draft.project, filters, reveal=reveal)
    _dashboard_choice(draft)


main()
