"""Schema versioning without Alembic: a `schema_version` table (one row per applied
migration) and the ordered list `MIGRATIONS` below, applied on every start by `migrate`.

Why not Alembic: the schema is three small tables, every app process must bring it up to
date by itself on first start (no separate deploy step), and several processes may start
at once on one PostgreSQL. `Store.open` therefore runs `migrate` inside one transaction
that first takes a lock (`pg_advisory_xact_lock` on PostgreSQL, `BEGIN IMMEDIATE` on
SQLite): the first process migrates, the others wait, then find nothing left to do.
Both backends have transactional DDL, so a failed migration leaves no half-made schema.

Adding a migration: append `Migration(n + 1, "what and why", function)`; never edit or
reorder an applied one. Migration 1 builds the tables from schema.py; when a later
migration alters one of them, freeze migration 1 by copying the version-1 table
definitions into this module first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from admin_store import schema


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of this app."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_tables(conn: Connection) -> None:
    schema.metadata.create_all(
        conn, tables=[schema.meta, schema.journal, schema.drafts], checkfirst=True
    )


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "meta, journal and drafts", _v1_tables),)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table(schema.schema_version.name):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar() or 0)


def migrate(conn: Connection) -> list[int]:
    """Apply the migrations this database lacks, in order; return their versions. The
    caller holds the migration lock and the transaction."""
    schema.schema_version.create(conn, checkfirst=True)
    current = current_version(conn)
    if current > LATEST:
        raise SchemaTooNewError(
            f"The admin's database is at schema version {current}, newer than this app "
            f"knows ({LATEST}). Update the app, or point CEKURA_ADMIN_DB_URL elsewhere."
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        migration.apply(conn)
        conn.execute(
            schema.schema_version.insert().values(
                version=migration.version,
                description=migration.description,
                applied_at=datetime.now(UTC),
            )
        )
        applied.append(migration.version)
    return applied
