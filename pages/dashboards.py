"""Dashboards: find one (search, project, pages), open it, create, duplicate or delete."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from cekura_dashboards.errors import CekuraError
from components.dashboard_table import (
    clear_table_selection,
    display_name,
    project_label,
    render_dashboard_table,
)
from components.errors import show_error
from components.inert import inert
from services import state_keys as keys
from services.access import denial_reason
from services.reads import (
    forget_dashboard_lists,
    load_dashboard_page,
    project_names,
    search_cut_short,
)
from services.signin import current_actor

# The write services (services.dashboards, .bulk, .transfer) are imported where a write, a
# bulk choice or an export starts: with them comes the app's store (SQLAlchemy), and a
# first visit that only reads the list should not wait for it.

EDITOR_PAGE = "pages/editor.py"
BULK_PAGE = "pages/bulk.py"
DESTRUCTIVE_BUTTON_CSS = (
    "<style>.st-key-{key} button {{background-color: #c62828; border-color: #c62828; "
    "color: #ffffff;}} .st-key-{key} button:hover {{background-color: #8e0000; "
    "border-color: #8e0000; color: #ffffff;}}</style>"
)
PAGE_SIZES = [10, 25, 50, 100]
MAX_NAME = 255
NO_PROJECT_LABEL = "No project"
# Selectboxes show a placeholder for a None value, so "all"/"none" get a sentinel option.
ALL_PROJECTS = -1

# Stored keys survive a visit to the editor; widget keys do not (services/state_keys.py).
SEARCH, SEARCH_INPUT = keys.S_DASH_SEARCH, keys.W_DASH_SEARCH
PROJECT, PROJECT_INPUT = keys.S_DASH_PROJECT, keys.W_DASH_PROJECT
PAGE, PAGE_INPUT = keys.S_DASH_PAGE, keys.W_DASH_PAGE
PAGE_SIZE, PAGE_SIZE_INPUT = keys.S_DASH_PAGE_SIZE, keys.W_DASH_PAGE_SIZE
PENDING_DELETE = keys.S_DASH_PENDING_DELETE
FLASH = keys.S_DASH_FLASH
ACTION_ERROR = keys.S_DASH_ACTION_ERROR
CREATE_NAME, CREATE_PROJECT = keys.W_DASH_CREATE_NAME, keys.W_DASH_CREATE_PROJECT

state = st.session_state
# Why this person may not create/duplicate or delete (None: they may).
cannot_edit = denial_reason(current_actor(), "edit")
cannot_delete = denial_reason(current_actor(), "delete")
cannot_bulk = denial_reason(current_actor(), "bulk")
# The list's stored (non-widget) state; only this page reads it.
state.setdefault(SEARCH, "")
state.setdefault(PROJECT, None)
state.setdefault(PAGE, 1)
state.setdefault(PAGE_SIZE, 25)


def _restore(widget_key: str, stored_key: str) -> None:
    # Always set, even when the key is still there: a widget left out of one run (the
    # empty-search state stops before the page-size box) keeps its key in session state,
    # but when drawn again it showed its first option (10 rows) while 25 were listed.
    state[widget_key] = state[stored_key]


def _back_to_first_page() -> None:
    state[PAGE] = 1
    state.pop(PAGE_INPUT, None)
    state.pop(FLASH, None)
    clear_table_selection()


def _on_query_change(widget_key: str, stored_key: str) -> None:
    state[stored_key] = state[widget_key]
    _back_to_first_page()


def _on_project_change() -> None:
    chosen = state[PROJECT_INPUT]
    state[PROJECT] = None if chosen == ALL_PROJECTS else chosen
    _back_to_first_page()


def _on_page_change() -> None:
    state[PAGE] = state[PAGE_INPUT]
    state.pop(FLASH, None)
    clear_table_selection()


def _clear_search() -> None:
    state[SEARCH] = ""
    state[PROJECT] = None
    _back_to_first_page()


def _refresh() -> None:
    forget_dashboard_lists()


def _flash(kind: str, text: str, dashboard_id: int | None = None) -> None:
    state[FLASH] = {"kind": kind, "text": text, "id": dashboard_id}
    state.pop(ACTION_ERROR, None)


def _fail(context: str, err: CekuraError) -> None:
    state[ACTION_ERROR] = {"context": context, "error": err}
    state.pop(FLASH, None)


# ---- actions (callbacks: they change state, the script then renders from it) --------


def _on_create() -> None:
    name = str(state.get(CREATE_NAME) or "").strip()
    project_id = state.get(CREATE_PROJECT)
    project_id = None if project_id == ALL_PROJECTS else project_id
    if not name:
        _fail_plain("Give the new dashboard a name.")
        return
    if len(name) > MAX_NAME:
        _fail_plain(f"The name is too long: at most {MAX_NAME} characters.")
        return
    from services.dashboards import create_dashboard

    try:
        dashboard = create_dashboard(name, project_id)
    except CekuraError as err:
        _fail("Could not create the dashboard", err)
        return
    state[CREATE_NAME] = ""
    _flash("created", f"Created “{display_name(dashboard)}”.", dashboard.id)
    # the script (not this callback) switches page: that also closes the popover
    state[keys.S_DASH_OPEN_CREATED] = int(dashboard.id)


def _fail_plain(message: str) -> None:
    state[ACTION_ERROR] = {"context": message, "error": None}
    state.pop(FLASH, None)


def _on_duplicate(dashboard_id: int, name_key: str) -> None:
    name = str(state.get(name_key) or "").strip() or None
    if name and len(name) > MAX_NAME:
        _fail_plain(f"The name is too long: at most {MAX_NAME} characters.")
        return
    from services.dashboards import duplicate_dashboard

    try:
        copy = duplicate_dashboard(dashboard_id, name)
    except CekuraError as err:
        _fail("Could not duplicate the dashboard", err)
        return
    _flash("duplicated", f"Made a copy: “{display_name(copy)}”.", copy.id)


def _export(chosen: list[Any]) -> Any:
    """What the Export button downloads: the chosen dashboards, read when clicked."""
    if not chosen:
        return b""
    from services.transfer import export_later

    return export_later([int(d.id) for d in chosen])


def _ask_delete(dashboard: Any) -> None:
    state[PENDING_DELETE] = {
        "id": int(dashboard.id),
        "name": display_name(dashboard),
        "widgets": int(getattr(dashboard, "widget_count", 0) or 0),
    }
    state.pop(ACTION_ERROR, None)
    state.pop(FLASH, None)


def _cancel_delete() -> None:
    state.pop(PENDING_DELETE, None)


def confirm_delete() -> None:
    """The dialog's Delete button: delete, then say so (or keep the dialog with the error)."""
    pending = state.get(PENDING_DELETE)
    if not pending:
        return
    from services.dashboards import delete_dashboard

    try:
        delete_dashboard(pending["id"])
    except CekuraError as err:
        state[PENDING_DELETE] = {**pending, "error": err}
        return
    state.pop(PENDING_DELETE, None)
    clear_table_selection()
    _flash("deleted", f"Deleted “{pending['name']}”.")


@st.dialog("Delete dashboard", on_dismiss=_cancel_delete)
def _delete_dialog() -> None:
    pending = state.get(PENDING_DELETE)
    if not pending:
        # Deleted or cancelled by the button's callback: this dialog rerun is a fragment
        # run, so rerun the whole page to close it and show the new list.
        st.rerun()
    widgets = pending["widgets"]
    with st.container(border=True):
        st.markdown(f"**{inert(pending['name'])}**")
    what = f"and its {widgets} widget{'s' if widgets != 1 else ''} " if widgets else ""
    st.markdown(f"This deletes the dashboard {what}for everyone who uses it. It cannot be undone.")
    if pending.get("error") is not None:
        show_error(pending["error"], retry=False, key=keys.W_DASH_DELETE_ERROR)
    left, right = st.columns(2)
    left.button(
        "Delete dashboard",
        key=keys.W_DASH_DELETE_CONFIRM,
        type="primary",
        icon=":material/delete:",
        on_click=confirm_delete,
        width="stretch",
    )
    right.button("Cancel", key=keys.W_DASH_DELETE_CANCEL, on_click=_cancel_delete, width="stretch")
    # A destructive button is red (Streamlit has no such button type): styled by its key.
    st.html(DESTRUCTIVE_BUTTON_CSS.format(key=keys.W_DASH_DELETE_CONFIRM))


# ---- page --------------------------------------------------------------------------

# --- bulk: open the dashboard just created (pages/bulk.py helper's block) ---
if keys.S_DASH_OPEN_CREATED in state:
    created_id = state.pop(keys.S_DASH_OPEN_CREATED)
    state.pop(FLASH, None)
    st.switch_page(EDITOR_PAGE, query_params={"dashboard": str(created_id)})
# --- end bulk ---

st.title("Dashboards")
st.caption("Find a dashboard to open and edit, or create a new one.")

try:
    names = project_names()
except CekuraError as err:
    show_error(err, key=keys.W_DASH_PROJECTS_RETRY, context="Could not load your projects")
    st.stop()

project_ids = sorted(names, key=lambda pid: names[pid].casefold())
if state[PROJECT] is not None and state[PROJECT] not in names:
    state[PROJECT] = None
_restore(SEARCH_INPUT, SEARCH)
state[PROJECT_INPUT] = ALL_PROJECTS if state[PROJECT] is None else state[PROJECT]
_restore(PAGE_SIZE_INPUT, PAGE_SIZE)

# One row: the search takes the room the buttons (as wide as their words) leave.
top_row = st.container(horizontal=True, vertical_alignment="bottom", key="dash_top_row")
top_row.text_input(
    "Search by name",
    key=SEARCH_INPUT,
    placeholder="Type part of a name, then press Enter",
    on_change=_on_query_change,
    args=(SEARCH_INPUT, SEARCH),
    width="stretch",
)
top_row.selectbox(
    "Project",
    options=[ALL_PROJECTS, *project_ids],
    key=PROJECT_INPUT,
    format_func=lambda pid: "All projects" if pid == ALL_PROJECTS else names[pid],
    on_change=_on_project_change,
    width=240,
)
top_row.button(
    "Refresh",
    key=keys.W_DASH_REFRESH,
    icon=":material/refresh:",
    on_click=_refresh,
    help="Load the list again, including changes other people made.",
)
with top_row.popover("New dashboard", icon=":material/add:", key=keys.W_DASH_NEW, width="content"):
    with st.form(keys.W_DASH_CREATE_FORM, border=False):
        st.text_input("Name", key=CREATE_NAME, max_chars=MAX_NAME)
        create_options = [*project_ids, ALL_PROJECTS]
        st.selectbox(
            "Project",
            options=create_options,
            key=CREATE_PROJECT,
            index=create_options.index(state[PROJECT]) if state[PROJECT] in names else 0,
            format_func=lambda pid: NO_PROJECT_LABEL if pid == ALL_PROJECTS else names[pid],
        )
        st.form_submit_button(
            "Create dashboard",
            type="primary",
            on_click=_on_create,
            disabled=cannot_edit is not None,
            help=cannot_edit,
        )


action_error = state.get(ACTION_ERROR)
if action_error:
    if action_error["error"] is None:
        st.warning(inert(action_error["context"]), icon=":material/warning:")
    else:
        show_error(action_error["error"], retry=False, context=action_error["context"])

flash = state.get(FLASH)
if flash and flash.get("id") is None:
    st.success(inert(flash["text"]), icon=":material/check_circle:")
elif flash:
    text_col, open_col = st.columns([5, 1], vertical_alignment="center")
    text_col.success(inert(flash["text"]), icon=":material/check_circle:")
    if open_col.button(
        "Open it", key=keys.W_DASH_FLASH_OPEN, icon=":material/edit:", width="stretch"
    ):
        state.pop(FLASH, None)
        st.switch_page(EDITOR_PAGE, query_params={"dashboard": str(flash["id"])})

page_size = int(state[PAGE_SIZE])
try:
    result = load_dashboard_page(
        page=int(state[PAGE]), page_size=page_size, project_id=state[PROJECT], search=state[SEARCH]
    )
    if not result.results and result.count and state[PAGE] > 1:
        # The page we were on emptied (deletes elsewhere): show the last page instead.
        _back_to_first_page()
        state[PAGE] = max(1, math.ceil(result.count / page_size))
        result = load_dashboard_page(
            page=state[PAGE], page_size=page_size, project_id=state[PROJECT], search=state[SEARCH]
        )
except CekuraError as err:
    show_error(
        err,
        retry=forget_dashboard_lists,
        key=keys.W_DASH_LIST_RETRY,
        context="Could not load the dashboards",
    )
    st.stop()

rows = list(result.results)
total = int(result.count or 0)
cut_short = search_cut_short(state[PROJECT], state[SEARCH])
if cut_short is not None:
    scanned, of = cut_short
    st.warning(
        f"Searched the first {scanned:,} of {of:,} dashboards: matches past them are not "
        "listed. Pick a project or type more of the name to narrow the search.",
        icon=":material/content_cut:",
    )
filtered = bool(state[SEARCH].strip()) or state[PROJECT] is not None

if total == 0:
    with st.container(border=True, key="dash_empty"):
        if filtered:
            st.markdown("**No dashboards match.**")
            st.caption("Try another name or project, or clear the search.")
            st.button(
                "Clear search and project", key=keys.W_DASH_CLEAR_SEARCH, on_click=_clear_search
            )
        else:
            st.markdown("**There are no dashboards yet.**")
            st.caption("Use **New dashboard** above to create the first one.")
    st.stop()

first = (int(state[PAGE]) - 1) * page_size + 1
last = first + len(rows) - 1
actions_box = st.container(key="dash_actions")
plural = "" if total == 1 else "s"
st.caption(
    f"Showing {first:,}–{last:,} of {total:,} dashboard{plural}. Click a name to open it; "
    "tick rows to select them."
)
choice = render_dashboard_table(rows, names)
if choice.opened is not None:
    st.switch_page(EDITOR_PAGE, query_params={"dashboard": str(choice.opened.id)})
chosen = choice.selected
selected = chosen[0] if len(chosen) == 1 else None

pager_col, size_col = st.columns([5, 1], vertical_alignment="center")
num_pages = max(1, math.ceil(total / page_size))
with pager_col:
    st.pagination(
        num_pages,
        default=min(int(state[PAGE]), num_pages),
        key=PAGE_INPUT,
        on_change=_on_page_change,
    )
size_col.selectbox(
    "Rows per page",
    options=PAGE_SIZES,
    key=PAGE_SIZE_INPUT,
    on_change=_on_query_change,
    args=(PAGE_SIZE_INPUT, PAGE_SIZE),
)

with actions_box:
    # One layout whatever is selected (buttons disabled instead of missing), so ticking
    # a row never changes this box's height and the table below it does not jump.
    with st.container(border=True, key="dash_selected_box"):
        # What is selected above, the actions below in one row of buttons as wide as
        # their words (fixed columns cut the words off in a narrow window).
        info = st.container()
        actions = st.container(horizontal=True, gap="small", key="dash_actions_row")
        one = "Select exactly one dashboard for this."
        with info:
            if selected is not None:
                name = display_name(selected)
                st.markdown(f"**{inert(name)}**")
                st.caption(inert(project_label(selected.project, names)))
            elif chosen:
                st.markdown(f"**{len(chosen)} dashboards selected**")
                st.caption("Change them all at once with Bulk change.")
            else:
                st.markdown("**Nothing selected**")
                st.caption("Tick one or more rows to act on them.")
        if actions.button(
            "Open",
            key=keys.W_DASH_OPEN,
            type="primary",
            icon=":material/edit:",
            width="content",
            disabled=selected is None,
            help=one if selected is None else None,
        ):
            assert selected is not None
            st.switch_page(EDITOR_PAGE, query_params={"dashboard": str(selected.id)})
        if selected is None:
            actions.button(
                "Duplicate",
                key=keys.W_DASH_DUP_OFF,
                icon=":material/content_copy:",
                width="content",
                disabled=True,
                help=one,
            )
        else:
            with actions.popover(
                "Duplicate", icon=":material/content_copy:", key=keys.W_DASH_DUP, width="content"
            ):
                name = display_name(selected)
                dup_key = keys.w_dash_dup_name(selected.id)
                state.setdefault(dup_key, f"Copy of {name}"[:MAX_NAME])
                st.text_input("Name of the copy", key=dup_key, max_chars=MAX_NAME)
                st.button(
                    "Make a copy",
                    key=keys.W_DASH_DUP_CONFIRM,
                    type="primary",
                    on_click=_on_duplicate,
                    args=(int(selected.id), dup_key),
                    disabled=cannot_edit is not None,
                    help=cannot_edit,
                )
        actions.button(
            "Delete…",
            key=keys.W_DASH_DELETE,
            icon=":material/delete:",
            on_click=_ask_delete,
            args=(selected,),
            width="content",
            disabled=selected is None or cannot_delete is not None,
            help=one if selected is None else cannot_delete,
        )
        # --- bulk: change the ticked rows, or every dashboard that matches ---
        with actions.popover(
            "Bulk change…",
            icon=":material/library_add_check:",
            key=keys.W_DASH_BULK,
            width="content",
        ):
            if cannot_bulk is not None:
                st.caption(inert(cannot_bulk))
            if st.button(
                f"The {len(chosen)} selected" if chosen else "The selected (none yet)",
                key=keys.W_DASH_BULK_SELECTED,
                disabled=not chosen or cannot_bulk is not None,
                width="stretch",
            ):
                from services.bulk import choose_rows

                choose_rows(chosen)
                st.switch_page(BULK_PAGE)
            matching = "All" if not filtered else "Every matching"
            if st.button(
                f"{matching} dashboard{plural} ({total:,})",
                key=keys.W_DASH_BULK_MATCHING,
                disabled=cannot_bulk is not None,
                help="Every dashboard of the current search and project, on every page.",
                width="stretch",
            ):
                from services.bulk import choose_matching

                choose_matching(project_id=state[PROJECT], search=state[SEARCH], count=total)
                st.switch_page(BULK_PAGE)
        # --- end bulk ---
        actions.download_button(
            "Export",
            data=_export(chosen),
            file_name=(
                f"dashboard-{int(chosen[0].id)}.json" if len(chosen) == 1 else "dashboards.json"
            ),
            mime="application/json",
            key=keys.W_DASH_EXPORT,
            icon=":material/download:",
            width="content",
            disabled=not chosen,
            help="The ticked dashboards with their widgets, as a JSON file; import it from "
            "the History page.",
        )

if PENDING_DELETE in state:
    _delete_dialog()
