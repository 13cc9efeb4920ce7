"""Getting the demo database ready: the schema, the seed on first use, and on a later
start the clock offset (seed.set_offset_to_now). Needs neither FastAPI nor a server
(`python -m demo_api --prepare-only` does only this).

A fresh database is seeded in two phases: the small tables the dashboards list needs, then
the calls, which a demo server may have seeded by a process of its own after it starts
listening (`calls_ready`; calls_ready.py, calls_seeder.py).

Two processes may prepare one file at once (two apps started on one database, or the
calls seeder and a second start): an exclusive lock on `<file>.lock` makes the second wait and then find the
data seeded, instead of seeding it twice.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import IO

from demo_api import calls_seeder, db, rollups, seed
from demo_api.calls_ready import CallsReady

logger = logging.getLogger(__name__)


def _lock(db_path: str | Path) -> IO[str]:
    """The exclusive lock on `<file>.lock`, held until the returned file is closed."""
    lock = Path(f"{db_path}.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
    except BaseException:
        lock.close()
        raise
    return lock


def prepare_database(
    db_path: str | Path,
    *,
    seed_value: int,
    calls: int,
    now: datetime,
    calls_ready: CallsReady | None = None,
) -> float:
    """Create the schema; seed an empty database; let an old one's data end at `now` by
    storing its clock offset (seed.set_offset_to_now). Returns that offset (seconds).

    Seeding comes in two phases: the small tables the dashboards list needs, then the
    calls. Without `calls_ready` both are done before this returns. With it, the calls
    are seeded by a process of its own (calls_seeder.py), which sets `calls_ready` once
    they are committed (at once when there is nothing to seed), so a server can answer
    the list meanwhile. A database whose start died between the phases gets its calls
    on the next start."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(db_path)
    conn = db.connect(db_path)
    try:
        db.create_schema(conn, indexes=False)
        if seed.is_seeded(conn):
            offset = seed.set_offset_to_now(conn, now)
            logger.info("demo data is %.0f s old; queries add that offset", offset)
            db.create_indexes(conn)
            rollups.ensure_rollups(conn)  # a database seeded before rollups existed
            if calls_ready is not None:
                calls_ready.set()
            return offset
        seed.seed_small_tables(conn, now=now)
        anchor = seed.small_tables_anchor(conn)
        offset = now.timestamp() - anchor if anchor is not None else 0.0
        if calls_ready is None:
            _seed_calls(conn, seed_value=seed_value, calls=calls, now=now)
            return offset
    finally:
        conn.close()
        lock.close()
    # The lock is let go first: the seeding process takes it. (A second process preparing
    # the file that takes it before seeds the calls itself; the seeder then finds them.)
    calls_seeder.start(
        db_path, seed_value=seed_value, calls=calls, now=now, calls_ready=calls_ready
    )
    return offset


def seed_remaining_calls(
    db_path: str | Path, *, seed_value: int, calls: int, now: datetime
) -> None:
    """Phase 2 of a database whose small tables are in, unless its calls are in too."""
    with _lock(db_path):
        conn = db.connect(db_path)
        try:
            if not seed.is_seeded(conn):
                _seed_calls(conn, seed_value=seed_value, calls=calls, now=now)
        finally:
            conn.close()


def _seed_calls(conn: sqlite3.Connection, *, seed_value: int, calls: int, now: datetime) -> None:
    """Phase 2 (seed.seed_calls, which ends with the indexes and ANALYZE), and what is
    built from the calls once they are in."""
    seed.seed_calls(conn, seed=seed_value, calls=calls, now=now)
    rollups.ensure_rollups(conn)  # built from the calls (rollups.py)
