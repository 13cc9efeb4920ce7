"""SQLite storage of the demo API: the schema of the team contract, a small pool of
connections, and the timestamp helpers every write uses."""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from demo_api.filter_sql import register_functions
from demo_api.request_budget import RequestBudget, watch_connection

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    description TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS agents(id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL,
    agent_name TEXT NOT NULL, description TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS metrics(id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL,
    name TEXT NOT NULL, description TEXT, eval_type TEXT NOT NULL, enum_values TEXT);
CREATE TABLE IF NOT EXISTS call_logs(id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL,
    agent_id INTEGER, timestamp REAL NOT NULL, duration REAL, success INTEGER,
    call_ended_reason TEXT, dropoff_point TEXT, topic TEXT, customer_number TEXT,
    is_reviewed INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS metric_evaluations(id INTEGER PRIMARY KEY,
    call_log_id INTEGER NOT NULL, metric_id INTEGER NOT NULL, value);
CREATE TABLE IF NOT EXISTS dashboards(id INTEGER PRIMARY KEY, name TEXT, project_id INTEGER,
    filters TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS widgets(id INTEGER PRIMARY KEY, dashboard_id INTEGER NOT NULL,
    name TEXT, filters TEXT, chart_type TEXT NOT NULL, data_type TEXT,
    field TEXT NOT NULL DEFAULT '', metric_id INTEGER, time_period TEXT,
    aggregation_function TEXT, group_by TEXT, metadata TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS ix_call_logs_project_ts ON call_logs(project_id, timestamp);
CREATE INDEX IF NOT EXISTS ix_call_logs_ts ON call_logs(timestamp);
CREATE INDEX IF NOT EXISTS ix_call_logs_agent ON call_logs(agent_id);
CREATE INDEX IF NOT EXISTS ix_metric_evaluations_call ON metric_evaluations(call_log_id);
CREATE INDEX IF NOT EXISTS ix_metric_evaluations_metric_call
    ON metric_evaluations(metric_id, call_log_id);
CREATE INDEX IF NOT EXISTS ix_widgets_dashboard ON widgets(dashboard_id);
"""

SQLITE_MAX_INT = 2**63 - 1


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows as sqlite3.Row."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA cache_size=-32000")
    conn.execute("PRAGMA temp_store=MEMORY")  # a dashboard's shared window (widget_data.py)
    register_functions(conn)
    return conn


def create_schema(conn: sqlite3.Connection, *, indexes: bool = True) -> None:
    """The tables, and their indexes unless a bulk load is about to follow (building an
    index once after the load is faster than updating it row by row)."""
    conn.executescript(SCHEMA + (INDEXES if indexes else ""))


def create_indexes(conn: sqlite3.Connection) -> None:
    conn.executescript(INDEXES)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One explicit transaction; IMMEDIATE takes the write lock up front so a
    read-check-write (If-Match) cannot interleave with another writer."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class ConnectionPool:
    """A few connections shared by the worker threads; each request holds one exclusively."""

    def __init__(self, path: str | Path, size: int = 8) -> None:
        self.path = str(path)
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._size = size

    @contextmanager
    def connection(self, budget: RequestBudget | None = None) -> Iterator[sqlite3.Connection]:
        """A connection for one request. With a `budget`, waiting for it and every
        statement on it stop when the budget is spent or the client has gone."""
        conn = self._take(budget.remaining() if budget is not None else 30)
        watch_connection(conn, budget)
        try:
            yield conn
        finally:
            watch_connection(conn, None)  # an interrupted ROLLBACK would leave it dirty
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._idle.put(conn)

    def _take(self, wait: float = 30) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self._size:
                conn = connect(self.path)
                self._all.append(conn)
                return conn
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            from demo_api.errors import DetailError  # FastAPI's: not loaded to prepare data

            raise DetailError("The demo API is busy; try again.", status=503) from None

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()


# --- time ---------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds and a `Z`, the format of created_at/updated_at."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def epoch_to_iso(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, UTC))


def next_updated_at(previous: str | None, now: datetime) -> str:
    """`now`, but strictly later than `previous`, so every write changes updated_at
    (and with it the ETag) even when two writes land in the same microsecond."""
    if previous:
        try:
            earliest = parse_iso(previous) + timedelta(microseconds=1)
        except ValueError:
            earliest = now
        if now <= earliest:
            now = earliest
    return iso(now)


# --- JSON columns ---------------------------------------------------------------------


def dump_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=False)


def load_json(text: str | None) -> Any:
    if text is None or text == "":
        return None
    return json.loads(text)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def fits_sqlite_int(value: int) -> bool:
    return -SQLITE_MAX_INT - 1 <= value <= SQLITE_MAX_INT
