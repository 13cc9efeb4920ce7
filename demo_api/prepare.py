"""Getting the demo database ready: the schema, the seed on first use, and on a later
start the clock offset (seed.set_offset_to_now). Needs neither FastAPI nor a server, so
`python -m demo_api --prepare-only` can do it beside Streamlit's own start-up (Makefile).

A fresh database is seeded in two phases: the small tables the dashboards list needs, then
the calls, which a demo server may seed in a background thread after it starts listening
(`calls_ready`, see calls_ready.py).

Two processes may prepare one file at once (`make run` prepares it while the app's demo
server starts): an exclusive lock on `<file>.lock` makes the second wait and then find the
data seeded, instead of seeding it twice.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import IO

from demo_api import db, seed
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
    are seeded in a background thread, which sets `calls_ready` once they are committed
    (at once when there is nothing to seed), so a server can answer the list meanwhile.
    A database whose start died between the phases gets its calls on the next start."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(db_path)
    conn = db.connect(db_path)
    in_background = False
    try:
        db.create_schema(conn, indexes=False)
        if seed.is_seeded(conn):
            offset = seed.set_offset_to_now(conn, now)
            logger.info("demo data is %.0f s old; queries add that offset", offset)
            db.create_indexes(conn)
            return offset
        seed.seed_small_tables(conn, now=now)
        anchor = seed.small_tables_anchor(conn)
        offset = now.timestamp() - anchor if anchor is not None else 0.0
        if calls_ready is None:
            _seed_calls(conn, seed_value=seed_value, calls=calls, now=now)
            return offset
        # The lock and the connection go with the thread: a second process preparing
        # the same file waits until the calls are in, then finds them.
        threading.Thread(
            target=_seed_calls_in_background,
            args=(conn, lock, calls_ready),
            kwargs={"seed_value": seed_value, "calls": calls, "now": now},
            name="demo-seed-calls",
            daemon=True,  # a process that dies mid-seed leaves phase 1: redone on next start
        ).start()
        in_background = True
        return offset
    finally:
        if not in_background:
            conn.close()
            lock.close()
            if calls_ready is not None:
                calls_ready.set()


def _seed_calls(conn: sqlite3.Connection, *, seed_value: int, calls: int, now: datetime) -> None:
    """Phase 2 (seed.seed_calls, which ends with the indexes and ANALYZE), and what is
    built from the calls once they are in."""
    seed.seed_calls(conn, seed=seed_value, calls=calls, now=now)


def _seed_calls_in_background(
    conn: sqlite3.Connection,
    lock: IO[str],
    calls_ready: CallsReady,
    *,
    seed_value: int,
    calls: int,
    now: datetime,
) -> None:
    try:
        _seed_calls(conn, seed_value=seed_value, calls=calls, now=now)
    except Exception as err:
        logger.exception("Could not seed the demo calls")
        calls_ready.fail(f"{type(err).__name__}: {err}")
    else:
        calls_ready.set()
    finally:
        conn.close()
        lock.close()
