"""Saving a draft safely: one re-read and one PATCH of only the changed keys.

- Someone else saved since the page loaded: the draft's `save_issue` says so with their
  copy; the user either lays their changes on that copy (`reload_theirs`) or overwrites
  (`save(overwrite=True)`). Never a silent overwrite.
- Success: the response becomes the new base (no extra GET), with a fresh undo.
- The API refuses: its reasons, by field and by filter node; the draft stays as it is.
- The outcome is unknown (the connection dropped after sending): `reread` finds out.

These are the editor's button callbacks; components/save_flow.py draws their results.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import admin_store.writes as writes
from cekura_dashboards.errors import BadRequestError, CekuraError, ConflictError
from cekura_dashboards.filter_tree import node_at_path
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.widget_changes import WidgetBulk, after_save, errors_by_key
from cekura_dashboards.widget_rules import widget_problems
from services import reads
from services import state_keys as keys
from services.connection import Connection, current_connection, disconnect
from services.drafts import Draft, SaveIssue, SaveIssueKind, drop_draft, get_draft, loaded_body
from services.writing import write_context


def _flash(message: str) -> None:
    st.session_state[keys.S_EDITOR_FLASH] = message


def take_flash() -> str | None:
    """The message an action left for the next run, once."""
    message = st.session_state.pop(keys.S_EDITOR_FLASH, None)
    return str(message) if message else None


def other_connection(draft: Draft) -> Connection | None:
    """The connection `draft` was started on when the session is now on another account
    (None when it may be saved here)."""
    if draft.connection is None or draft.belongs_to(current_connection()):
        return None
    return draft.connection


def wrong_connection_message(draft: Draft) -> str | None:
    """Why this draft may not be saved over the session's connection, or None."""
    started = other_connection(draft)
    if started is None:
        return None
    return (
        f"This draft was started on {started.label}, but this tab is now connected to "
        f"{current_connection().label}. Saving here would change another account's "
        f"dashboard {draft.dashboard_id}, so it is not allowed."
    )


def save(dashboard_id: int, *, overwrite: bool = False) -> None:
    """Send the draft. With `overwrite`, the check is made against the copy the user was
    shown in the conflict panel, so a third save in between is still caught. A draft
    started on another connection is never sent (see `wrong_connection_message`)."""
    draft = get_draft(dashboard_id)
    if draft is None or other_connection(draft) is not None:
        return
    if draft.widget_bulk():
        save_with_widgets(draft, overwrite=overwrite)
        return
    issue = draft.save_issue
    expected = issue.server_copy if overwrite and issue is not None else draft.loaded
    # only the keys the user changed: on an overwrite, their other changes stay
    changes = draft.changes()
    if not changes:
        draft.save_issue = None
        _flash("Nothing to save: no changes.")
        return
    try:
        saved = writes.update_dashboard(
            write_context(),
            dashboard_id=dashboard_id,
            changes=changes,
            expected=expected,
            # a draft set to a version from the History page: journalled as a restore
            kind="restore" if draft.restoring_entry_id is not None else "update",
        )
    except ConflictError as err:
        draft.save_issue = SaveIssue(
            "conflict", message=err.user_message, server_copy=err.server_copy
        )
        return
    except BadRequestError as err:
        draft.save_issue = SaveIssue(
            "invalid",
            message=err.user_message,
            field_errors=dict(err.field_errors),
            filter_errors=dict(err.filter_errors),
            node_errors=errors_by_node(draft, err.filter_errors),
        )
        return
    except CekuraError as err:
        kind: SaveIssueKind = "unknown" if err.outcome_unknown else "failed"
        draft.save_issue = SaveIssue(kind, message=err.user_message)
        return
    reads.remember_dashboard(saved)
    draft.saved(saved)
    _flash(f"Saved “{saved.name or 'the dashboard'}”.")


def errors_by_node(draft: Draft, by_path: dict[str, list[str]]) -> dict[str, list[str]]:
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
    if draft is None or draft.save_issue is None or draft.save_issue.server_copy is None:
        return
    server_copy = draft.save_issue.server_copy
    reads.remember_dashboard(server_copy)
    draft.rebase(server_copy)
    draft.save_issue = None
    _flash("Loaded their version. Your changes are applied on top: check them, then save.")


def reread(dashboard_id: int) -> None:
    """After an unknown outcome: read the dashboard again and say what happened."""
    draft = get_draft(dashboard_id)
    if draft is None or other_connection(draft) is not None:
        return
    if draft.widget_bulk():
        reread_with_widgets(draft)
        return
    reads.forget_dashboard(dashboard_id)
    try:
        current = reads.load_dashboard(dashboard_id)
    except CekuraError as err:
        draft.save_issue = SaveIssue("failed", message=err.user_message)
        return
    if same_json(loaded_body(current), draft.body()):
        draft.saved(current)
        _flash("Your changes were saved after all.")
    elif same_json(loaded_body(current), loaded_body(draft.loaded)):
        draft.save_issue = None
        _flash("Your changes were not saved. Your draft is intact: save again.")
    else:
        draft.save_issue = SaveIssue("conflict", server_copy=current)


def discard_draft(dashboard_id: int) -> None:
    """Throw the draft away; the editor opens the dashboard again from this connection."""
    drop_draft(dashboard_id)
    _flash("Your draft was thrown away; the dashboard is shown as this connection has it.")


def switch_back(dashboard_id: int) -> None:
    """Back to the app's own connection (the draft's), keeping the draft: a pasted key is
    forgotten. Used when the draft was started on the configured API or demo data."""
    disconnect()
    _flash("Switched back to the connection this draft was started on.")


def dismiss(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.save_issue = None


# --- saving widget changes with the dashboard ------------------------------------------------
def save_with_widgets(draft: Draft, *, overwrite: bool = False) -> None:
    """The PATCH (when the dashboard changed) and then one bulk_widgets/, both checked
    against the copy the user edited: a widget to update or delete that someone else
    changed or deleted since is a conflict, found before anything is sent. When the PATCH
    went through and the widgets did not, the dashboard part is saved and the widget
    changes stay in the draft, and the issue says which is which."""
    dashboard_id = draft.dashboard_id
    issue = draft.save_issue
    if overwrite and issue is not None and issue.server_copy is not None:
        # my changed keys and widgets laid on their copy, which becomes the check's base
        draft.rebase(issue.server_copy)
    unfinished = unfinished_widgets(draft)
    if unfinished:
        draft.save_issue = SaveIssue("invalid", message=unfinished)
        return
    expected = draft.loaded
    changes = draft.changes()
    bulk = draft.widget_bulk()
    ctx = write_context()
    patched = None
    if changes:
        try:
            patched = writes.update_dashboard(
                ctx,
                dashboard_id=dashboard_id,
                changes=changes,
                expected=expected,
                expected_widgets=expected.widgets,
                touched_widgets=bulk.touched_ids(),
            )
        except CekuraError as err:
            draft.save_issue = _issue_of(draft, err)
            return
        reads.remember_dashboard(patched)
    try:
        result = writes.bulk_widgets(
            ctx,
            dashboard_id=dashboard_id,
            create=bulk.create,
            update=bulk.update,
            delete=bulk.delete,
            expected_widgets=expected.widgets,
        )
    except CekuraError as err:
        saved_part = ""
        if patched is not None:
            draft.saved_dashboard_only(patched.model_copy(update={"widgets": expected.widgets}))
            saved_part = "Saved: " + ", ".join(_DASHBOARD_KEY_WORDS[k] for k in changes) + "."
        issue = _issue_of(draft, err)
        draft.save_issue = replace(
            issue,
            saved_part=saved_part,
            widget_errors=errors_by_key(bulk, issue.field_errors),
            field_errors={},
        )
        return
    base = patched if patched is not None else expected
    widgets = after_save(base.widgets, result.created, result.updated, result.deleted)
    fresh = base.model_copy(update={"widgets": widgets, "widget_count": len(widgets)})
    reads.remember_dashboard(fresh)
    draft.saved(fresh)
    _flash(f"Saved “{fresh.name or 'the dashboard'}”: {_widget_counts(bulk)}.")


_DASHBOARD_KEY_WORDS = {"name": "the name", "project": "the project", "filters": "the filter"}


def unfinished_widgets(draft: Draft) -> str:
    """Why the widget changes cannot be sent yet ("" when they can)."""
    for item in draft.working_widgets():
        if item.choices is None:
            continue
        problems = widget_problems(item.choices)
        if problems:
            name = item.choices.name or "a new widget"
            return f"Widget '{name}' is not finished: {' '.join(problems)}"
    return ""


def _widget_counts(bulk: WidgetBulk) -> str:
    parts = [
        (len(bulk.create), "added"),
        (len(bulk.update), "changed"),
        (len(bulk.delete), "deleted"),
    ]
    return ", ".join(f"{n} widget{'s' if n != 1 else ''} {what}" for n, what in parts if n)


def _issue_of(draft: Draft, err: CekuraError) -> SaveIssue:
    if isinstance(err, ConflictError):
        return SaveIssue("conflict", message=err.user_message, server_copy=err.server_copy)
    if isinstance(err, BadRequestError):
        return SaveIssue(
            "invalid",
            message=err.user_message,
            field_errors=dict(err.field_errors),
            filter_errors=dict(err.filter_errors),
            node_errors=errors_by_node(draft, err.filter_errors),
        )
    kind: SaveIssueKind = "unknown" if err.outcome_unknown else "failed"
    return SaveIssue(kind, message=err.user_message)


def reread_with_widgets(draft: Draft) -> None:
    """After an unknown outcome with widget changes: read again and keep only what the
    server does not have yet (rebase finds what was saved after all)."""
    reads.forget_dashboard(draft.dashboard_id)
    try:
        current = reads.load_dashboard(draft.dashboard_id)
    except CekuraError as err:
        draft.save_issue = SaveIssue("failed", message=err.user_message)
        return
    draft.rebase(current)
    draft.save_issue = None
    if draft.is_dirty():
        _flash(
            "Part of your changes are not on the server yet; they are in your draft: save again."
        )
    else:
        draft.saved(current)
        _flash("Your changes were saved after all.")
