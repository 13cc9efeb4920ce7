"""Unsaved drafts, kept so that a reload, a reopened tab or another app process finds
them again: keyed by a random token (the editor puts it in its URL), owned by one
`ApiConnection`, dropped 14 days after their last save (purged whenever drafts are read,
not on a save: the editor saves after every edit, and a save never revives an expired
draft)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa

from admin_store.database import Database
from admin_store.records import DRAFT_LIFETIME, ApiConnection, Draft
from admin_store.schema import drafts

TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class Drafts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(
        self,
        connection: ApiConnection,
        *,
        dashboard_id: int,
        draft: Any,
        base_updated_at: str | None,
        token: str | None = None,
    ) -> Draft:
        """Store `draft` (any JSON document) under `token` when that draft exists for this
        connection and dashboard; otherwise (no token, expired, someone else's) under a
        new token. Returns the stored draft: use its token from then on."""
        document = _json_document(draft)
        now = self._db.now()
        with self._db.write() as conn:
            if token:
                updated = conn.execute(
                    drafts.update()
                    .where(_owned(connection, token))
                    .where(drafts.c.dashboard_id == dashboard_id)
                    .where(drafts.c.updated_at >= self._cutoff())
                    .values(draft_json=document, base_updated_at=base_updated_at, updated_at=now)
                    .returning(drafts.c.created_at)
                ).first()
                if updated is not None:
                    return Draft(token, dashboard_id, document, base_updated_at, updated[0], now)
            token = new_token()
            conn.execute(
                drafts.insert().values(
                    token=token,
                    base_url=connection.base_url,
                    key_hash=connection.key_hash,
                    dashboard_id=dashboard_id,
                    draft_json=document,
                    base_updated_at=base_updated_at,
                    created_at=now,
                    updated_at=now,
                )
            )
        return Draft(token, dashboard_id, document, base_updated_at, now, now)

    def get(self, connection: ApiConnection, token: str) -> Draft | None:
        """The draft, or None when it does not exist, has expired or is another
        connection's."""
        with self._db.write() as conn:
            self._purge(conn)
            row = conn.execute(sa.select(drafts).where(_owned(connection, token))).mappings()
            found = row.first()
        return None if found is None else _draft(found)

    def list(self, connection: ApiConnection, *, dashboard_id: int | None = None) -> list[Draft]:
        """This connection's open drafts, most recently saved first."""
        query = sa.select(drafts).where(
            drafts.c.base_url == connection.base_url, drafts.c.key_hash == connection.key_hash
        )
        if dashboard_id is not None:
            query = query.where(drafts.c.dashboard_id == dashboard_id)
        with self._db.write() as conn:
            self._purge(conn)
            rows = conn.execute(query.order_by(drafts.c.updated_at.desc())).mappings().all()
        return [_draft(row) for row in rows]

    def delete(self, connection: ApiConnection, token: str) -> bool:
        with self._db.write() as conn:
            return bool(conn.execute(drafts.delete().where(_owned(connection, token))).rowcount)

    def purge_expired(self) -> int:
        with self._db.write() as conn:
            return self._purge(conn)

    def _cutoff(self) -> Any:
        return self._db.now() - DRAFT_LIFETIME

    def _purge(self, conn: sa.Connection) -> int:
        return int(
            conn.execute(drafts.delete().where(drafts.c.updated_at < self._cutoff())).rowcount
        )


def _owned(connection: ApiConnection, token: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        drafts.c.token == token,
        drafts.c.base_url == connection.base_url,
        drafts.c.key_hash == connection.key_hash,
    )


def _draft(row: sa.RowMapping) -> Draft:
    return Draft(
        token=row["token"],
        dashboard_id=int(row["dashboard_id"]),
        draft=row["draft_json"],
        base_updated_at=row["base_updated_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _json_document(value: Any) -> Any:
    if value is None:
        raise ValueError("a draft needs a JSON document, not None")
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a draft must be plain JSON: {exc}") from None
