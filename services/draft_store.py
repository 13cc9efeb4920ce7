"""Drafts that survive a reload: the editor's draft kept in the app's store (table
`drafts`, scoped to this connection) under a random token that the editor's URL carries
(`/editor?dashboard=ID&draft=TOKEN`). A reload, a tab reopened from the browser's
history, or another app process on the same store finds the draft again.

Only a draft with unsaved changes is stored: once it is saved or discarded (or undone
back to the server copy) its row is deleted and the token leaves the URL. Stored drafts
expire 14 days after their last change (admin_store.records.DRAFT_LIFETIME). Undo
history is not kept: a reopened draft starts a fresh one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from admin_store.records import Draft as StoredDraft
from cekura_dashboards.client import dashboard_changed
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.models import Dashboard
from services import reads
from services.connection import current_connection
from services.drafts import (
    Draft,
    SaveIssue,
    base_updated_at,
    draft_document,
    draft_from_document,
    keep_in_session,
)
from services.writing import app_store, store_connection

log = logging.getLogger(__name__)

DRAFT_PARAM = "draft"
DASHBOARD_PARAM = "dashboard"
STALE_MESSAGE = (
    "This draft was started from an older version of the dashboard: someone saved it "
    "since. Compare, then choose."
)


def keep(draft: Draft) -> bool:
    """Store the draft if it changed since it was last stored (a cheap check: its
    version). False when the store could not take it (the page says so; the draft stays
    in this session)."""
    if draft.kept_version == draft.version:
        _sync_url(draft)
        return True
    store, connection = app_store(), store_connection()
    try:
        if draft.is_dirty():
            stored = store.drafts.save(
                connection,
                dashboard_id=draft.dashboard_id,
                draft=draft_document(draft),
                base_updated_at=base_updated_at(draft),
                token=draft.token,
            )
            draft.token = stored.token
        else:
            if draft.token:
                store.drafts.delete(connection, draft.token)
            draft.token = None
            draft.restoring_entry_id = None
    except (SQLAlchemyError, ValueError, OSError):
        log.exception("the draft of dashboard %d could not be stored", draft.dashboard_id)
        return False
    draft.kept_version = draft.version
    _sync_url(draft)
    return True


def _sync_url(draft: Draft) -> None:
    """The editor's URL names the stored draft while there is one."""
    params = st.query_params
    if params.get(DASHBOARD_PARAM) != str(draft.dashboard_id):
        return
    if draft.token and params.get(DRAFT_PARAM) != draft.token:
        params[DRAFT_PARAM] = draft.token
    elif not draft.token and DRAFT_PARAM in params:
        del params[DRAFT_PARAM]


def reopen(dashboard_id: int, token: str) -> Draft | None:
    """The stored draft `token` of this dashboard, put in this session, or None when there
    is none (expired, saved, another connection's, another dashboard's, unreadable). When
    the dashboard changed on the server since the draft was started, the draft opens with
    the conflict panel (their copy beside the draft)."""
    try:
        stored = app_store().drafts.get(store_connection(), token)
    except SQLAlchemyError:
        log.exception("stored drafts could not be read")
        return None
    if stored is None or stored.dashboard_id != dashboard_id:
        return None
    try:
        draft = draft_from_document(stored.draft)
    except (ValueError, TypeError, KeyError):
        log.warning("stored draft of dashboard %d is not readable; ignored", dashboard_id)
        return None
    draft.token = stored.token
    # the store found it under this session's address and key, so it is this account's
    draft.connection = current_connection()
    draft.kept_version = draft.version
    draft.reopened = True
    keep_in_session(draft)
    try:
        current = reads.load_dashboard(dashboard_id)
    except CekuraError:
        return draft  # the editor's own load says what is wrong when it reads again
    if isinstance(current, Dashboard) and dashboard_changed(draft.loaded, current):
        draft.save_issue = SaveIssue("conflict", message=STALE_MESSAGE, server_copy=current)
    return draft


@dataclass(frozen=True)
class OpenDraft:
    """A draft with unsaved changes, for the list of them."""

    dashboard_id: int
    name: str
    token: str | None  # None: only in this session (not stored)
    changed_at: datetime | None
    expires_at: datetime | None


def open_drafts(in_session: list[Draft]) -> list[OpenDraft]:
    """This connection's stored drafts, and this session's unsaved ones not stored."""
    out: list[OpenDraft] = []
    seen: set[str] = set()
    try:
        stored: list[StoredDraft] = app_store().drafts.list(store_connection())
    except SQLAlchemyError:
        log.exception("stored drafts could not be listed")
        stored = []
    for row in stored:
        seen.add(row.token)
        name = row.draft.get("name") if isinstance(row.draft, dict) else None
        out.append(
            OpenDraft(row.dashboard_id, str(name or ""), row.token, row.updated_at, row.expires_at)
        )
    for draft in in_session:
        if draft.is_dirty() and (draft.token is None or draft.token not in seen):
            out.append(OpenDraft(draft.dashboard_id, draft.name, draft.token, None, None))
    return out


def link_params(item: OpenDraft) -> dict[str, str]:
    """The editor's query parameters for a draft: always the dashboard, and its token."""
    params = {DASHBOARD_PARAM: str(item.dashboard_id)}
    if item.token:
        params[DRAFT_PARAM] = item.token
    return params
