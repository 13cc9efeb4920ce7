"""`Store`: the admin's own database (journal, drafts, locks) on SQLite or PostgreSQL.

One `Store` per process is enough and may be shared by every session: it holds no API key
(only the secret that keys their hashes) and its engine is thread-safe.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError

from admin_store import config, migrations
from admin_store.database import (
    SQLITE_BUSY_SECONDS,
    Clock,
    Database,
    _explicit_sqlite_transactions,
    create_engine,
    utc_now,
)
from admin_store.drafts import Drafts
from admin_store.journal import Journal
from admin_store.records import ApiConnection
from admin_store.schema import meta
from cekura_dashboards.client import CekuraClient, keyed_hash

logger = logging.getLogger(__name__)

HASH_SECRET_META_KEY = "hash_secret"
# Advisory-lock namespace of the migrations (the two-int form, which never meets the
# one-bigint keys of the dashboard locks).
_MIGRATION_LOCK = (0x43454B55, 1)  # "CEKU"
# How long a save waits for another save of the same dashboard before giving up.
DEFAULT_LOCK_SECONDS = 30.0
_PG_LOCK_NOT_AVAILABLE = "55P03"


class LockTimeoutError(RuntimeError):
    """Another save of this dashboard held its lock for too long; nothing was sent."""

    user_message = (
        "Another save of this dashboard is still running, so yours was not sent. "
        "Try again in a moment."
    )


def normalize_base_url(base_url: str) -> str:
    # The same normalisation as CekuraClient, so a connection matches its client.
    return (base_url or "").strip().rstrip("/")


class Store:
    def __init__(
        self,
        engine: Engine,
        *,
        hash_secret: str,
        clock: Clock = utc_now,
        lock_seconds: float = DEFAULT_LOCK_SECONDS,
    ) -> None:
        """Use `Store.open`; this takes an engine already migrated."""
        self.engine = engine
        self._db = Database(engine, clock=clock)
        self._secret = hash_secret.encode("utf-8")
        self._lock_seconds = lock_seconds
        self._lock_engine = (
            _sqlite_lock_engine(engine.url, lock_seconds) if self.is_sqlite else None
        )
        self.journal = Journal(self._db)
        self.drafts = Drafts(self._db)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @classmethod
    def open(
        cls,
        url: str | URL | None = None,
        *,
        hash_secret: str | None = None,
        clock: Clock = utc_now,
        lock_seconds: float = DEFAULT_LOCK_SECONDS,
    ) -> Store:
        """Open (and on first start create or migrate) the store at `url`, by default
        `config.database_url()`. `hash_secret` keys the API-key hashes; without one, a
        random secret is made once and kept in the store's meta table."""
        engine = create_engine(config.normalized_url(url or config.database_url()))
        try:
            secret = _migrate_and_get_secret(engine, hash_secret)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, hash_secret=secret, clock=clock, lock_seconds=lock_seconds)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()
        if self._lock_engine is not None:
            self._lock_engine.dispose()

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return migrations.current_version(conn)

    # --- connections ----------------------------------------------------------------------

    def connection(self, base_url: str, api_key: str) -> ApiConnection:
        """The journal's and drafts' owner for this address and key. The key is only
        hashed (HMAC-SHA256 with the store's secret) and not kept."""
        if not (api_key or "").strip():
            raise ValueError("a connection needs an API key")
        return ApiConnection(normalize_base_url(base_url), keyed_hash(self._secret, api_key))

    def connection_of(self, client: CekuraClient) -> ApiConnection:
        """The same for a client, whose key never leaves it: it hashes it itself."""
        return ApiConnection(normalize_base_url(client.base_url), client.keyed_hash(self._secret))

    # --- the per-dashboard lock -------------------------------------------------------------

    @contextmanager
    def dashboard_lock(self, connection: ApiConnection, dashboard_id: int) -> Iterator[None]:
        """Hold the lock of one dashboard (of the connection's API address) for the block,
        across every process using this store: wrap re-read + PATCH in it and no save made
        through this store is lost. PostgreSQL: a transaction-scoped advisory lock (per
        dashboard). SQLite: a write transaction on the lock file beside the store (one lock
        for all dashboards). Not re-entrant. Raises `LockTimeoutError` after waiting
        `lock_seconds`. A process that dies releases its lock."""
        if self._lock_engine is not None:
            with _sqlite_lock(self._lock_engine):
                yield
            return
        key = _lock_key(connection.base_url, dashboard_id)
        with self.engine.connect() as conn, conn.begin():
            conn.execute(
                sa.select(
                    sa.func.set_config("lock_timeout", f"{int(self._lock_seconds * 1000)}ms", True)
                )
            )
            try:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
                    raise LockTimeoutError(
                        f"dashboard {dashboard_id} lock not acquired in {self._lock_seconds}s"
                    ) from None
                raise
            yield


def _lock_key(base_url: str, dashboard_id: int) -> int:
    """A signed 64-bit advisory-lock key for one dashboard of one API address. The address,
    not the key hash: two keys of one organisation edit the same dashboards."""
    digest = hashlib.sha256(f"{base_url}\0{int(dashboard_id)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _sqlite_lock_path(url: URL) -> Path:
    assert url.database
    return Path(url.database).with_name(Path(url.database).name + "-locks")


def _sqlite_lock_engine(url: URL, lock_seconds: float) -> Engine:
    """The lock lives in its own file: SQLite's write lock covers a whole database, and the
    journal must commit "started" while the lock is held."""
    lock_url = url.set(database=str(_sqlite_lock_path(url)))
    engine = sa.create_engine(
        lock_url,
        connect_args={"timeout": lock_seconds, "check_same_thread": False},
        poolclass=sa.pool.NullPool,
    )
    _explicit_sqlite_transactions(engine, wal=False)
    return engine


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            transaction = conn.begin()
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc.orig):
                raise LockTimeoutError("the store's dashboard lock was not acquired") from None
            raise
        try:
            yield
        finally:
            transaction.rollback()  # nothing was written: the transaction is the lock


def _migrate_and_get_secret(engine: Engine, configured: str | None) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(*_MIGRATION_LOCK)))
            applied = migrations.migrate(conn)
            if applied:
                logger.info("admin store migrated to schema version %d", applied[-1])
            return configured or _stored_secret(conn)


def _stored_secret(conn: Connection) -> str:
    """The hash secret kept in the meta table, made on first use (under the migration lock,
    so concurrent first starts agree on one)."""
    found = conn.execute(sa.select(meta.c.value).where(meta.c.key == HASH_SECRET_META_KEY)).scalar()
    if found:
        return str(found)
    secret = secrets.token_urlsafe(32)
    conn.execute(meta.insert().values(key=HASH_SECRET_META_KEY, value=secret))
    return secret


__all__ = ["SQLITE_BUSY_SECONDS", "LockTimeoutError", "Store", "normalize_base_url"]
