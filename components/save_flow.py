"""Saving a draft safely: one re-read and one PATCH of only the changed keys.

- Someone else saved since the page loaded: show what they changed beside what you
  changed; offer "Reload theirs and re-apply my changes" (the draft is kept and laid on
  their copy) or "Overwrite anyway". Never a silent overwrite.
- Success: a toast, the response becomes the new base (no extra GET), fresh undo.
- The API refuses: its words beside the fields and filter nodes they concern; the draft
  stays as it is, and Save tries again.
- The outcome is unknown (the connection dropped after sending): say so, offer a re-read.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from cekura_dashboards.errors import BadRequestError, CekuraError, ConflictError
from cekura_dashboards.filter_tree import node_at_path
from cekura_dashboards.patch import change_list, patch_body
from components import reads
from components.connection import get_client
from components.draft import Draft, get_draft, loaded_body
from components.errors import error_message, escape_markdown
from components.json_editor import path_words
from components.patch_preview import render_change_list

log = logging.getLogger(__name__)

SAVE_LABEL = "Save"
FLASH_KEY = "editor_flash"


def save_key(dashboard_id: int) -> str:
    return f"ed_save_{dashboard_id}"


# --- actions (callbacks) ------------------------------------------------------------------
def save(dashboard_id: int, *, overwrite: bool = False) -> None:
    """Send the draft. With `overwrite`, the check is made against the copy the user was
    shown in the conflict panel, so a third save in between is still caught."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    issue = draft.save_issue or {}
    expected = issue.get("server_copy") if overwrite else draft.loaded
    # only the keys the user changed: on an overwrite, their other changes stay
    changes = patch_body(draft.loaded, draft.body())
    if not changes:
        draft.save_issue = None
        st.session_state[FLASH_KEY] = "Nothing to save: no changes."
        return
    try:
        saved = get_client().update_dashboard(
            dashboard_id=dashboard_id, changes=changes, expected=expected
        )
    except ConflictError as err:
        draft.save_issue = {"kind": "conflict", "server_copy": err.server_copy, "error": err}
        return
    except BadRequestError as err:
        draft.save_issue = {
            "kind": "invalid",
            "error": err,
            "filter_errors": _errors_by_node(draft, err.filter_errors),
        }
        return
    except CekuraError as err:
        kind = "unknown" if err.outcome_unknown else "failed"
        draft.save_issue = {"kind": kind, "error": err}
        return
    reads.remember_dashboard(saved)
    draft.saved(saved)
    st.session_state[FLASH_KEY] = f"Saved “{saved.name or 'the dashboard'}”."


def _errors_by_node(draft: Draft, by_path: dict[str, list[str]]) -> dict[str, list[str]]:
    """The server's filter messages keyed by the node they point at (the root when the
    path leads nowhere in the current tree)."""
    out: dict[str, list[str]] = {}
    for path, messages in by_path.items():
        node = node_at_path(draft.tree, path)
        if node is None:
            node = draft.tree
        if node is None:
            continue
        part = path.rsplit(".", 1)[-1]
        label = f"{part}: " if part in ("field", "op", "value", "operator", "conditions") else ""
        out.setdefault(node.node_id, []).extend(label + m for m in messages)
    return out


def reload_theirs(dashboard_id: int) -> None:
    """Take their copy as the new base and keep the draft's changes on top."""
    draft = get_draft(dashboard_id)
    if draft is None or not draft.save_issue:
        return
    server_copy = draft.save_issue.get("server_copy")
    if server_copy is None:
        return
    reads.remember_dashboard(server_copy)
    draft.rebase(server_copy)
    draft.save_issue = None
    st.session_state[FLASH_KEY] = (
        "Loaded their version. Your changes are applied on top: check them, then save."
    )


def reread(dashboard_id: int) -> None:
    """After an unknown outcome: read the dashboard again and say what happened."""
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    reads.forget_dashboard(dashboard_id)
    try:
        current = reads.load_dashboard(dashboard_id)
    except CekuraError as err:
        draft.save_issue = {"kind": "failed", "error": err, "during": "re-read"}
        return
    if loaded_body(current) == draft.body():
        draft.saved(current)
        st.session_state[FLASH_KEY] = "Your changes were saved after all."
    elif loaded_body(current) == loaded_body(draft.loaded):
        draft.save_issue = None
        st.session_state[FLASH_KEY] = (
            "Your changes were not saved. Your draft is intact: save again."
        )
    else:
        draft.save_issue = {"kind": "conflict", "server_copy": current, "error": None}


def dismiss(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.save_issue = None


# --- drawing ------------------------------------------------------------------------------
def render_save_button(draft: Draft, *, blocked_reason: str | None, dirty: bool) -> None:
    """`dirty`: draft.is_dirty(), which the caller has worked out for this run already."""
    disabled = blocked_reason is not None or not dirty
    st.button(
        SAVE_LABEL,
        key=save_key(draft.dashboard_id),
        type="primary",
        icon=":material/save:",
        disabled=disabled,
        on_click=save,
        args=(draft.dashboard_id,),
        help=blocked_reason or ("Nothing to save yet." if not dirty else "Save your changes."),
    )


def render_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.toast(escape_markdown(str(message)), icon=":material/check_circle:")


def render_save_issue(
    draft: Draft, *, projects: Any = None, agents: Any = None, metrics: Any = None
) -> None:
    issue = draft.save_issue
    if not issue:
        return
    dashboard_id = draft.dashboard_id
    kind = issue["kind"]
    with st.container(border=True, key=f"ed_issue_{dashboard_id}"):
        if kind == "conflict":
            _conflict(
                draft, issue["server_copy"], projects=projects, agents=agents, metrics=metrics
            )
        elif kind == "invalid":
            err: BadRequestError = issue["error"]
            st.error(
                "Not saved: the Cekura API refused the change. "
                + escape_markdown(error_message(err)),
                icon=":material/block:",
            )
            for path, reasons in err.filter_errors.items():
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
            st.warning(escape_markdown(error_message(issue["error"])), icon=":material/help:")
            st.caption("Your draft is kept. Re-reading shows whether it was saved.")
            with st.container(horizontal=True):
                st.button(
                    "Re-read the dashboard",
                    key=f"ed_reread_{dashboard_id}",
                    icon=":material/refresh:",
                    on_click=reread,
                    args=(dashboard_id,),
                )
                st.button(
                    "Dismiss",
                    key=f"ed_dismiss_{dashboard_id}",
                    on_click=dismiss,
                    args=(dashboard_id,),
                )
        else:
            st.error(
                "Not saved. " + escape_markdown(error_message(issue["error"])),
                icon=":material/error:",
            )
            st.caption("Your draft is kept as it is.")
            _retry_buttons(dashboard_id)


def _retry_buttons(dashboard_id: int) -> None:
    with st.container(horizontal=True):
        st.button(
            "Try saving again",
            key=f"ed_retry_{dashboard_id}",
            icon=":material/refresh:",
            on_click=save,
            args=(dashboard_id,),
        )
        st.button(
            "Dismiss", key=f"ed_dismiss_{dashboard_id}", on_click=dismiss, args=(dashboard_id,)
        )


def _conflict(draft: Draft, server_copy: Any, *, projects: Any, agents: Any, metrics: Any) -> None:
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
            key=f"ed_reload_theirs_{dashboard_id}",
            type="primary",
            icon=":material/sync:",
            on_click=reload_theirs,
            args=(dashboard_id,),
            help="Start from their saved version and put your changes on top of it. "
            "Nothing is saved until you press Save.",
        )
        st.button(
            "Overwrite anyway",
            key=f"ed_overwrite_{dashboard_id}",
            icon=":material/warning:",
            on_click=save,
            args=(dashboard_id,),
            kwargs={"overwrite": True},
            help="Save your version over theirs. The keys you changed replace theirs.",
        )
