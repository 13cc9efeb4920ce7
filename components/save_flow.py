"""The save flow on screen: the Save button, the toast after an action, and the panel
that explains a save that did not simply succeed (a conflict with their changes beside
yours, the API's reasons, an unknown outcome). The actions are services/save.py."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import change_list
from components.errors import escape_markdown
from components.json_editor import path_words
from components.patch_preview import render_change_list
from components.widget_editor import render_widget_issue
from services import state_keys as keys
from services.drafts import Draft, loaded_body
from services.save import dismiss, reload_theirs, reread, save, take_flash

SAVE_LABEL = "Save"


# --- drawing ------------------------------------------------------------------------------
def render_save_button(draft: Draft, *, blocked_reason: str | None, dirty: bool) -> None:
    """`dirty`: draft.is_dirty(), which the caller has worked out for this run already."""
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


def render_flash() -> None:
    message = take_flash()
    if message:
        st.toast(escape_markdown(message), icon=":material/check_circle:")


def render_save_issue(
    draft: Draft, *, projects: Any = None, agents: Any = None, metrics: Any = None
) -> None:
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
                "Not saved: the Cekura API refused the change. " + escape_markdown(issue.message),
                icon=":material/block:",
            )
            for path, reasons in issue.filter_errors.items():
                for reason in reasons:
                    st.error(
                        escape_markdown(f"Filter, at {path_words(path)}: {reason}"),
                        icon=":material/dns:",
                    )
            st.caption(
                "Its reasons are shown beside the fields they concern. Your draft is "
                "unchanged; fix them and save again."
            )
            _retry_buttons(dashboard_id)
        elif kind == "unknown":
            st.warning(escape_markdown(issue.message), icon=":material/help:")
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
                "Not saved. " + escape_markdown(issue.message),
                icon=":material/error:",
            )
            st.caption("Your draft is kept as it is.")
            _retry_buttons(dashboard_id)


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
