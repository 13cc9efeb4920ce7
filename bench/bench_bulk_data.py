"""`bulk_data` through the real HTTP endpoint on 127.0.0.1, against the same plan written by
hand as plain SQLite queries in this process, at 50,000 and 500,000 calls, for two seeded
dashboards over the last 30 days (the override): the largest, whose filters are timestamps
only ("Support overview"), and one with metric joins and a `same_row` widget filter
("Billing quality").

The plan (widget_data.py): a stat, a pie or a bar over a timestamp-only window reads the
rollups (demo_api/rollups.py: per project, per stored-clock hour or minute and per value
of a dimension, the counts and sums of the calls), taking the raw calls of the slots that
a window edge or a bucket boundary cuts; a stat's p95 reads the top durations through
the (project_id, duration) index; a line of points reads the newest calls through the
timestamp index; any other widget (a metric, a widget filter) reads a temporary table of
the window's calls, copied once, looking a metric's evaluations up from them. The raw
side does the same with hand-written SQL, and fetches every row; it skips what the
endpoint adds: HTTP, auth, loading widgets, filter validation and compilation, building
and serialising the JSON. Both sides' results are compared first.

Goals (issue 15): at 500,000 calls the largest dashboard <= 300 ms; every case <= 1.5x
the raw plan. Seeded databases are kept in the temp folder for the next run (the data
follows the clock by its offset, so an old file answers like a new one).
"""

from __future__ import annotations

import math
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from cekura_dashboards import catalog
from demo_api import rollups
from demo_api.filter_sql import register_functions
from demo_api.prepare import prepare_database
from demo_api.seed import data_offset
from tests.harness import start_demo_api

SIZES = (50_000, 500_000)
DASHBOARDS = {
    "Support overview": "timestamp filters only, largest",
    "Billing quality": "metric joins and same_row",
}
LARGEST = "Support overview"
RUNS = 31  # a noisy shared machine: medians of many interleaved runs
WARMUP = 2
GOAL_MS = 300.0
GOAL_RATIO = 1.5
WINDOW = {"field": "timestamp", "op": "gte", "value": "now-30d"}
CACHE = Path(tempfile.gettempdir()) / "cekura-bench"
WINDOW_COLUMNS = "id, project_id, timestamp, duration, success, call_ended_reason, topic, agent_id"


def column(field: str) -> str:
    """A plotted or grouped field as SQL over the window (no alias): the catalog's column;
    a stat widget's empty field plots a constant."""
    if not field:
        return "1"
    spec = catalog.widget_field_spec(field)
    assert spec is not None and spec.column.startswith("c."), field
    return spec.column.removeprefix("c.")


def buckets(offset: float) -> dict[str, str]:
    """Bucket starts on the real clock: the stored timestamp plus the data's offset."""
    t = f"(timestamp + {offset!r})"
    return {
        "hour": f"CAST({t} / 3600 AS INTEGER) * 3600",
        "day": f"CAST({t} / 86400 AS INTEGER) * 86400",
        "week": f"(CAST({t} / 86400 AS INTEGER) - (CAST({t} / 86400 AS INTEGER) + 3) % 7) * 86400",
        "month": f"strftime('%Y-%m-01', {t}, 'unixepoch')",
    }


def _times_ms(actions: dict[str, Callable[[], object]], runs: int = RUNS) -> dict[str, list[float]]:
    """Run the actions in turn, `runs` rounds after a warm-up: interleaving keeps a busy
    machine's load changes from landing on one side only. Returns each one's times (ms)."""
    for _ in range(WARMUP):
        for action in actions.values():
            action()
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def _percentile(values: list[float], q: float) -> float:
    position = (len(values) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


# The one widget filter of the seeded dashboards, by hand: some evaluation of the call is
# of the metric named Accuracy and scores at least 0.9 (a number).
# The rollups' dimensions, by widget group_by field or widget field.
DIMS = {"agent.id": "agent_id", "agent_id": "agent_id", "success": "success"} | {
    "call_ended_reason": "call_ended_reason",
    "topic": "topic",
}
SAME_ROW_ACCURATE = (
    "EXISTS (SELECT 1 FROM metric_evaluations e JOIN metrics m ON m.id = e.metric_id "
    "WHERE e.call_log_id = w.id AND m.name = 'Accuracy' AND e.value >= 0.9 "
    "AND typeof(e.value) IN ('integer', 'real'))"
)


class RawQueries:
    """Hand-written SQL for each widget of one dashboard over `[start, end]` of a project
    (stored-clock bounds), in the plan of the module doc."""

    def __init__(
        self, conn: sqlite3.Connection, project: int, start: float, end: float, offset: float
    ):
        self.conn = conn
        self.offset = offset
        self.buckets = buckets(offset)
        self.project, self.start, self.end = project, start, end
        self.scope = "project_id = ? AND timestamp >= ? AND timestamp <= ?"
        self.params: list[Any] = [project, start, end]
        self.window_copied = False

    def _copy_window(self) -> None:
        """The temporary table of the window's calls, on first use (as SharedWindows)."""
        if self.window_copied:
            return
        self.conn.execute("DROP TABLE IF EXISTS temp.w")
        self.conn.execute(f"CREATE TEMP TABLE w(id INTEGER PRIMARY KEY, {WINDOW_COLUMNS[4:]})")
        self.conn.execute(
            f"INSERT INTO temp.w SELECT {WINDOW_COLUMNS} FROM call_logs WHERE {self.scope}",  # noqa: S608
            self.params,
        )
        self.window_copied = True

    def _parts(
        self, width: int, dim: str, bucket: str | None, columns: str, tail: str
    ) -> list[Any]:
        """`SELECT b, value, {columns} FROM parts {tail}`: the rollup rows of the slots wholly
        inside the window and one bucket, and the raw calls of the other slots."""
        slot = rollups.slot_sql(width, "c.timestamp")
        low, high = f"(r.slot * {width} - 1)", f"(r.slot * {width} + {width + 1})"
        b0 = bucket.replace("timestamp", low) if bucket else "NULL"
        b1 = bucket.replace("timestamp", high) if bucket else "NULL"
        raw_bucket = bucket.replace("timestamp", "c.timestamp") if bucket else "NULL"
        value = f"c.{dim}" if dim else "NULL"
        sql = f"""
            WITH s AS (SELECT r.slot, r.value, r.n, r.n_duration, r.sum_duration, r.n_success,
                    r.sum_success, r.n_success1, {b0} AS b0,
                    ({b0}) IS ({b1}) AND {low} >= ? AND {high} <= ? AS whole
                FROM call_rollups r
                WHERE r.width = ? AND r.dim = ? AND r.project_id = ? AND r.slot BETWEEN ? AND ?),
            parts AS (
                SELECT b0 AS b, value, n, n_duration, sum_duration, n_success, sum_success,
                    n_success1 FROM s WHERE whole
                UNION ALL
                SELECT {raw_bucket}, {value}, 1, c.duration IS NOT NULL, c.duration,
                    c.success IS NOT NULL, c.success, c.success = 1
                FROM (SELECT DISTINCT slot FROM s WHERE NOT whole) d CROSS JOIN call_logs c
                WHERE c.project_id = ? AND c.timestamp >= d.slot * {width} - 1
                    AND c.timestamp < d.slot * {width} + {width + 1} AND {slot} = d.slot
                    AND c.timestamp >= ? AND c.timestamp <= ?)
            SELECT b, value, {columns} FROM parts {tail}"""  # noqa: S608
        first, last = math.floor(self.start / width) - 1, math.floor(self.end / width) + 1
        params = [self.start, self.end, width, dim, self.project, first, last]
        return self.conn.execute(sql, [*params, self.project, self.start, self.end]).fetchall()

    def _stat(self) -> list[Any]:
        row = self._parts(
            rollups.HOUR,
            "",
            None,
            "SUM(n), SUM(n_success1), SUM(n_success), SUM(sum_duration), SUM(n_duration)",
            "",
        )[0]
        lower = math.floor((row[6] - 1) * 0.95)
        top = self.conn.execute(
            f"SELECT duration FROM call_logs INDEXED BY {rollups.DURATION_INDEX} "  # noqa: S608
            f"WHERE {self.scope} AND duration IS NOT NULL ORDER BY duration DESC LIMIT ?",
            [*self.params, row[6] - lower],
        ).fetchall()
        return [row[2:], top[-1], top[-2]]

    def _from_rollups(self, widget: dict[str, Any]) -> list[Any] | None:
        """The seeded widgets the rollups serve (no widget filter, a call column)."""
        chart, field = widget["chart_type"], widget.get("field") or ""
        if chart == "stat":
            return self._stat()
        if widget.get("filters") or field not in ("duration", "success", *DIMS):
            return None
        if chart == "pie":
            rows = self._parts(
                rollups.HOUR,
                field,
                None,
                "SUM(n)",
                "WHERE value IS NOT NULL GROUP BY 2 ORDER BY 3 DESC, 2",
            )
            return [(row[1], row[2]) for row in rows]
        if chart != "bar":
            return None
        group_by = widget.get("group_by") or {}
        period = widget.get("time_period") or "day"
        bucket = self.buckets[period]
        if group_by.get("type") == "bucket":
            ms = int(group_by["interval"])
            bucket = (
                f"(CAST((timestamp + {self.offset!r}) * 1000 AS INTEGER) / {ms}) * {ms} / 1000.0"
            )
            period = "hour" if ms < 86_400_000 else "day"
        group = DIMS.get(group_by.get("field", "")) if group_by.get("type") == "field" else None
        count, total = {"duration": ("n_duration", "sum_duration")}.get(
            field, ("n_success", "sum_success") if field == "success" else ("n", "")
        )
        if field in DIMS.values() and field != "success" and group != field:
            return None
        dim = group or ("" if field == "duration" else field)
        if period == "hour":
            if group:
                return None
            dim = ""
        aggregation = widget.get("aggregation_function") or "count"
        value = {
            "count": f"SUM({count})",
            "sum": f"SUM({total})",
            "avg": f"CAST(SUM({total}) AS REAL) / SUM({count})",
        }[aggregation]
        present = "value IS NOT NULL AND " if count == "n" else ""
        keys = "1, 2" if group else "1"
        return self._parts(
            rollups.MINUTE if period == "hour" else rollups.HOUR,
            dim,
            bucket,
            f"SUM({count}), {value}",
            f"WHERE {present}{count} > 0 GROUP BY {keys} HAVING SUM({count}) > 0 ORDER BY 1",
        )

    def _value(self, widget: dict[str, Any]) -> tuple[str, str, list[Any]]:
        """(value SQL, FROM clause, FROM params) of a widget's field."""
        field = widget.get("field") or ""
        if field == catalog.METRIC_VALUE_FIELD:
            join = "temp.w w CROSS JOIN metric_evaluations me ON me.call_log_id = w.id AND me.metric_id = ?"
            return "me.value", join, [widget["metric"]]
        return column(field), "temp.w w", []

    def run(self, widget: dict[str, Any]) -> list[Any]:
        chart = widget["chart_type"]
        if chart != "line":
            from_rollups = self._from_rollups(widget)
            if from_rollups is not None:
                return from_rollups
            self._copy_window()
        value, source, source_params = self._value(widget)
        where = f"{value} IS NOT NULL"
        if widget.get("filters"):
            assert widget["filters"]["operator"] == "same_row", widget["filters"]
            where += f" AND {SAME_ROW_ACCURATE}"
        if chart == "line":  # the newest points, through the timestamp index
            line_source = source.replace("temp.w w", "call_logs w")
            return self.conn.execute(
                f"SELECT w.id, strftime('%Y-%m-%dT%H:%M:%SZ', w.timestamp + ?, 'unixepoch'), {value} "  # noqa: S608
                f"FROM {line_source} WHERE {self.scope.replace('timestamp', 'w.timestamp').replace('project_id', 'w.project_id')} "
                f"AND {where} ORDER BY w.timestamp DESC, w.id DESC LIMIT 5000",
                [self.offset, *source_params, *self.params],
            ).fetchall()
        if chart == "pie":
            return self.conn.execute(
                f"SELECT {value}, COUNT(*) FROM {source} WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1",  # noqa: S608
                source_params,
            ).fetchall()
        group_by = widget.get("group_by") or {}
        bucket = self.buckets[widget.get("time_period") or "day"]
        if group_by.get("type") == "bucket":
            ms = int(group_by["interval"])
            bucket = (
                f"(CAST((timestamp + {self.offset!r}) * 1000 AS INTEGER) / {ms}) * {ms} / 1000.0"
            )
        keys = [bucket]
        if group_by.get("type") == "field":
            keys.append(column(group_by["field"]))
        aggregation = widget.get("aggregation_function") or "count"
        grouping = ", ".join(str(i + 1) for i in range(len(keys)))
        if aggregation in ("p50", "p95", "p99"):
            rows = self.conn.execute(
                f"SELECT {', '.join(keys)}, {value} FROM {source} WHERE {where}",  # noqa: S608
                source_params,
            ).fetchall()
            samples: dict[tuple[Any, ...], list[float]] = {}
            for row in rows:
                samples.setdefault(tuple(row[:-1]), []).append(row[-1])
            q = int(aggregation[1:]) / 100
            return [(key, len(v), _percentile(sorted(v), q)) for key, v in sorted(samples.items())]
        return self.conn.execute(
            f"SELECT {', '.join(keys)}, COUNT(*), {aggregation.upper()}({value}) FROM {source} "  # noqa: S608
            f"WHERE {where} GROUP BY {grouping} ORDER BY 1",
            source_params,
        ).fetchall()


def _time_bounds(dashboard_filters: Any, now: datetime) -> tuple[float, float]:
    """The window of the request: the override's now-30d, narrowed by the dashboard's own
    timestamp conditions (the seeded dashboards use `now-Nd`, `today-Nd` and `now`)."""
    start, end = now - timedelta(days=30), now
    conditions = (
        dashboard_filters.get("conditions", [dashboard_filters]) if dashboard_filters else []
    )
    for condition in conditions:
        if condition.get("field") != "timestamp":
            raise SystemExit(f"raw queries cover timestamp filters only, not {condition}")
        value, op = condition["value"], condition["op"]
        anchor = (
            now
            if value.startswith("now")
            else datetime.combine(now.date(), datetime.min.time(), UTC)
        )
        days = int(value.split("-")[1].rstrip("d")) if "-" in value else 0
        moment = anchor - timedelta(days=days)
        if op in ("gt", "gte"):
            start = max(start, moment)
        else:
            end = min(end, moment)
    return start.timestamp(), end.timestamp()


def _agree(api_results: list[dict[str, Any]], raw_results: list[list[Any]]) -> list[str]:
    """Where the endpoint and the raw queries disagree on sizes and totals (small drift
    allowed: the two clocks read `now` a moment apart)."""
    problems = []
    for result, raw in zip(api_results, raw_results, strict=True):
        data = result["data"]
        if result["chart_type"] == "stat":
            got, want = data[0]["total_calls"], raw[0][0]
        elif result["chart_type"] == "pie":
            got, want = sum(d["value"] for d in data), sum(r[1] for r in raw)
        elif result["chart_type"] == "bar":
            # raw bar rows end with (sample count, value) for every aggregation
            got, want = sum(d["sample_count"] for d in data), sum(r[-2] for r in raw)
        else:
            got, want = len(data), len(raw)
        if abs(got - want) > max(3, want * 0.001):
            problems.append(
                f"widget {result['widget_id']} ({result['chart_type']}): {got} vs raw {want}"
            )
    return problems


def _database(calls: int) -> Path:
    """A workdir whose demo.sqlite3 holds `calls` calls, seeded on first use and kept."""
    # The rollups' version in the name: a database of another version is not reused
    # (prepare_database would add them, but other branches' benches share this folder).
    workdir = CACHE / f"calls-{calls}-rollups{rollups.VERSION}"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    prepare_database(workdir / "demo.sqlite3", seed_value=0, calls=calls, now=datetime.now(UTC))
    print(f"demo database with {calls:,} calls ready in {time.perf_counter() - started:.1f} s")
    return workdir


def _case(api: Any, session: requests.Session, name: str) -> dict[str, Any]:
    """Times of one dashboard: bulk_data over HTTP and the raw plan, interleaved."""
    listing = session.get(
        f"{api.url}/dashboards/dashboards/", params={"page_size": 100}, timeout=30
    )
    listing.raise_for_status()
    summary = next(d for d in listing.json()["results"] if d["name"] == name)
    detail = session.get(f"{api.url}/dashboards/dashboards/{summary['id']}/", timeout=30).json()
    widgets = detail["widgets"]
    body = {"widget_ids": [w["id"] for w in widgets], "filters": WINDOW}
    url = f"{api.url}/dashboards/widgets/bulk_data/"

    def over_http() -> requests.Response:
        # Timed until the whole body has arrived; parsing it is the client's work.
        response = session.post(url, json=body, timeout=120)
        response.raise_for_status()
        return response

    conn = sqlite3.connect(f"file:{api.db_path}?mode=ro", uri=True)
    conn.execute("PRAGMA cache_size=-32000")
    conn.execute("PRAGMA temp_store=MEMORY")
    register_functions(conn)
    offset = data_offset(conn)

    def raw() -> list[list[Any]]:
        start, end = _time_bounds(detail["filters"], datetime.now(UTC))
        queries = RawQueries(conn, detail["project"], start - offset, end - offset, offset)
        return [queries.run(widget) for widget in widgets]

    disagreements = _agree(over_http().json()["results"], raw())
    times = _times_ms({"http": over_http, "raw": raw})
    conn.close()
    return {"widgets": len(widgets), "times": times, "disagreements": disagreements}


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def main() -> None:
    results: list[tuple[int, str, dict[str, Any]]] = []
    for calls in SIZES:
        workdir = _database(calls)
        api = start_demo_api(workdir, calls=calls, faults=False)
        try:
            session = requests.Session()
            session.headers.update(api.headers())
            for name in DASHBOARDS:
                results.append((calls, name, _case(api, session, name)))
        finally:
            api.stop()
    print(
        f"bulk_data over HTTP vs the same plan as raw SQLite, override last 30 days, "
        f"{RUNS} interleaved runs each (medians)"
    )
    for calls, name, case in results:
        http_ms = statistics.median(case["times"]["http"])
        raw_ms = statistics.median(case["times"]["raw"])
        ratio = http_ms / raw_ms
        print(f"  {calls:>7,} calls, {name!r} ({DASHBOARDS[name]}, {case['widgets']} widgets):")
        print(f"    figure   {http_ms:7.1f} ms   (best {min(case['times']['http']):.1f})")
        print(
            f"    baseline {raw_ms:7.1f} ms   raw SQLite, same plan (best {min(case['times']['raw']):.1f})"
        )
        print(
            f"    ratio    {ratio:7.2f} x    goal <= {GOAL_RATIO}x: {_verdict(ratio <= GOAL_RATIO)}"
        )
        if calls == max(SIZES) and name == LARGEST:
            print(f"    time     goal <= {GOAL_MS:.0f} ms: {_verdict(http_ms <= GOAL_MS)}")
        if case["disagreements"]:
            print(
                "    WARNING: results differ from the raw queries: "
                + "; ".join(case["disagreements"])
            )
        else:
            print("    results agree with the raw queries (totals per widget)")


if __name__ == "__main__":
    main()
