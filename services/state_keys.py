"""Every `st.session_state` key the app uses, and the one scheme they follow.

- **Stored keys** (`S_...` constants, `s_...(id)` functions) hold what the app keeps
  itself: the connection, cached reads, drafts, a page's remembered choices. Streamlit
  never drops them, so they survive a visit to another page. Their text starts `s_`.
- **Widget keys** (`W_...` constants, `w_...(id)` functions) belong to one input or
  button. Streamlit drops a widget's state when its page is left, so nothing lasting may
  live only there. Their text starts with the page or part they are on (`conn_`, `dash_`,
  `ed_`, `flt_`), never `s_`. Keys of repeated widgets are built from stable ids (a
  dashboard id, a filter node id: `flt_<node_id>_op`), never from list positions, so
  adding or moving a row never hands one row's state to another.

Pages and components import these names; none writes a key as a string of its own.
(Keys of containers, forms and popovers are CSS hooks, not session state: they stay
beside the code that draws them.)
"""

from __future__ import annotations

STORED_PREFIX = "s_"

# --- stored: the connection (services/connection.py) and cached reads (services/reads.py) ---
S_CLIENT = "s_client"  # the session's CekuraClient: per user, never in a process cache
S_CONNECTION = "s_connection"  # a services.connection.Connection (never the key itself)
S_CONNECT_ERROR = "s_connect_error"  # why the pasted key was refused, until the next try
S_READS = "s_reads"  # services/reads.py: {"connection": id, "entries": {...}}

# --- stored: sign-in (services/signin.py) --------------------------------------------------
S_ACTOR = "s_actor"  # the signed-in person and role (services.access.Actor)
S_OPEN_APP_NOTICE_SHOWN = "s_open_app_notice_shown"  # the "anyone can change" notice, once
W_SIGN_OUT = "signin_sign_out"


def w_sign_in(provider: str | None) -> str:
    return f"signin_login_{provider or 'default'}"


# --- stored: the dashboards list (pages/dashboards.py) --------------------------------------
S_DASH_SEARCH = "s_dash_search"
S_DASH_PROJECT = "s_dash_project"
S_DASH_PAGE = "s_dash_page"
S_DASH_PAGE_SIZE = "s_dash_page_size"
S_DASH_PENDING_DELETE = "s_dash_pending_delete"  # the delete dialog's dashboard
S_DASH_FLASH = "s_dash_flash"  # the last action's message
S_DASH_ACTION_ERROR = "s_dash_action_error"
S_DASH_TABLE_GENERATION = "s_dash_table_generation"  # bumps to clear the table's selection

# --- stored: the editor (pages/editor.py, services/drafts.py, services/save.py) --------------
S_EDITOR_FLASH = "s_editor_flash"  # a toast to show on the next run


def s_draft(dashboard_id: int) -> str:
    """The services.drafts.Draft of one dashboard."""
    return f"s_draft_{int(dashboard_id)}"


def s_editor_mode(dashboard_id: int) -> str:
    """Builder or JSON, remembered while the segmented control is off the page."""
    return f"s_editor_mode_{int(dashboard_id)}"


def s_preview_open(dashboard_id: int) -> str:
    return f"s_preview_open_{int(dashboard_id)}"


def s_editor_signature(dashboard_id: int) -> str:
    """What the editor drew outside its filter fragment (the fragment compares it)."""
    return f"s_editor_signature_{int(dashboard_id)}"


def s_widget_rows(dashboard_id: int) -> str:
    """The widget table built for one server copy (rebuilt when that copy changes)."""
    return f"s_widget_rows_{int(dashboard_id)}"


def is_stored(key: str) -> bool:
    return key.startswith(STORED_PREFIX)


def form_submitter(form_key: str, label: str) -> str:
    """The key Streamlit gives a form's submit button (it takes no key of its own)."""
    return f"FormSubmitter:{form_key}-{label}"


# --- widgets: the sidebar connection form (components/connection.py) -------------------------
W_CONN_API_KEY = "conn_api_key_input"
W_CONN_BASE_URL = "conn_base_url_input"
W_CONN_DISCONNECT = "conn_disconnect"
W_CONN_FORM = "conn_form"  # its submit button is Streamlit's "FormSubmitter:conn_form-Connect"

# --- widgets: the dashboards list (pages/dashboards.py, components/dashboard_table.py) -------
W_DASH_SEARCH = "dash_search_input"
W_DASH_PROJECT = "dash_project_input"
W_DASH_PAGE = "dash_page_input"
W_DASH_PAGE_SIZE = "dash_page_size_input"
W_DASH_CREATE_NAME = "dash_create_name"
W_DASH_CREATE_PROJECT = "dash_create_project"
W_DASH_CREATE_FORM = "dash_create_form"
W_DASH_NEW = "dash_new"
W_DASH_REFRESH = "dash_refresh"
W_DASH_CLEAR_SEARCH = "dash_clear_search"
W_DASH_FLASH_OPEN = "dash_flash_open"
W_DASH_OPEN = "dash_open"
W_DASH_DUP = "dash_dup"
W_DASH_DUP_CONFIRM = "dash_dup_confirm"
W_DASH_DELETE = "dash_delete"
W_DASH_DELETE_CONFIRM = "dash_delete_confirm"
W_DASH_DELETE_CANCEL = "dash_delete_cancel"
W_DASH_DELETE_ERROR = "dash_delete_error"
W_DASH_PROJECTS_RETRY = "dash_projects_retry"
W_DASH_LIST_RETRY = "dash_list_retry"


def w_dash_table(generation: int) -> str:
    """The list's table; a new generation is a new table with no row ticked."""
    return f"dash_table_{int(generation)}"


def w_dash_dup_name(dashboard_id: int) -> str:
    return f"dash_dup_name_{int(dashboard_id)}"


# --- widgets: the editor (pages/editor.py, components/save_flow.py, json_editor.py, ...) ----
W_ERROR_RETRY = "error_retry"  # components/errors.show_error when the caller names none
W_ED_LOAD_RETRY = "ed_load_retry"
W_ED_PROJECTS_RETRY = "ed_projects_retry"


def _ed(part: str, dashboard_id: int) -> str:
    return f"ed_{part}_{int(dashboard_id)}"


def w_ed_name(dashboard_id: int) -> str:
    return _ed("name", dashboard_id)


def w_ed_project(dashboard_id: int) -> str:
    return _ed("project", dashboard_id)


def w_ed_mode(dashboard_id: int) -> str:
    return _ed("mode", dashboard_id)


def w_ed_json(dashboard_id: int) -> str:
    return _ed("json", dashboard_id)


def w_ed_json_discard(dashboard_id: int) -> str:
    return _ed("json_discard", dashboard_id)


def w_ed_undo(dashboard_id: int) -> str:
    return _ed("undo", dashboard_id)


def w_ed_redo(dashboard_id: int) -> str:
    return _ed("redo", dashboard_id)


def w_ed_discard(dashboard_id: int) -> str:
    return _ed("discard", dashboard_id)


def w_ed_preview(dashboard_id: int) -> str:
    return _ed("preview", dashboard_id)


def w_ed_save(dashboard_id: int) -> str:
    return _ed("save", dashboard_id)


def w_ed_retry(dashboard_id: int) -> str:
    return _ed("retry", dashboard_id)


def w_ed_dismiss(dashboard_id: int) -> str:
    return _ed("dismiss", dashboard_id)


def w_ed_reread(dashboard_id: int) -> str:
    return _ed("reread", dashboard_id)


def w_ed_reload_theirs(dashboard_id: int) -> str:
    return _ed("reload_theirs", dashboard_id)


def w_ed_overwrite(dashboard_id: int) -> str:
    return _ed("overwrite", dashboard_id)


def w_ed_widgets(dashboard_id: int) -> str:
    return _ed("widgets", dashboard_id)


def w_ed_effective(dashboard_id: int) -> str:
    """The picker of the widget whose effective filter is shown."""
    return _ed("effective", dashboard_id)


# --- widgets: the filter builder and its value editors ---------------------------------------
def w_filter(node_id: str, part: str) -> str:
    """One input of one filter node (`part`: field, op, value editor kind, a row action)."""
    return f"flt_{node_id}_{part}"


# --- stored: the filter builder (components/filter_builder.py), per tree it edits ---------------
# `scope` names the tree: a dashboard's filter (`d12`), a widget's (`w34`), a page's own.
def s_flt_edit(scope: str) -> str:
    """The one row being edited in that tree (a components.filter_builder.RowEdit)."""
    return f"s_flt_edit_{scope}"


def s_flt_collapsed(scope: str) -> str:
    """The ids of that tree's collapsed groups."""
    return f"s_flt_collapsed_{scope}"


def s_flt_drawn(scope: str) -> str:
    """Per group id, the child ids its body drew (the rest are drawn at its end)."""
    return f"s_flt_drawn_{scope}"


def s_flt_hints(scope: str) -> str:
    """What that tree's value editors offer (names, scales, seen values), per rerun."""
    return f"s_flt_hints_{scope}"


def f_filter(node_id: str, part: str) -> str:
    """The key of one of the builder's fragments (`st.fragment(key=...)`, not state):
    a row, a group's heading, a group's end."""
    return f"fragment_flt_{node_id}_{part}"


def s_editor_first_copy(dashboard_id: int) -> str:
    """The server copy the editor opened with (a later one means a save in this session)."""
    return f"s_editor_first_copy_{int(dashboard_id)}"


def f_editor(part: str, dashboard_id: int) -> str:
    """The key of one of the editor's fragments (`st.fragment(key=...)`, not state)."""
    return f"fragment_ed_{part}_{int(dashboard_id)}"


def s_editor_problems(dashboard_id: int) -> str:
    """The draft's validation problems, with the draft version they are of."""
    return f"s_editor_problems_{int(dashboard_id)}"
