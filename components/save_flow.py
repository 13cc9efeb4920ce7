"""The save flow on screen: the Save button, the toast after an action, and the panel
that explains a save that did not simply succeed (a conflict with their changes beside
yours, the API's reasons, an unknown outcome). The actions are services/save.py."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import change_list
from components.inert import inert
from components.json_editor import path_words
from components.patch_preview import render_change_list
from components.widget_editor import render_widget_issue
from services import state_keys as keys
from services.connection import current_connection, default_mode
from services.drafts import Draft, loaded_body
from services.save import (
    discard_draft,
    dismiss,
    other_connection,
    reload_theirs,
    reread,
    save,
    switch_back,
    take_flash,
    wrong_connection_message,
)

SAVE_LABEL = "Save"


# --- drawing ------------------------------------------------------------------------------
def render_save_button(draft: Draft, *, blocked_reason: str | None, dirty: bool) -> None:
    """`dirty`: draft.is_dirty(), which the caller has worked out for this run already.
    Beside the button: the account and address this draft belongs to."""
    blocked_reason = wrong_connection_message(draft) or blocked_reason
    disabled = blocked_reason is not None or not dirty
    st.button(
        SAVE_LABEL,
        key=keys.w_ed_save(draft.dashboard_id),
        type="primary",
        icon=":material/save:",
        disabled=disabled,
        on_click=save,
        args=(draft.dashboard_id,),
        help=blocked_reason or ("Nothing to save yet." if not dirty else "Save your changes."),
    )
    belongs = draft.connection or current_connection()
    st.caption(
        inert(f"Saves to {belongs.label}"), help="The account and address this draft is for."
    )


def render_flash() -> None:
    message = take_flash()
    if message:
        st.toast(inert(message), icon=":material/check_circle:")


def render_save_issue(
    draft: Draft, *, projects: Any = None, agents: Any = None, metrics: Any = None
) -> None:
    if other_connection(draft) is not None:
        _other_connection(draft)
        return
    issue = draft.save_issue
    if issue is None:
        return
    dashboard_id = draft.dashboard_id
    kind = issue.kind
    with st.container(border=True, key=f"ed_issue_{dashboard_id}"):
        render_widget_issue(draft, metrics or {})
        if kind == "conflict":
            _conflict(draft, issue.server_copy, projects=projects, agents=agents, metrics=metrics)
        elif kind == "invalid":
            st.error(
                "Not saved: the Cekura API refused the change. " + inert(issue.message),
                icon=":material/block:",
            )
            for path, reasons in issue.filter_errors.items():
                for reason in reasons:
                    st.error(
                        inert(f"Filter, at {path_words(path)}: {reason}"),
                        icon=":material/dns:",
                    )
            st.caption(
                "Its reasons are shown beside the fields they concern. Your draft is "
                "unchanged; fix them and save again."
            )
            _retry_buttons(dashboard_id)
        elif kind == "unknown":
            st.warning(inert(issue.message), icon=":material/help:")
            st.caption("Your draft is kept. Re-reading shows whether it was saved.")
            with st.container(horizontal=True):
                st.button(
                    "Re-read the dashboard",
                    key=keys.w_ed_reread(dashboard_id),
                    icon=":material/refresh:",
                    on_click=reread,
                    args=(dashboard_id,),
                )
                st.button(
                    "Dismiss",
                    key=keys.w_ed_dismiss(dashboard_id),
                    on_click=dismiss,
                    args=(dashboard_id,),
                )
        else:
            st.error(
                "Not saved. " + inert(issue.message),
                icon=":material/error:",
            )
            st.caption("Your draft is kept as it is.")
            _retry_buttons(dashboard_id)


def _other_connection(draft: Draft) -> None:
    """A draft started on another account: say so, offer to go back to it or to throw the
    draft away. Nothing is sent from here."""
    started = draft.connection
    dashboard_id = draft.dashboard_id
    with st.container(border=True, key=f"ed_other_connection_{dashboard_id}"):
        st.error(inert(wrong_connection_message(draft) or ""), icon=":material/link_off:")
        can_switch_back = (
            started is not None
            and started.mode != "pasted"
            and started.mode == default_mode()
            and current_connection().mode == "pasted"
        )
        if started is not None and started.mode == "pasted":
            st.caption(
                inert(
                    f"To save it, connect with that key again ({started.key_hint} at "
                    f"{started.base_url}) under “Use your own API key” in the sidebar: your "
                    "draft is kept until then."
                )
            )
        with st.container(horizontal=True):
            if can_switch_back:
                st.button(
                    "Reconnect to " + inert(started.label if started else ""),
                    key=keys.w_ed_switch_back(dashboard_id),
                    icon=":material/link:",
                    on_click=switch_back,
                    args=(dashboard_id,),
                    help="Forget the key you pasted and go back to the connection this draft "
                    "was started on. The draft is kept.",
                )
            st.button(
                "Discard this draft",
                key=keys.w_ed_drop_draft(dashboard_id),
                icon=":material/delete_sweep:",
                on_click=discard_draft,
                args=(dashboard_id,),
                help="Throw your changes away and open the dashboard as this connection has it.",
            )


def _retry_buttons(dashboard_id: int) -> None:
    with st.container(horizontal=True):
        st.button(
            "Try saving again",
            key=keys.w_ed_retry(dashboard_id),
            icon=":material/refresh:",
            on_click=save,
            args=(dashboard_id,),
        )
        st.button(
            "Dismiss", key=keys.w_ed_dismiss(dashboard_id), on_click=dismiss, args=(dashboard_id,)
        )


def _conflict(
    draft: Draft, server_copy: Dashboard | None, *, projects: Any, agents: Any, metrics: Any
) -> None:
    dashboard_id = draft.dashboard_id
    st.warning(
        "Not saved: someone else saved this dashboard after you opened it. Nothing of "
        "theirs was overwritten. Compare, then choose.",
        icon=":material/group:",
    )
    if server_copy is None:
        st.caption("Their version could not be read. Reload the page to see it.")
        return
    theirs_col, mine_col = st.columns(2)
    with theirs_col:
        st.markdown("**What they changed**")
        render_change_list(
            change_list(
                draft.loaded,
                loaded_body(server_copy),
                projects=projects,
                agents=agents,
                metrics=metrics,
            ),
            empty="Nothing you can see here (they saved the same values).",
        )
    with mine_col:
        st.markdown("**What you changed**")
        render_change_list(
            change_list(
                draft.loaded, draft.body(), projects=projects, agents=agents, metrics=metrics
            ),
            empty="Nothing yet.",
        )
    with st.container(horizontal=True):
        st.button(
            "Reload theirs and re-apply my changes",
            key=keys.w_ed_reload_theirs(dashboard_id),
            type="primary",
            icon=":material/sync:",
            on_click=reload_theirs,
            args=(dashboard_id,),
            help="Start from their saved version and put your changes on top of it. "
            "Nothing is saved until you press Save.",
        )
        st.button(
            "Overwrite anyway",
            key=keys.w_ed_overwrite(dashboard_id),
            icon=":material/warning:",
            on_click=save,
            args=(dashboard_id,),
            kwargs={"overwrite": True},
            help="Save your version over theirs. The keys you changed replace theirs.",
        )
