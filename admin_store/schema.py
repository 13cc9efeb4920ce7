"""The store's tables (SQLAlchemy Core). Their history is in migrations.py: a change here
needs a new migration there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite keeps no time zone: it is put back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# `none_as_null`: a missing copy is SQL NULL, not the JSON text "null".
Json = sa.JSON(none_as_null=True)

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

journal = sa.Table(
    "journal",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("base_url", sa.Text, nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=True),
    sa.Column("dashboard_id", sa.BigInteger, nullable=True),
    sa.Column("dashboard_name", sa.Text, nullable=True),
    sa.Column("source_dashboard_id", sa.BigInteger, nullable=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("before_json", Json, nullable=True),
    sa.Column("request_json", Json, nullable=True),
    sa.Column("response_json", Json, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
)
sa.Index("journal_by_connection", journal.c.base_url, journal.c.key_hash, journal.c.id)
sa.Index(
    "journal_by_dashboard",
    journal.c.base_url,
    journal.c.key_hash,
    journal.c.dashboard_id,
    journal.c.id,
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("base_url", sa.Text, nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("dashboard_id", sa.BigInteger, nullable=False),
    sa.Column("draft_json", Json, nullable=False),
    sa.Column("base_updated_at", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
sa.Index("drafts_by_connection", drafts.c.base_url, drafts.c.key_hash, drafts.c.updated_at)
