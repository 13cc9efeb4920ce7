"""`bulk_data` for the largest seeded dashboard over the last 30 days of 50,000 calls,
through the real HTTP endpoint on 127.0.0.1, against the same aggregations written as
plain SQLite queries in this process. Target: median under 300 ms and at most 1.5x raw.

The raw side runs the SQL one would write by hand for each widget (one aggregate query per
chart, percentiles from a top-k query or a per-bucket sort) and fetches every row; it skips
what the endpoint adds: HTTP, auth, loading widgets, filter validation and compilation,
building and serialising the JSON. The widget results of both sides are compared first, so
the figures time the same work."""

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
from demo_api.filter_sql import register_functions
from demo_api.widget_data import widget_data
from tests.harness import start_demo_api

CALLS = 50_000
RUNS = 21
WARMUP = 2
TARGET_MS = 300.0
TARGET_RATIO = 1.5
WINDOW = {"field": "timestamp", "op": "gte", "value": "now-30d"}


def column(field: str) -> str:
    """A plotted or grouped field as SQL over call_logs (no `c` alias here): the catalog's
    column; a stat widget's empty field plots a constant."""
    if not field:
        return "1"
    spec = catalog.widget_field_spec(field)
    assert spec is not None and spec.column.startswith("c."), field
    return spec.column.removeprefix("c.")


BUCKETS = {
    "hour": "CAST(timestamp / 3600 AS INTEGER) * 3600",
    "day": "CAST(timestamp / 86400 AS INTEGER) * 86400",
    "week": "(CAST(timestamp / 86400 AS INTEGER) - (CAST(timestamp / 86400 AS INTEGER) + 3) % 7) * 86400",
    "month": "strftime('%Y-%m-01', timestamp, 'unixepoch')",
}


def _medians_ms(
    actions: dict[str, Callable[[], object]], runs: int = RUNS
) -> dict[str, list[float]]:
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


class RawQueries:
    """Hand-written SQL for each widget of one dashboard, over `[start, end]` of a project."""

    def __init__(self, conn: sqlite3.Connection, project: int | None, start: float, end: float):
        self.conn = conn
        self.scope = "timestamp >= ? AND timestamp <= ?"
        self.params: list[Any] = [start, end]
        if project is not None:
            self.scope = "project_id = ? AND " + self.scope
            self.params = [project, *self.params]

    def _value(self, widget: dict[str, Any]) -> tuple[str, str, list[Any]]:
        """(value SQL, FROM clause, FROM params) of a widget's field."""
        field = widget.get("field") or ""
        if field == catalog.METRIC_VALUE_FIELD:
            join = "call_logs JOIN metric_evaluations me ON me.call_log_id = call_logs.id AND me.metric_id = ?"
            return "me.value", join, [widget["metric"]]
        if field.startswith("metadata."):
            return f"json_extract(metadata, '$.\"{field[9:]}\"')", "call_logs", []
        return column(field), "call_logs", []

    def run(self, widget: dict[str, Any]) -> list[Any]:
        value, source, source_params = self._value(widget)
        where = f"{self.scope} AND {value} IS NOT NULL"
        params = [*source_params, *self.params]
        chart = widget["chart_type"]
        if chart == "stat":
            row = self.conn.execute(
                f"SELECT COUNT(*), SUM(success = 1), COUNT(success), AVG(duration), COUNT(duration) "  # noqa: S608
                f"FROM call_logs WHERE {self.scope}",
                self.params,
            ).fetchone()
            lower = math.floor((row[4] - 1) * 0.95)
            top = self.conn.execute(
                f"SELECT duration FROM call_logs WHERE {self.scope} AND duration IS NOT NULL "  # noqa: S608
                "ORDER BY duration DESC LIMIT ?",
                [*self.params, row[4] - lower],
            ).fetchall()
            return [row, top[-1], top[-2]]
        if chart == "line":
            return self.conn.execute(
                f"SELECT call_logs.id, strftime('%Y-%m-%dT%H:%M:%SZ', timestamp, 'unixepoch'), {value} "  # noqa: S608
                f"FROM {source} WHERE {where} ORDER BY timestamp DESC, call_logs.id DESC LIMIT 5000",
                params,
            ).fetchall()
        if chart == "pie":
            return self.conn.execute(
                f"SELECT {value}, COUNT(*) FROM {source} WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1",  # noqa: S608
                params,
            ).fetchall()
        group_by = widget.get("group_by") or {}
        bucket = BUCKETS[widget.get("time_period") or "day"]
        if group_by.get("type") == "bucket":
            bucket = f"(CAST(timestamp * 1000 AS INTEGER) / {int(group_by['interval'])}) * {int(group_by['interval'])} / 1000.0"
        keys = [bucket]
        if group_by.get("type") == "field":
            keys.append(column(group_by["field"]))
        aggregation = widget.get("aggregation_function") or "count"
        grouping = ", ".join(str(i + 1) for i in range(len(keys)))
        if aggregation in ("p50", "p95", "p99"):
            rows = self.conn.execute(
                f"SELECT {', '.join(keys)}, {value} FROM {source} WHERE {where}",  # noqa: S608
                params,
            ).fetchall()
            samples: dict[tuple[Any, ...], list[float]] = {}
            for row in rows:
                samples.setdefault(tuple(row[:-1]), []).append(row[-1])
            q = int(aggregation[1:]) / 100
            return [(key, len(v), _percentile(sorted(v), q)) for key, v in sorted(samples.items())]
        return self.conn.execute(
            f"SELECT {', '.join(keys)}, COUNT(*), {aggregation.upper()}({value}) FROM {source} "  # noqa: S608
            f"WHERE {where} GROUP BY {grouping} ORDER BY 1",
            params,
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        api = start_demo_api(Path(tmp), calls=CALLS, faults=False)
        try:
            print(f"demo API with {CALLS:,} calls ready in {time.perf_counter() - started:.1f} s")
            session = requests.Session()
            session.headers.update(api.headers())
            listing = session.get(
                f"{api.url}/dashboards/dashboards/", params={"page_size": 100}, timeout=30
            )
            listing.raise_for_status()
            largest = max(listing.json()["results"], key=lambda d: int(d["widget_count"]))
            detail = session.get(
                f"{api.url}/dashboards/dashboards/{largest['id']}/", timeout=30
            ).json()
            widgets = detail["widgets"]
            body = {"widget_ids": [w["id"] for w in widgets], "filters": WINDOW}
            url = f"{api.url}/dashboards/widgets/bulk_data/"

            def over_http() -> requests.Response:
                # Timed until the whole body has arrived; parsing it is the client's work.
                response = session.post(url, json=body, timeout=60)
                response.raise_for_status()
                return response

            conn = sqlite3.connect(f"file:{api.db_path}?mode=ro", uri=True)
            conn.execute("PRAGMA cache_size=-32000")

            def raw() -> list[list[Any]]:
                start, end = _time_bounds(detail["filters"], datetime.now(UTC))
                queries = RawQueries(conn, detail["project"], start, end)
                return [queries.run(widget) for widget in widgets]

            def in_process() -> list[dict[str, Any]]:
                # The endpoint's own computation without HTTP: where the rest of the time goes.
                now = datetime.now(UTC)
                return [widget_data(conn, w, detail, WINDOW, now=now) for w in widgets]

            disagreements = _agree(over_http().json()["results"], raw())
            register_functions(conn)
            times = _medians_ms({"http": over_http, "raw": raw, "local": in_process})
            conn.close()
        finally:
            api.stop()
    http_ms, raw_ms = statistics.median(times["http"]), statistics.median(times["raw"])
    ratio = http_ms / raw_ms
    print(
        f"bulk_data of dashboard {largest['id']} ({largest['name']!r}, {len(widgets)} widgets), "
        f"last 30 days of {CALLS:,} calls, {RUNS} interleaved runs:"
    )
    labels = {
        "http": "HTTP bulk_data",
        "raw": "raw SQLite",
        "local": "in-process",  # widget_data on a local connection: the endpoint minus HTTP
    }
    for name, label in labels.items():
        runs = times[name]
        print(
            f"  {label:15} median {statistics.median(runs):6.1f} ms   best {min(runs):6.1f} ms   "
            f"(runs: {', '.join(f'{t:.0f}' for t in runs)})"
        )
    print(
        f"  ratio (medians) {ratio:6.2f} x   (best runs: {min(times['http']) / min(times['raw']):.2f} x)"
    )
    verdict = "met" if http_ms < TARGET_MS and ratio <= TARGET_RATIO else "MISSED"
    print(f"  target (< {TARGET_MS:.0f} ms and <= {TARGET_RATIO}x raw): {verdict}")
    if disagreements:
        print("  WARNING: results differ from the raw queries: " + "; ".join(disagreements))
    else:
        print("  results agree with the raw queries (totals per widget)")


if __name__ == "__main__":
    main()
