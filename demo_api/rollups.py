"""Pre-aggregated call counts for widget data (widget_data.py, "rollups"), built once after
the calls are seeded: the demo API never writes call_logs, so they never go stale.

`call_rollups` holds, per project and per slot of `width` seconds of the STORED clock
(slot = CAST(timestamp / width AS INTEGER), the same expression the queries use to find a
slot's raw rows), and per value of one dimension (`dim` '' for none), the number of calls
and the counts and sums of duration and success. Widths: 3600 for every dimension, 60
for none (the calls per hour of a bar chart: with an offset that is not a whole hour,
every stored hour straddles two real ones). Slots are on the stored clock so the table
holds for any offset: a query shifts its bounds instead, and reads the raw rows of the
few slots a window edge or a bucket boundary cuts.

`ix_call_logs_project_duration` lets a stat's p95 read only the top 5% of a project's
durations instead of sorting the window.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from demo_api.db import get_meta, set_meta, transaction

logger = logging.getLogger(__name__)

VERSION = "1"
VERSION_KEY = "rollups_version"
HOUR = 3600
MINUTE = 60
# The dimensions of the hourly slots besides none (''), each a call_logs column.
DIMENSIONS = ("agent_id", "success", "call_ended_reason", "topic")
DURATION_INDEX = "ix_call_logs_project_duration"


def slot_sql(width: int, timestamp: str = "timestamp") -> str:
    """The slot of a call, as the rollups count it: hours are whole minutes / 60, so that
    an hour is exactly its minutes."""
    minute = f"CAST({timestamp} / {MINUTE} AS INTEGER)"
    return minute if width == MINUTE else f"({minute} / {width // MINUTE})"


_SCHEMA = (
    "DROP TABLE IF EXISTS call_rollups",
    "CREATE TABLE call_rollups(width INTEGER NOT NULL, dim TEXT NOT NULL, "
    "project_id INTEGER NOT NULL, slot INTEGER NOT NULL, value, "
    "n INTEGER NOT NULL, n_duration INTEGER NOT NULL, sum_duration REAL, "
    "n_success INTEGER NOT NULL, sum_success INTEGER, n_success1 INTEGER NOT NULL)",
    # Covers the minutes below (no table reads, no second sort of the calls) and a
    # stat's p95, which reads only the top durations of a project.
    f"CREATE INDEX IF NOT EXISTS {DURATION_INDEX} "
    "ON call_logs(project_id, duration, timestamp, success)",
)
_SUMS = "n, n_duration, sum_duration, n_success, sum_success, n_success1"
_RESUMS = ", ".join(f"SUM({name})" for name in _SUMS.split(", "))


def has_rollups(conn: sqlite3.Connection) -> bool:
    return get_meta(conn, VERSION_KEY) == VERSION


def ensure_rollups(conn: sqlite3.Connection) -> None:
    """Build the rollups unless this version of them is there (a database seeded before
    they existed gets them on its next start)."""
    if not has_rollups(conn):
        build_rollups(conn)


def build_rollups(conn: sqlite3.Connection) -> None:
    started = time.perf_counter()
    minute, hour = slot_sql(MINUTE), slot_sql(HOUR)
    with transaction(conn):
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute(
            f"INSERT INTO call_rollups SELECT {MINUTE}, '', project_id, {minute}, NULL, "  # noqa: S608 (constants)
            "COUNT(*), COUNT(duration), SUM(duration), COUNT(success), SUM(success), "
            f"COALESCE(SUM(success = 1), 0) FROM call_logs INDEXED BY {DURATION_INDEX} "
            "GROUP BY 3, 4"
        )
        conn.execute(
            f"INSERT INTO call_rollups SELECT {HOUR}, '', project_id, slot / {HOUR // MINUTE}, "  # noqa: S608 (constants)
            f"NULL, {_RESUMS} FROM call_rollups WHERE width = {MINUTE} GROUP BY 3, 4"
        )
        # The dimensions from one sort of the calls: their combinations per hour first
        # (success among them, so its sums follow from the counts).
        conn.execute("DROP TABLE IF EXISTS temp.rollup_combined")
        conn.execute(
            f"CREATE TEMP TABLE rollup_combined AS SELECT project_id, {hour} AS slot, "  # noqa: S608 (constants)
            f"{', '.join(DIMENSIONS)}, COUNT(*) AS n, COUNT(duration) AS n_duration, "
            "SUM(duration) AS sum_duration FROM call_logs NOT INDEXED "
            f"GROUP BY 1, 2, {', '.join(str(i + 3) for i in range(len(DIMENSIONS)))}"
        )
        for dim in DIMENSIONS:
            conn.execute(
                f"INSERT INTO call_rollups SELECT {HOUR}, ?, project_id, slot, {dim}, "  # noqa: S608 (constants)
                "SUM(n), SUM(n_duration), SUM(sum_duration), SUM(n * (success IS NOT NULL)), "
                "SUM(n * success), COALESCE(SUM(n * (success = 1)), 0) FROM temp.rollup_combined "
                f"GROUP BY project_id, slot, {dim}",
                (dim,),
            )
        conn.execute("DROP TABLE temp.rollup_combined")
        conn.execute("CREATE INDEX ix_call_rollups ON call_rollups(width, dim, project_id, slot)")
        # Statistics for the new index, so that the planner keeps the timestamp index for
        # a window's newest calls (a line of points) instead of this one.
        conn.execute(f"ANALYZE {DURATION_INDEX}")
        set_meta(conn, VERSION_KEY, VERSION)
    logger.info("built the widget rollups in %.2f s", time.perf_counter() - started)
