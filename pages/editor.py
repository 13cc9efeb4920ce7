"""Edit one dashboard: /editor?dashboard=ID.

The draft lives in session state per dashboard id (services/drafts.py), so leaving the
page and coming back loses nothing, and a reload opens the same dashboard from the URL.
The filter area (toolbar, sentence, builder or JSON, save and preview) is one fragment:
an edit there reruns only it, unless something drawn outside it has to follow (the
name, project, the server copy, or the effective filter shown in the widget table).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cekura_dashboards.control_bar import read_agents, read_date_range
from cekura_dashboards.errors import CekuraError, NotFoundError
from cekura_dashboards.filter_sentence import describe_filter
from cekura_dashboards.filter_tree import FilterParseError
from cekura_dashboards.filter_validation import has_errors, validate_filter
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.relative_dates import format_window, resolve_window
from components.control_bar import render_control_bar
from components.errors import escape_markdown, show_error, show_server_reason
from components.filter_builder import render_filter_builder
from components.history_view import render_dashboard_history
from components.json_editor import render_json_editor
from components.match_count import render_match_count
from components.patch_preview import render_preview
from components.save_flow import render_flash, render_save_button, render_save_issue
from components.value_editors import sync
from components.widget_charts import render_widget_charts
from components.widget_editor import render_widget_section
from services import draft_store, reads
from services import state_keys as keys
from services.access import denial_reason
from services.connection import current_connection, get_client
from services.drafts import Draft, get_draft, session_drafts, start_draft
from services.signin import current_actor

LIST_PAGE = "pages/dashboards.py"
MODE_BUILDER = "Builder"
MODE_JSON = "Edit as JSON"
MAX_NAME = 255
# A selectbox whose value is None shows its placeholder, so "no project" needs a stand-in.
NO_PROJECT = -1

state = st.session_state


def _back_link() -> None:
    st.page_link(LIST_PAGE, label="Back to the dashboards list", icon=":material/arrow_back:")


def _dashboard_id_from_url() -> int | None:
    raw = st.query_params.get("dashboard")
    if raw is None:
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if value > 0 else None


# --- callbacks -------------------------------------------------------------------------------
def _on_name(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.change(name=str(state[keys.w_ed_name(dashboard_id)] or ""))


def _on_project(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    chosen = state[keys.w_ed_project(dashboard_id)]
    if draft is not None and chosen is not None:
        draft.change(project=None if chosen == NO_PROJECT else chosen)


def _undo(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.undo()
    st.rerun()  # the builder and the sentence follow the tree: the whole page


def _redo(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.redo()
    st.rerun()  # the builder and the sentence follow the tree: the whole page


def _discard(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.discard()
    st.rerun()  # the builder and the sentence follow the tree: the whole page


def _toggle_preview(dashboard_id: int) -> None:
    state[keys.s_preview_open(dashboard_id)] = not state.get(
        keys.s_preview_open(dashboard_id), False
    )


def _on_mode(dashboard_id: int) -> None:
    chosen = state[keys.w_ed_mode(dashboard_id)]
    state[keys.s_editor_mode(dashboard_id)] = chosen or MODE_BUILDER


# --- reference lists (cached per session: a draft edit sends no request) ------------------------
def _names(load: Any, project: int | None, name_attr: str) -> dict[int, str]:
    """{id: name} of the project's agents or metrics. All of them are read once (one
    request) and narrowed here, so picking another project costs no request."""
    try:
        items = load(None)
    except CekuraError:
        return {}
    if project is not None:
        items = [i for i in items if getattr(i, "project", None) in (project, None)]
    return {item.id: str(getattr(item, name_attr, "") or f"#{item.id}") for item in items}


def _enum_values() -> dict[int, list[str]]:
    """Enum metrics' values by metric id, offered when a row is about that metric."""
    try:
        items = reads.load_metrics(None)
    except CekuraError:
        return {}
    out: dict[int, list[str]] = {}
    for metric in items:
        values = getattr(metric, "enum_values", None)
        if getattr(metric, "eval_type", "") == "enum" and isinstance(values, list) and values:
            out[metric.id] = [str(v) for v in values]
    return out


def _open_drafts() -> None:
    """Unsaved drafts: the ones kept in the store for this connection (they survive a
    reload) and this session's. Each link carries the dashboard and the draft."""
    unsaved = draft_store.open_drafts(list(session_drafts()))
    if not unsaved:
        return
    st.markdown("**Dashboards with unsaved changes**")
    for item in unsaved:
        label = escape_markdown(item.name) if item.name else f"Dashboard {item.dashboard_id}"
        if item.expires_at is not None:
            label += f" (kept until {item.expires_at:%Y-%m-%d})"
        st.page_link(
            "pages/editor.py",
            # a page link's label is markdown (images, code): the name must stay text
            label=label,
            icon=":material/edit_note:",
            query_params=draft_store.link_params(item),
        )


def _signature(draft: Draft) -> tuple[Any, ...]:
    """What the part of the page outside the fragment shows from the draft."""
    effective_shown = state.get(keys.w_ed_effective(draft.dashboard_id)) is not None
    return (
        draft.name,
        draft.project,
        id(draft.loaded),
        draft.version if effective_shown else None,
        draft.save_issue.kind if draft.save_issue is not None else None,
        # the widget editor's preview is drawn with the draft's filter
        _filter_key(draft) if _widget_editor_open(draft) else None,
        draft.widgets,  # undo/redo/discard in the fragment can change the widget list
    )


def main() -> None:
    dashboard_id = _dashboard_id_from_url()
    if dashboard_id is None:
        st.title("Edit dashboard")
        st.info("Pick a dashboard to edit from the list.", icon=":material/info:")
        _back_link()
        _open_drafts()
        return
    draft = _stored_draft(dashboard_id)
    if draft is None:
        try:
            dashboard = reads.load_dashboard(dashboard_id)
        except NotFoundError:
            st.title("Edit dashboard")
            st.error(
                f"There is no dashboard number {dashboard_id}, or your API key cannot see it. "
                "It may have been deleted.",
                icon=":material/search_off:",
            )
            _back_link()
            return
        except CekuraError as err:
            st.title("Edit dashboard")
            show_error(
                err,
                retry=lambda: reads.forget_dashboard(dashboard_id),
                key=keys.W_ED_LOAD_RETRY,
                context="Could not open this dashboard.",
            )
            _back_link()
            return
        try:
            draft = start_draft(dashboard)
        except FilterParseError as err:
            st.title("Edit dashboard")
            st.error(
                "This dashboard's saved filter is not one this app can read, so it cannot be "
                "edited here. " + escape_markdown(str(err)),
                icon=":material/error:",
            )
            _back_link()
            return
    _render(draft)


def _render(draft: Draft) -> None:
    dashboard_id = draft.dashboard_id
    _keep(draft, notices=True)
    render_flash()
    _back_link()
    state.setdefault(keys.s_editor_first_copy(dashboard_id), draft.loaded)
    st.title("Edit dashboard: " + escape_markdown(draft.name or "(no name)"), anchor=False)

    projects: dict[int, str] = {}
    try:
        projects = reads.project_names()
    except CekuraError as err:
        show_error(err, key=keys.W_ED_PROJECTS_RETRY, context="Could not load the projects.")
    issue = draft.save_issue
    field_errors = issue.field_errors if issue is not None else {}

    name_col, project_col = st.columns([3, 2])
    with name_col:
        sync(keys.w_ed_name(dashboard_id), draft.name)
        st.text_input(
            "Name",
            key=keys.w_ed_name(dashboard_id),
            max_chars=MAX_NAME,
            on_change=_on_name,
            args=(dashboard_id,),
            placeholder="A name people will recognise",
        )
        for message in field_errors.get("name", []):
            show_server_reason(message)
    with project_col:
        options: list[int] = [NO_PROJECT, *sorted(projects, key=lambda p: projects[p].lower())]
        if draft.project is not None and draft.project not in options:
            options.append(draft.project)
        sync(
            keys.w_ed_project(dashboard_id), NO_PROJECT if draft.project is None else draft.project
        )
        st.selectbox(
            "Project",
            options=options,
            format_func=lambda p: (
                "No project (all calls)"
                if p == NO_PROJECT
                else projects.get(p, f"Unknown project #{p}")
            ),
            key=keys.w_ed_project(dashboard_id),
            on_change=_on_project,
            args=(dashboard_id,),
            help="The dashboard shows calls of this project only.",
        )
        for message in field_errors.get("project", []):
            show_server_reason(message)
    for message in field_errors.get("non_field_errors", []):
        show_server_reason(message)

    state[keys.s_editor_signature(dashboard_id)] = _signature(draft)
    agents = _names(reads.load_agents, draft.project, "agent_name")
    metrics = _names(reads.load_metrics, draft.project, "name")

    # --- issue 10: the control bar and the call count above the builder, the charts under
    # it: keyed fragments that follow every applied change of the filter (_followers) ---
    st.fragment(key=keys.f_editor("control", dashboard_id))(_control_bar)(dashboard_id)
    count_slot = st.container(key=f"ed_match_count_{dashboard_id}")

    _filter_area(dashboard_id)

    if not CHARTS_OFF:
        st.fragment(key=keys.f_editor("charts", dashboard_id))(_charts)(dashboard_id)
        with count_slot:  # drawn last, so the count's read never holds the builder up
            st.fragment(key=keys.f_editor("count", dashboard_id))(_match_count)(dashboard_id)

    # the widget details: the draft's widgets, Add / Edit / Copy / Delete, the widget editor
    render_widget_section(
        draft, agents=agents, metric_names=metrics, metrics=_project_metrics(draft.project)
    )
    _history_section(draft)


# --- issue 10: the dashboard drawn, before and after ----------------------------------------
# CEKURA_EDITOR_CHARTS=off leaves the charts and the count out (very large dashboards, and
# the benchmark's page without charts).
CHARTS_OFF = os.environ.get("CEKURA_EDITOR_CHARTS", "").strip().lower() in ("0", "off", "no")


# A builder change reruns only the followers whose inputs it changed: each notes, when it
# draws, what it was drawn from (cheap facts of the draft, no request), and a follower whose
# inputs are as it drew them is left as it is. What the browser redraws is then the row and
# the sentence, not the whole filter area.
FOLLOWERS = ("toolbar", "status", "savebar", "control", "charts", "count")
OUTSIDE_AREA = ("control", "charts", "count")  # drawn outside the filter area's fragment


def _inputs(part: str, draft: Draft, filters: str) -> Any:
    """What follower `part` shows of the draft (whose filter is `filters`, as
    reads.filter_key), as a value to compare."""
    dashboard_id = draft.dashboard_id
    if part == "toolbar":
        first = state.get(keys.s_editor_first_copy(dashboard_id))
        dirty = draft.is_dirty()
        return (dirty, first is draft.loaded, bool(draft.undo_stack), bool(draft.redo_stack))
    if part == "control":
        return (
            read_date_range(draft.tree),
            read_agents(draft.tree),
            draft.project,
            state.get(keys.s_control_bar_error(dashboard_id)),
        )
    if part == "status":
        return (filters, draft.project, state.get(keys.s_editor_mode(dashboard_id)))
    if part == "savebar":
        agents, metrics = _filter_names(draft)
        preview_open = bool(state.get(keys.s_preview_open(dashboard_id), False))
        return (
            draft.is_dirty(),
            has_errors(_validated(draft, agents, metrics)),
            resolve_window(draft.tree) is None,
            filters if preview_open else None,
            draft.save_issue,  # the objects, not their id(): an id is reused once freed
            draft.pending_json,
            draft.project,
        )
    if part == "charts":
        # with no widgets there is nothing a filter changes
        return (filters if draft.loaded.widgets else None, draft.project, draft.loaded)
    return (filters, draft.project)  # count


def _drawn(dashboard_id: int) -> dict[str, Any]:
    found: dict[str, Any] | None = state.get(keys.s_editor_drawn(dashboard_id))
    if found is None:
        found = state[keys.s_editor_drawn(dashboard_id)] = {}
    return found


def _draws(part: str, draft: Draft) -> None:
    """Follower `part` is being drawn from the draft as it is now."""
    _drawn(draft.dashboard_id)[part] = _inputs(part, draft, _filter_key(draft))


def _stale(draft: Draft) -> list[str]:
    """The followers drawn from something the draft no longer is."""
    drawn = _drawn(draft.dashboard_id)
    parts = [p for p in FOLLOWERS if not (CHARTS_OFF and p in ("charts", "count"))]
    filters = _filter_key(draft)
    missing = object()
    return [p for p in parts if drawn.get(p, missing) != _inputs(p, draft, filters)]


def _followers(dashboard_id: int) -> list[str]:
    """The fragments a builder change reruns: those of the toolbar, the sentence, the Save
    bar, the control bar, the count and the charts that the change made stale (a change
    that leaves the filter as it was costs no read)."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return [keys.f_editor("status", dashboard_id), keys.f_editor("savebar", dashboard_id)]
    return [keys.f_editor(part, dashboard_id) for part in _stale(draft)]


def _control_bar(dashboard_id: int) -> None:
    """The date range and agents (components/control_bar.py); a change there reruns the
    page, so the builder shows it."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _draws("control", draft)
    render_control_bar(draft, _names(reads.load_agents, draft.project, "agent_name"))


def _chart_reads(draft: Draft) -> tuple[Any, bool, str | None]:
    """(reads, whether the draft's filter differs from the saved one, why the draft side
    is not asked): saved widget data (bulk_data) and, while the draft's filter differs and
    is valid, each widget under the draft (preview_data); cached, so the count and the
    charts share one set of requests. An invalid draft asks the server nothing."""
    agents = _names(reads.load_agents, draft.project, "agent_name")
    metrics = _names(reads.load_metrics, draft.project, "name")
    draft_json = draft.filters_json()
    differs = not same_json(draft.loaded.filters or None, draft_json)
    blocked: str | None = None
    if differs:
        errors = sum(1 for p in _validated(draft, agents, metrics) if p.severity == "error")
        if errors:
            blocked = (
                f"Not shown while your filter has {errors} "
                f"problem{'s' if errors != 1 else ''} (marked in the filter above)."
            )
        elif draft.pending_json is not None:
            blocked = "Not shown while your JSON is not applied."
    loaded = reads.load_chart_reads(
        draft.loaded, draft_json if differs and blocked is None else ...
    )
    return loaded, differs, blocked


def _charts(dashboard_id: int) -> None:
    """The widgets' charts, saved and under the draft, below the filter area."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _draws("charts", draft)
    try:
        loaded, differs, blocked = _chart_reads(draft)
    except CekuraError as err:
        show_error(err, key=keys.W_ED_CHARTS_RETRY, context="Could not load the charts.")
        return
    render_widget_charts(
        dashboard_id,
        draft.loaded.widgets,
        loaded,
        agents=_names(reads.load_agents, draft.project, "agent_name"),
        draft_differs=differs,
        draft_blocked=blocked,
        project_id=draft.loaded.project,
        draft_filters=draft.filters_json(),
    )


def _match_count(dashboard_id: int) -> None:
    """How many calls the draft's filter matches, beside the saved one's."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _draws("count", draft)
    try:
        loaded, differs, blocked = _chart_reads(draft)
    except CekuraError:
        render_match_count(None, None)  # the charts below say what went wrong
        return
    render_match_count(
        loaded.saved_count, loaded.draft_count if differs else None, draft_blocked=blocked
    )


def _widget_editor_open(draft: Draft) -> bool:
    return state.get(keys.s_widget_edit(draft.dashboard_id)) is not None


def _project_metrics(project: int | None) -> list[Any]:
    """The metrics a widget of this dashboard can plot: its project's (all without one)."""
    try:
        items = reads.load_metrics(None)
    except CekuraError:
        return []
    return [m for m in items if project is None or getattr(m, "project", None) in (project, None)]


@st.fragment
def _filter_area(dashboard_id: int) -> None:
    """The filter: what it says and its state, the builder (or JSON), Save. The parts that
    follow the tree are keyed fragments, so a builder edit reruns the rows it touched and
    these, never the whole area (components/filter_builder.py)."""
    draft = get_draft(dashboard_id)
    if draft is None:
        st.rerun(scope="app")
        return
    _keep(draft, notices=False)  # a JSON edit reruns only this fragment
    st.subheader("Filter", anchor=False)
    st.fragment(key=keys.f_editor("toolbar", dashboard_id))(_toolbar)(dashboard_id)
    st.fragment(key=keys.f_editor("status", dashboard_id))(_filter_status)(dashboard_id)
    mode = state.get(keys.s_editor_mode(dashboard_id), MODE_BUILDER)
    sync(keys.w_ed_mode(dashboard_id), mode)
    st.segmented_control(
        "How to edit the filter",
        options=[MODE_BUILDER, MODE_JSON],
        key=keys.w_ed_mode(dashboard_id),
        on_change=_on_mode,
        args=(dashboard_id,),
        required=True,
        label_visibility="collapsed",
    )
    if draft.pending_json is not None and mode == MODE_BUILDER:
        st.warning(
            "You have JSON that is not applied (it has a problem). It is kept under "
            f"“{MODE_JSON}”.",
            icon=":material/data_object:",
        )
    if mode == MODE_JSON:
        agents, metrics = _filter_names(draft)
        render_json_editor(draft, validate_filter(draft.tree, agents=agents, metrics=metrics))
    else:
        render_filter_builder(
            lambda: _tree_of(dashboard_id),
            lambda change: _edit_tree(dashboard_id, change),
            f"d{dashboard_id}",
            draft.project,
            follow=lambda: _followers(dashboard_id),
            server_errors=lambda: _server_errors(dashboard_id),
            validate=lambda: _draft_problems(dashboard_id),
        )
    st.fragment(key=keys.f_editor("savebar", dashboard_id))(_filter_save)(dashboard_id)
    if _is_fragment_run() and set(_stale(draft)) & set(OUTSIDE_AREA):
        # JSON applied here (this fragment's own rerun): the control bar, the count and
        # the charts follow, once the area is drawn
        st.rerun(scope="app")


def _is_fragment_run() -> bool:
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def _on_demo_data() -> bool:
    return current_connection().mode == "demo"


def _tree_of(dashboard_id: int) -> Any:
    draft = get_draft(dashboard_id)
    return draft.tree if draft is not None else None


def _edit_tree(dashboard_id: int, change: Any) -> None:
    """A builder edit: one undo step, stored at once (a builder edit reruns only some
    fragments; the Save bar, which follows every one, says if the store refused it)."""
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.edit_tree(change)
        draft_store.keep(draft)


def _server_errors(dashboard_id: int) -> dict[str, list[str]]:
    draft = get_draft(dashboard_id)
    if draft is None or draft.save_issue is None:
        return {}
    return draft.save_issue.node_errors


def _filter_names(draft: Draft) -> tuple[dict[int, str], dict[int, str]]:
    return (
        _names(reads.load_agents, draft.project, "agent_name"),
        _names(reads.load_metrics, draft.project, "name"),
    )


def _validated(draft: Draft, agents: dict[int, str], metrics: dict[int, str]) -> list[Any]:
    """The draft's problems, worked out once for each tree and project (the status line,
    the Save bar, the charts and the builder's rows all need them after every edit)."""
    found = draft.worked_out(
        "problems", lambda: validate_filter(draft.tree, agents=agents, metrics=metrics)
    )
    return list(found)


def _draft_problems(dashboard_id: int) -> list[Any]:
    """The builder's check of the tree it draws (the draft's: `_tree_of`)."""
    draft = get_draft(dashboard_id)
    return _validated(draft, *_filter_names(draft)) if draft is not None else []


def _filter_key(draft: Draft) -> str:
    """The draft's filter as reads.filter_key, worked out once for each tree."""
    return draft.worked_out("filter_key", lambda: reads.filter_key(draft.filters_json()))


SENTENCE_CHARS = 600  # a longer sentence is cut: the builder below shows every condition


def _short_sentence(text: str) -> str:
    if len(text) <= SENTENCE_CHARS:
        return text
    cut = text[:SENTENCE_CHARS].rsplit(" ", 1)[0]
    return cut + " … (every condition is in the builder below)"


def _filter_status(dashboard_id: int) -> None:
    """The toolbar, the filter in words and how many problems block Save."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _draws("status", draft)
    agents, metrics = _filter_names(draft)
    problems = _validated(draft, agents, metrics)
    sentence = describe_filter(draft.tree, agents=agents, metrics=metrics)
    st.info(
        escape_markdown(_short_sentence(sentence)) + ".",
        icon=":material/notes:",
    )
    window = resolve_window(draft.tree)
    if window is not None:
        st.caption("Time window right now: " + format_window(window))
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        mode = state.get(keys.s_editor_mode(dashboard_id), MODE_BUILDER)
        where = "listed under the JSON" if mode == MODE_JSON else "shown beside the conditions"
        st.error(
            f"{errors} problem{'s' if errors != 1 else ''} to fix before saving ({where}).",
            icon=":material/error:",
        )


def _filter_save(dashboard_id: int) -> None:
    """Save, Preview, what the last save said; a whole-page rerun when something drawn
    outside the filter area has to follow the draft."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _keep(draft, notices=False)  # after a builder edit, only this and its peers rerun
    _draws("savebar", draft)
    agents, metrics = _filter_names(draft)
    problems = _validated(draft, agents, metrics)
    dirty = draft.is_dirty()
    blocked: str | None = None
    if draft.pending_json is not None:
        blocked = "Your JSON is not applied yet: fix it or throw it away first."
    elif has_errors(problems):
        blocked = "Fix the problems marked in the filter first (a row may need a value)."
    blocked = denial_reason(current_actor(), "edit") or blocked  # a viewer: Save off, and why
    st.divider()
    with st.container(horizontal=True, vertical_alignment="center"):
        render_save_button(draft, blocked_reason=blocked, dirty=dirty)
        preview_open = bool(state.get(keys.s_preview_open(dashboard_id), False))
        st.button(
            "Hide preview" if preview_open else "Preview",
            key=keys.w_ed_preview(dashboard_id),
            icon=":material/visibility:",
            on_click=_toggle_preview,
            args=(dashboard_id,),
            help="See exactly what Save will send, in words and as a request.",
        )
        if blocked and dirty:
            st.caption(blocked)
        elif resolve_window(draft.tree) is None:
            st.caption(
                "You can save without a time window, but the widgets need one to show "
                "data: add a “Call time” condition."
            )
    projects = _project_list()
    render_save_issue(draft, projects=projects, agents=agents, metrics=metrics)
    if preview_open:
        render_preview(
            draft,
            get_client(),
            projects=projects,
            agents=agents,
            metrics=metrics,
            demo=_on_demo_data(),
        )

    if _signature(draft) != state.get(keys.s_editor_signature(dashboard_id)):
        st.rerun(scope="app")
    render_flash()  # a message from an action that changed nothing outside the fragment


def _project_list() -> dict[int, str]:
    try:
        return reads.project_names()
    except CekuraError:
        return {}


def _toolbar(dashboard_id: int) -> None:
    """What the draft is (unsaved, saved, as it was), Undo, Redo and Discard."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    _draws("toolbar", draft)
    dirty = draft.is_dirty()
    with st.container(
        horizontal=True, vertical_alignment="center", key=f"ed_toolbar_{dashboard_id}"
    ):
        first = state.get(keys.s_editor_first_copy(dashboard_id))
        if dirty:
            st.badge("Unsaved changes", icon=":material/edit_note:", color="orange")
        elif first is not None and draft.loaded is not first:
            st.badge("All changes saved", icon=":material/check:", color="green")
        elif draft.undo_stack:
            st.badge("Back to the saved version", icon=":material/history:", color="gray")
        else:
            st.badge("No changes yet", icon=":material/check:", color="gray")
        st.button(
            "Undo",
            key=keys.w_ed_undo(dashboard_id),
            icon=":material/undo:",
            on_click=_undo,
            args=(dashboard_id,),
            disabled=not draft.undo_stack,
            help="Undo your last change.",
        )
        st.button(
            "Redo",
            key=keys.w_ed_redo(dashboard_id),
            icon=":material/redo:",
            on_click=_redo,
            args=(dashboard_id,),
            disabled=not draft.redo_stack,
            help="Redo what you undid.",
        )
        st.button(
            "Discard changes",
            key=keys.w_ed_discard(dashboard_id),
            icon=":material/delete_sweep:",
            on_click=_discard,
            args=(dashboard_id,),
            disabled=not dirty,
            help="Go back to the saved version (you can undo this).",
        )


# --- drafts that survive a reload, and this dashboard's history (issue 13) --------------------
def _stored_draft(dashboard_id: int) -> Draft | None:
    """This session's draft, or the stored one the URL names (after a reload, in a tab
    reopened from history, on another app process)."""
    draft = get_draft(dashboard_id)
    token = st.query_params.get(draft_store.DRAFT_PARAM)
    if not token or (draft is not None and draft.token == token):
        return draft
    reopened = draft_store.reopen(dashboard_id, str(token))
    if reopened is None:
        st.info(
            "The draft in this link is no longer kept (it was saved or discarded, or is "
            "older than 14 days, or belongs to another API key). Showing the dashboard.",
            icon=":material/info:",
        )
        return draft
    return reopened


def _keep(draft: Draft, *, notices: bool) -> None:
    """Store the draft when it changed; `notices`: also say what the draft is (reopened,
    older than the server copy, a restore)."""
    if notices:
        _draft_notices(draft)
    if not draft_store.keep(draft):
        st.warning(
            "Your draft could not be kept in the app's store: it lives only in this tab "
            "until you save it.",
            icon=":material/warning:",
        )


def _draft_notices(draft: Draft) -> None:
    if draft.reopened:
        draft.reopened = False
        st.info(
            "Reopened your unsaved draft. Undo history does not survive a reload: Undo "
            "starts from here.",
            icon=":material/restore_page:",
        )
        if draft.save_issue is not None and draft.save_issue.kind == "conflict":
            st.warning(
                "This draft is older than the dashboard on the server: someone saved the "
                "dashboard after you started the draft. Compare your changes with theirs "
                "below, then choose.",
                icon=":material/group:",
            )
    if draft.restoring_entry_id is not None and draft.is_dirty():
        st.info(
            f"This draft restores a version from the history (entry "
            f"#{draft.restoring_entry_id}). Check what it changes and the exact request "
            "under Preview; Save restores it. A restore puts back the name, project and "
            "filter; the widgets stay as they are now.",
            icon=":material/settings_backup_restore:",
        )


def _history_section(draft: Draft) -> None:
    with st.expander("History of this dashboard", icon=":material/history:"):
        render_dashboard_history(draft.dashboard_id)


main()
