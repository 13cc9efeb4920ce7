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
S_STORE_CONNECTION = "s_store_connection"  # services/writing.py: the store's name for it
S_READS = "s_reads"  # services/reads.py: {"connection": id, "entries": {...}}

# --- stored: sign-in (services/signin.py) --------------------------------------------------
S_ACTOR = "s_actor"  # the signed-in person and role (services.access.Actor)
S_OPEN_APP_NOTICE_SHOWN = "s_open_app_notice_shown"  # the "anyone can change" notice, once
W_SIGN_OUT = "signin_sign_out"
S_HISTORY_NAME = "s_history_name"  # without sign-in: the name the journal records as "who"
W_HISTORY_NAME = "sidebar_history_name"


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


def s_control_bar_error(dashboard_id: int) -> str:
    """Why the control bar's last change could not be made, shown until the next one."""
    return f"s_control_bar_error_{int(dashboard_id)}"


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
W_ED_CHARTS_RETRY = "ed_charts_retry"


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


def w_ed_drop_draft(dashboard_id: int) -> str:
    """Throw away a draft started on another connection."""
    return _ed("drop_draft", dashboard_id)


def w_ed_switch_back(dashboard_id: int) -> str:
    """Go back to the connection a draft was started on."""
    return _ed("switch_back", dashboard_id)


def w_ed_widgets(dashboard_id: int) -> str:
    return _ed("widgets", dashboard_id)


def w_ed_effective(dashboard_id: int) -> str:
    """The picker of the widget whose effective filter is shown."""
    return _ed("effective", dashboard_id)


def w_ed_range(dashboard_id: int) -> str:
    """The control bar's date range picker (quick ranges, custom)."""
    return _ed("range", dashboard_id)


def w_ed_range_dates(dashboard_id: int) -> str:
    """The control bar's custom from/to dates."""
    return _ed("range_dates", dashboard_id)


def w_ed_agents(dashboard_id: int) -> str:
    """The control bar's agent multi-select."""
    return _ed("agents", dashboard_id)


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


def s_flt_shown(scope: str) -> str:
    """Per group id, how many of its conditions are shown (a long group shows a page)."""
    return f"s_flt_shown_{scope}"


def s_flt_pinned(scope: str) -> str:
    """The ids of rows added, moved or copied in this session: shown even past a long
    group's first page of rows, so what one just did never hides behind "Show more"."""
    return f"s_flt_pinned_{scope}"


def s_flt_rerun_note(scope: str) -> str:
    """What the builder's callbacks of the current interaction asked to rerun."""
    return f"s_flt_rerun_note_{scope}"


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


def s_editor_drawn(dashboard_id: int) -> str:
    """What each of the editor's followers (toolbar, sentence, Save bar, control bar,
    count, charts) was last drawn from: {part: its inputs}."""
    return f"s_editor_drawn_{int(dashboard_id)}"


# --- the calls table, the Calls page, the export and the drill-down --------------------------
# (components/calls_table.py, components/calls_export.py, pages/calls.py, services/drilldown.py)
# A table is named by the caller: "page" on the Calls page, "w<widget id>_<side>" under a chart.
S_CALLS_URL_SYNCED = "s_calls_url_synced"  # the ?filters= text last read from or put in the URL
S_CALLS_URL_ERROR = "s_calls_url_error"  # why the link's filter was not used (until an edit)


def s_calls_page(table: str) -> str:
    """(filter text, page number) of one calls table: a new filter goes back to page 1."""
    return f"s_calls_page_{table}"


def s_calls_export(table: str) -> str:
    """The CSV export of one calls table (services.calls.ExportJob)."""
    return f"s_calls_export_{table}"


def w_calls(table: str, part: str) -> str:
    """One input of one calls table (`part`: reveal, size, sort, prev, next, export ...)."""
    return f"calls_{table}_{part}"


W_CALLS_PROJECT = "calls_project"
W_CALLS_UNDO = "calls_undo"
W_CALLS_RESET = "calls_reset"
W_CALLS_TARGET = "calls_target_dashboard"
W_CALLS_USE = "calls_use_on_dashboard"


def w_chart(widget_id: int, side: str) -> str:
    """A widget's chart in the editor (`side`: saved or draft); its selection is the point
    whose calls open under it."""
    return f"chart_{int(widget_id)}_{side}"


# --- the History page and the editor's History section (components/history_view.py) ---------
# `scope`: 0 on the History page, the dashboard id in the editor's section.
def s_history_cursor(scope: int) -> str:
    """The journal page shown: a stack of `before_id`s (empty: the newest entries)."""
    return f"s_history_cursor_{int(scope)}"


def s_history_reread(entry_id: int) -> str:
    """What a re-read found out about an entry whose outcome is unknown."""
    return f"s_history_reread_{int(entry_id)}"


S_HISTORY_FLASH = "s_history_flash"  # the last restore/re-create/import: text and new id
S_HISTORY_IMPORT = "s_history_import"  # the import file read and its dry run


def w_hist(part: str, scope: int) -> str:
    """A filter, pager or version picker of the journal in one scope."""
    return f"hist_{part}_{int(scope)}"


def w_hist_version(part: str, scope: int, count: int) -> str:
    """A version picker, new whenever the number of versions changes (so it starts again
    on the first and the newest version instead of keeping a place that moved)."""
    return f"histver_{part}_{int(scope)}_{int(count)}"


def w_hist_entry(part: str, entry_id: int) -> str:
    """A toggle or button of one journal entry."""
    return f"histentry_{part}_{int(entry_id)}"


W_HIST_EXPORT_IDS = "hist_export_ids"
W_HIST_EXPORT = "hist_export_download"
W_HIST_IMPORT_FILE = "hist_import_file"
W_HIST_IMPORT_TEXT = "hist_import_text"
W_HIST_IMPORT_CHECK = "hist_import_check"
W_HIST_IMPORT_GO = "hist_import_go"
W_DASH_EXPORT = "dash_export"


# --- bulk changes (pages/bulk.py, services/bulk.py; the list's bulk entry) -----------------
S_DASH_OPEN_CREATED = "s_dash_open_created"  # the dashboard just created: open it next run
S_BULK_TARGET = "s_bulk_target"  # which dashboards the bulk page changes (services/bulk.py)
S_BULK_PLAN = "s_bulk_plan"  # the last dry run (cekura_dashboards.bulk_plan.BulkPlan)
S_BULK_RUN = "s_bulk_run"  # the apply or revert in progress or done (services/bulk.BulkRun)
S_BULK_LAST_BATCH = "s_bulk_last_batch"  # the batch id the last apply wrote under
S_BULK_COUNTS = "s_bulk_counts"  # dashboard id -> (calls before, calls after), on demand
W_DASH_DUP_OFF = "dash_dup_off"  # the Duplicate button drawn disabled (not one selected)
W_DASH_BULK = "dash_bulk"
W_DASH_BULK_SELECTED = "dash_bulk_selected"
W_DASH_BULK_MATCHING = "dash_bulk_matching"
W_BULK_KIND = "bulk_kind"
W_BULK_RANGE = "bulk_range"
W_BULK_AGENTS = "bulk_agents"
W_BULK_OLD_AGENT = "bulk_old_agent"
W_BULK_NEW_AGENT = "bulk_new_agent"
W_BULK_FIELD = "bulk_field"
W_BULK_OP = "bulk_op"
W_BULK_OLD_VALUE = "bulk_old_value"
W_BULK_NEW_VALUE = "bulk_new_value"
W_BULK_VALUE = "bulk_value"
W_BULK_DRY_RUN = "bulk_dry_run"
W_BULK_COUNT_PICK = "bulk_count_pick"
W_BULK_COUNT = "bulk_count"
W_BULK_APPLY = "bulk_apply"
W_BULK_CANCEL = "bulk_cancel"
W_BULK_REVERT = "bulk_revert"
W_BULK_BACK = "bulk_back"
W_BULK_RETRY = "bulk_retry"


# --- the widget editor (services/widget_editing.py, components/widget_editor.py) -------------
def s_widget_edit(dashboard_id: int) -> str:
    """The widget being edited (services.widget_editing.WidgetEdit), or none."""
    return f"s_widget_edit_{int(dashboard_id)}"


def s_widget_delete(dashboard_id: int) -> str:
    """The working key of the widget whose delete awaits confirmation."""
    return f"s_widget_delete_{int(dashboard_id)}"


def s_widget_previews(dashboard_id: int) -> str:
    """Preview answers by request (widget_rules.preview_key): a name change sends none."""
    return f"s_widget_previews_{int(dashboard_id)}"


def w_wed(dashboard_id: int, part: str) -> str:
    """One input or button of the widget editor or the widget actions."""
    return f"wed_{part}_{int(dashboard_id)}"
