"""Getting the demo database ready: the schema, the seed on first use, and on a later
start the clock offset (seed.set_offset_to_now). Needs neither FastAPI nor a server, so
`python -m demo_api --prepare-only` can do it beside Streamlit's own start-up (Makefile).

Two processes may prepare one file at once (`make run` prepares it while the app's demo
server starts): an exclusive lock on `<file>.lock` makes the second wait and then find the
data seeded, instead of seeding it twice.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from demo_api import db, rollups, seed

logger = logging.getLogger(__name__)


@contextmanager
def _preparing(db_path: str | Path) -> Iterator[None]:
    with Path(f"{db_path}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare_database(db_path: str | Path, *, seed_value: int, calls: int, now: datetime) -> float:
    """Create the schema; seed an empty database; let an old one's data end at `now` by
    storing its clock offset (seed.set_offset_to_now). Returns that offset (seconds)."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    with _preparing(db_path):
        conn = db.connect(db_path)
        try:
            db.create_schema(conn, indexes=False)
            if seed.is_seeded(conn):
                offset = seed.set_offset_to_now(conn, now)
                logger.info("demo data is %.0f s old; queries add that offset", offset)
            else:
                seed.seed_database(conn, seed=seed_value, calls=calls, now=now)
                offset = 0.0
            db.create_indexes(conn)
            rollups.ensure_rollups(conn)  # after the calls are seeded (rollups.py)
            return offset
        finally:
            conn.close()
