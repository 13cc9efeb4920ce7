"""The engine and its transactions, the same way on SQLite and PostgreSQL.

SQLite: Python's sqlite3 module opens transactions lazily and never for DDL, so SQLAlchemy
is told to issue BEGIN itself (the recipe from SQLAlchemy's pysqlite notes): reads use a
deferred BEGIN, writes `BEGIN IMMEDIATE`, which takes the write lock up front instead of
failing half-way with "database is locked". WAL lets readers go on while one writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

# How long a writer waits for SQLite's write lock before giving up.
SQLITE_BUSY_SECONDS = 30.0

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_engine(url: URL, *, busy_seconds: float = SQLITE_BUSY_SECONDS) -> Engine:
    if url.get_backend_name() == "sqlite":
        assert url.database  # config.normalized_url refuses in-memory databases
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": busy_seconds, "check_same_thread": False}
        )
        _explicit_sqlite_transactions(engine, wal=True)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _explicit_sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN from sqlite3
        if wal:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine, its clock, and read/write transactions."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self.is_sqlite = engine.dialect.name == "sqlite"

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits when the block ends without an exception."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
