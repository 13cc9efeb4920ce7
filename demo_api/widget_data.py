"""Widget data (RULES.md "Widget"): the WidgetDataResponse of one widget, from the call logs.

`data` by chart type:
- line: `[{"id", "timestamp", "value"}]`, one point per call (per evaluation for a metric),
  oldest first. Only the most recent `LINE_POINT_CAP` points are returned: a chart cannot
  show more, and 50,000 JSON points would dominate the response time.
- bar: `[{"time_interval", "value", "sample_count"}]`, one per time bucket
  (`time_period` hour/day/week/month, weeks start on Monday, all UTC), oldest first.
- pie: `[{"label", "value", "percentage"}]`, one per distinct value, largest first; labels
  are text ("true"/"false" for booleans).
- stat: one object `[{"total_calls", "success_rate", "avg_duration", "p95_latency"}]`, the
  names the API documents for stat; a one-item list because WidgetDataResponse.data is an
  array. `success_rate` is a percentage (0-100) of the calls whose success is known;
  durations are seconds; null when no call has the value.

Times (line points, bucket boundaries and labels) are on the real clock: the stored
timestamps plus the data's `offset` (seed.py), so a database seeded yesterday answers as
one seeded today.

Calls without a value for the plotted field are not samples (not plotted, not counted).
`group_by` `{"type": "field", "field": F}` splits line and bar into one series per value of
F (each point gets a `"group"` key); `{"type": "bucket", "interval": ms}` sets the time
bucket width in milliseconds: it replaces `time_period` for bar, and turns line points into
one point per bucket (`{"id": null, "timestamp", "value", "sample_count"}`, value by
`aggregation_function`, default avg). Percentiles interpolate linearly between ranks.

How bulk_data reads the calls at scale (issue 15; figures at 500,000 calls, the largest
seeded dashboard, last 30 days: 224,000 calls in its window). Profiled first: copying the
window into a temporary table took ~300 ms and each of the 8 widgets then scanned it
(~100 ms each); JSON and the line of points were small. One GROUP BY for every widget
would still scan 224,000 rows several ways (~150 ms each), so the plan is, per widget:
- rollups (rollups.py), for a stat, a pie or a bar (count, sum, avg) when the shared
  filters are timestamp comparisons only, the dashboard has a project, the widget has no
  filter of its own and plots and groups by columns the rollups count. They are counts
  and sums per stored-clock hour (minute for hourly buckets) built once after seeding
  (the demo API never writes calls). A slot whose calls all fall inside the window and
  into one bucket, checked at its edges one second wide, is read from the table; the
  calls of any other slot (the window's edges, a bucket boundary that the data's offset
  moves off the hour) are read raw through the (project_id, timestamp) index, with the
  same bucket expression. Counts and percentiles are exact; an average of real numbers
  adds per-slot sums, so it may differ from SQLite's call-by-call sum in its last
  digits. A stat's p95 reads the project's durations from the top through
  ix_call_logs_project_duration, each checked against the window, until it has the 5%
  it needs (the index holds the timestamp). ~130 ms per request over HTTP.
- a line of points: the newest LINE_POINT_CAP calls through the timestamp index.
- anything else (a metric's values, a widget filter, a window with other conditions):
  the dashboard's window copied once into a temporary table (SharedWindows), as before;
  it is copied only when such a widget asks for it.
Without rollups (not built yet: prepare.py builds them right after seeding, and for an
older database on its next start) every widget takes the last two paths: the same
answers, slower.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cekura_dashboards import catalog
from cekura_dashboards.filter_tree import parse_filter
from cekura_dashboards.relative_dates import earliest_start, oldest_allowed_start
from demo_api import rollups
from demo_api.errors import DetailError, FieldErrors
from demo_api.filter_sql import compile_filter, filter_problems, flatten_problems

LINE_POINT_CAP = 5_000
MISSING_TIME_RANGE = (
    "Widget data needs a start time: add a timestamp filter with gte or gt (at most 30 days "
    'ago), for example {"field": "timestamp", "op": "gte", "value": "now-30d"}.'
)
_PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
_SQL_AGGREGATES = {"count": "COUNT", "sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}
_PERIOD_SECONDS = {"hour": 3600, "day": 86400}
_ISO = "'%Y-%m-%dT%H:%M:%SZ'"
BUCKET_MS_RANGE = (1000, 10**12)  # a group_by bucket's interval, in milliseconds


def _parsed(filters: Any) -> Any:
    """Filters as stored (JSON text) or as given (a dict); empty means none."""
    if isinstance(filters, str):
        try:
            filters = json.loads(filters) if filters.strip() else None
        except ValueError:
            raise FieldErrors({"filters": ["Value must be valid JSON."]}) from None
    return filters or None


def _merged(*parts: Any) -> Any:
    """None, the one filter given, or an `and` group of them (not validated here)."""
    present = [part for part in (_parsed(p) for p in parts) if part]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return {"operator": "and", "conditions": present}


def effective_filters(dashboard_filters: Any, widget_filters: Any) -> dict[str, Any] | None:
    """Dashboard AND widget filters: one of them alone when the other is empty, an `and`
    group of both otherwise, None when neither filters anything."""
    merged: dict[str, Any] | None = _merged(dashboard_filters, widget_filters)
    return merged


# --- The 30-day rule ----------------------------------------------------------------------


def check_time_window(filters: dict[str, Any] | None, now: datetime) -> None:
    """Refuse data requests with no start time, or one more than 30 days back. The start
    and the limit (counted from the start of today, UTC, so that `today-30d` is allowed
    like `now-30d`) are the builder's own: `relative_dates.earliest_start` and
    `oldest_allowed_start`. `filters` must be valid (filter_problems found nothing)."""
    bound = earliest_start(parse_filter(filters), now)
    if bound is None:
        raise DetailError(MISSING_TIME_RANGE)
    if bound[0] < oldest_allowed_start(now):
        raise DetailError(catalog.TOO_FAR_IN_THE_PAST)


# --- Building the query -------------------------------------------------------------------


@dataclass
class _Sql:
    """A fragment of SQL with its parameters, in text order."""

    text: str
    params: list[Any] = field(default_factory=list)


@dataclass
class _Plot:
    value: _Sql  # the plotted value over `c` (and `me` for a metric)
    join: _Sql  # extra FROM clause
    data_type: str
    display_name: str
    filter_value: Any = None


def _column(name: str) -> _Sql:
    """SQL over `c` for a widget field the catalog knows (see catalog.widget_field_spec)."""
    spec = catalog.widget_field_spec(name)
    if spec is None:
        raise ValueError(f"Widget field {name!r} is not in the catalog.")
    if catalog.is_metadata_field(name):
        return _Sql("json_extract(c.metadata, ?)", [f'$."{name[len(catalog.METADATA_PREFIX) :]}"'])
    return _Sql(spec.column)


def _plot_for(conn: sqlite3.Connection, widget: dict[str, Any]) -> _Plot:
    name = widget.get("field") or ""
    if not isinstance(name, str):
        raise DetailError(f"A widget's field must be text, not {json.dumps(name)}.")
    if widget.get("chart_type") == "stat" or name == "":
        return _Plot(_Sql("1"), _Sql(""), "numeric", catalog.plottable_label(""))
    if name == catalog.METRIC_VALUE_FIELD:
        metric_id = widget.get("metric", widget.get("metric_id"))
        if metric_id is None:
            raise DetailError("A widget plotting metric_evaluations.value needs a metric.")
        row = conn.execute(
            "SELECT name, eval_type FROM metrics WHERE id = ?", (metric_id,)
        ).fetchone()
        if row is None:
            raise DetailError(f"Metric {metric_id} does not exist.")
        data_type = catalog.METRIC_PLOTS.get(row[1], ("numeric", ()))[0]
        # CROSS JOIN keeps the calls the outer loop (SQLite does not reorder it): the
        # window's calls, each looking its evaluation up by (metric_id, call_log_id),
        # rather than every evaluation of the metric looking for its call.
        join = _Sql(
            "CROSS JOIN metric_evaluations me ON me.call_log_id = c.id AND me.metric_id = ?",
            [metric_id],
        )
        return _Plot(_Sql("me.value"), join, data_type, row[0], metric_id)
    plotted_as = catalog.plottable_data_type(name)
    if plotted_as is None:
        raise DetailError(f"'{name}' cannot be plotted; pick a field such as duration or topic.")
    return _Plot(_column(name), _Sql(""), plotted_as, catalog.plottable_label(name))


def _group_column(group_by: Any) -> _Sql | None:
    if not isinstance(group_by, dict) or group_by.get("type") != "field":
        return None
    name = group_by.get("field")
    if isinstance(name, str) and catalog.can_group_by(name):
        return _column(name)
    raise DetailError(f"Cannot group by {json.dumps(name)}; try agent.id, topic or metadata.<key>.")


def _bucket_interval_ms(group_by: Any) -> int | None:
    if not isinstance(group_by, dict) or group_by.get("type") != "bucket":
        return None
    interval = group_by.get("interval")
    low, high = BUCKET_MS_RANGE
    if isinstance(interval, bool) or not isinstance(interval, int) or not low <= interval <= high:
        raise DetailError(f"A bucket group_by needs an interval in milliseconds, at least {low}.")
    return interval


def _real_time(offset: float) -> _Sql:
    """A call's moment on the real clock (epoch seconds)."""
    return _Sql("(c.timestamp + ?)", [offset]) if offset else _Sql("c.timestamp")


def _bucket_start(time_period: str, interval_ms: int | None, offset: float = 0.0) -> _Sql:
    """SQL for the first second (epoch, real clock) of a call's bucket; month is the ISO
    month text."""
    moment = _real_time(offset)
    t, tp = moment.text, moment.params
    if interval_ms is not None:
        return _Sql(
            f"(CAST({t} * 1000 AS INTEGER) / ?) * ? / 1000.0", [*tp, interval_ms, interval_ms]
        )
    if not isinstance(time_period, str):
        raise DetailError(
            f"Unknown time_period {json.dumps(time_period)}; use hour, day, week or month."
        )
    if time_period in _PERIOD_SECONDS:
        seconds = _PERIOD_SECONDS[time_period]
        return _Sql(f"CAST({t} / {seconds} AS INTEGER) * {seconds}", tp)
    if time_period == "week":
        # Day 0 (1970-01-01) was a Thursday: step back to Monday.
        return _Sql(
            f"(CAST({t} / 86400 AS INTEGER) - (CAST({t} / 86400 AS INTEGER) + 3) % 7) * 86400",
            [*tp, *tp],
        )
    if time_period == "month":
        return _Sql(f"strftime('%Y-%m-01T00:00:00Z', {t}, 'unixepoch')", tp)
    raise DetailError(
        f"Unknown time_period {json.dumps(time_period)}; use hour, day, week or month."
    )


def _iso(bucket: Any) -> str:
    if isinstance(bucket, str):
        return bucket
    # time.gmtime, not datetime: the same text for bucket starts (whole milliseconds at
    # most), in half the time, which counts for an hourly bar's 720 buckets.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(bucket))


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, Postgres percentile_cont)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    low, high = sorted_values[lower], sorted_values[upper]
    return float(low + (high - low) * (position - lower))


def _output_value(value: Any, data_type: str) -> Any:
    if data_type == "boolean" and isinstance(value, int) and not isinstance(value, bool):
        return bool(value)
    return value


def _label(value: Any, data_type: str) -> str:
    if data_type == "boolean" and isinstance(value, int | float):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Query:
    """SELECT over the scoped, filtered call logs (`c`), joined to what the plot needs.
    `source` is `call_logs c`, or a dashboard's shared window (`temp.<table> c`)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        plot: _Plot,
        where: _Sql,
        offset: float = 0.0,
        source: str = "call_logs c",
    ):
        self.conn = conn
        self.plot = plot
        self.where = where
        self.offset = offset
        self.source = source

    def run(
        self, select: Sequence[_Sql], tail: str = "", tail_params: Sequence[Any] = ()
    ) -> list[Any]:
        params: list[Any] = []
        for part in select:
            params.extend(part.params)
        params.extend(self.plot.join.params)
        params.extend(self.where.params)
        params.extend(self.plot.value.params)
        params.extend(tail_params)
        columns = ", ".join(part.text for part in select)
        sql = (
            f"SELECT {columns} FROM {self.source} {self.plot.join.text} "  # noqa: S608 (built from constants; values bound)
            f"WHERE {self.where.text} AND {self.plot.value.text} IS NOT NULL {tail}"
        )
        return self.conn.execute(sql, params).fetchall()


# --- Chart types ---------------------------------------------------------------------------


def _line(query: _Query, widget: dict[str, Any], group: _Sql | None) -> list[dict[str, Any]]:
    interval_ms = _bucket_interval_ms(widget.get("group_by"))
    if interval_ms is not None:
        aggregation = widget.get("aggregation_function") or "avg"
        return [
            {
                "id": None,
                "timestamp": p["time_interval"],
                "value": p["value"],
                "sample_count": p["sample_count"],
            }
            for p in _bar(query, widget, None, aggregation=aggregation)
        ]
    value = query.plot.value
    moment = _real_time(query.offset)
    select = [_Sql("c.id"), _Sql(f"strftime({_ISO}, {moment.text}, 'unixepoch')", moment.params)]
    select.append(value)
    if group:
        select.append(group)
    rows = query.run(select, "ORDER BY c.timestamp DESC, c.id DESC LIMIT ?", [LINE_POINT_CAP])
    rows.reverse()
    data_type = query.plot.data_type
    if data_type == "boolean":
        points = [
            {"id": r[0], "timestamp": r[1], "value": _output_value(r[2], data_type)} for r in rows
        ]
    else:  # _output_value keeps anything else as it is: no call per point
        points = [{"id": r[0], "timestamp": r[1], "value": r[2]} for r in rows]
    if group:
        for point, row in zip(points, rows, strict=True):
            point["group"] = row[3]
    return points


def _bar(
    query: _Query, widget: dict[str, Any], group: _Sql | None, *, aggregation: str | None = None
) -> list[dict[str, Any]]:
    aggregation = aggregation or widget.get("aggregation_function") or "count"
    if not isinstance(aggregation, str):
        raise DetailError(f"Unknown aggregation_function {json.dumps(aggregation)}.")
    bucket = _bucket_start(
        widget.get("time_period") or "day",
        _bucket_interval_ms(widget.get("group_by")),
        query.offset,
    )
    keys = [bucket] + ([group] if group else [])
    grouping = "GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    value = query.plot.value
    if aggregation in _SQL_AGGREGATES:
        aggregate = _Sql(f"{_SQL_AGGREGATES[aggregation]}({value.text})", list(value.params))
        rows = query.run([*keys, _Sql("COUNT(*)"), aggregate], grouping + " ORDER BY 1")
        results = [(row[: len(keys)], row[-2], row[-1]) for row in rows]
    elif aggregation in _PERCENTILES:
        results = _bucket_percentiles(query, keys, _PERCENTILES[aggregation])
    else:
        raise DetailError(f"Unknown aggregation_function {json.dumps(aggregation)}.")
    data = []
    for key, count, result in results:
        point: dict[str, Any] = {
            "time_interval": _iso(key[0]),
            "value": result,
            "sample_count": count,
        }
        if group:
            point["group"] = key[1]
        data.append(point)
    return data


def _bucket_order(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Buckets in time order, then groups with missing values last."""
    if len(key) == 1:
        return (key[0],)
    return (key[0], key[1] is None, str(key[1]))


def _bucket_percentiles(
    query: _Query, keys: list[_Sql], q: float
) -> list[tuple[tuple[Any, ...], int, float | None]]:
    rows = query.run([*keys, query.plot.value])
    samples: dict[tuple[Any, ...], list[float]] = {}
    width = len(keys)
    for row in rows:
        samples.setdefault(row[:width], []).append(row[width])
    results = []
    for key in sorted(samples, key=_bucket_order):
        values = sorted(samples[key])
        results.append((key, len(values), percentile(values, q)))
    return results


def _pie(query: _Query) -> list[dict[str, Any]]:
    rows = query.run([query.plot.value, _Sql("COUNT(*)")], "GROUP BY 1 ORDER BY 2 DESC, 1")
    return _pie_data(rows, query.plot.data_type)


def _pie_data(rows: Sequence[Sequence[Any]], data_type: str) -> list[dict[str, Any]]:
    """Pie slices from (value, count) rows, largest first."""
    total = sum(row[1] for row in rows)
    return [
        {
            "label": _label(row[0], data_type),
            "value": row[1],
            "percentage": round(100 * row[1] / total, 2),
        }
        for row in rows
    ]


def _stat(query: _Query) -> list[dict[str, Any]]:
    total, successes, known, avg_duration, durations = query.run(
        [
            _Sql("COUNT(*)"),
            _Sql("SUM(c.success = 1)"),
            _Sql("COUNT(c.success)"),
            _Sql("AVG(c.duration)"),
            _Sql("COUNT(c.duration)"),
        ]
    )[0]
    return [
        {
            "total_calls": total,
            "success_rate": round(100 * successes / known, 2) if known else None,
            "avg_duration": avg_duration,
            "p95_latency": _top_percentile(query, "c.duration", durations, 0.95),
        }
    ]


def _top_percentile(query: _Query, column: str, count: int, q: float) -> float | None:
    """A high percentile without sorting everything: SQLite keeps only the top rows."""
    if count == 0:
        return None
    position = (count - 1) * q
    lower = math.floor(position)
    rows = query.run(
        [_Sql(column)], f"AND {column} IS NOT NULL ORDER BY 1 DESC LIMIT ?", [count - lower]
    )
    top = [row[0] for row in rows]
    low = top[-1]
    high = top[-2] if len(top) > 1 else low
    return float(low + (high - low) * (position - lower))


def _checked(filters: Any, now: datetime, offset: float) -> _Sql:
    """`filters` (merged, maybe None) compiled, after the checks every data request gets:
    FieldErrors for a bad filter, DetailError for the time window."""
    problems = filter_problems(filters)
    if problems:
        raise FieldErrors({"filters": flatten_problems(problems)})
    check_time_window(filters, now)
    return _compiled(filters, now, offset)


def _compiled(filters: Any, now: datetime, offset: float) -> _Sql:
    try:
        where_text, where_params = compile_filter(filters, now=now, offset=offset)
    except ValueError as exc:  # a date that only overflows against this `now`
        raise FieldErrors({"filters": [str(exc)]}) from None
    return _Sql(f"({where_text})", where_params)


def _scoped(where: _Sql, dashboard: dict[str, Any]) -> _Sql:
    """`where` within the dashboard's project (every project when it has none)."""
    project = dashboard.get("project", dashboard.get("project_id"))
    if project is None:
        return where
    return _Sql(f"c.project_id = ? AND {where.text}", [project, *where.params])


def widget_data(
    conn: sqlite3.Connection,
    widget: dict[str, Any],
    dashboard: dict[str, Any],
    override_filters: dict[str, Any] | None,
    *,
    now: datetime,
    offset: float = 0.0,
) -> dict[str, Any]:
    """The WidgetDataResponse of `widget` (API or database shape) on `dashboard`.

    Filters: dashboard AND widget AND override. Scope: the dashboard's project, every
    project when it has none. Raises FieldErrors for a bad filter and DetailError for the
    time window (no start, or more than 30 days back) and for an unplottable widget.
    The connection needs `filter_sql.register_functions`. `offset`: seconds the stored
    timestamps lie behind the real clock (seed.data_offset).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    filters = _merged(dashboard.get("filters"), widget.get("filters"), override_filters)
    where = _scoped(_checked(filters, now, offset), dashboard)
    plot = _plot_for(conn, widget)
    return _answer(widget, _Query(conn, plot, where, offset))


# --- Several widgets of one dashboard: one pass over their shared window ----------------
#
# (What the rollups can answer is read from them first, see the module doc.)
# A dashboard's widgets share its filters and the request's override: in bulk_data the
# calls those select are read from call_logs once, into a temporary table of the columns
# the widgets use, and each widget's query reads that table with only its own filters.
# One index range scan (and one evaluation of the shared filter, however costly: an
# `or`, a pattern, an evaluation subquery) instead of one per widget, and the widgets
# then scan narrow rows in memory instead of looking every call up in the table.

_CALL_COLUMN = re.compile(r"\bc\.([a-z_]+)\b")
_ALWAYS = ("id", "project_id", "timestamp", "duration", "success")


def _columns_used(widgets: Sequence[dict[str, Any]]) -> list[str]:
    """The call_logs columns the widgets read (plotted, grouped and filtered fields, and
    what every chart needs), taken from the catalog's SQL for those fields."""
    sql: list[str] = []
    for widget in widgets:
        for name in (widget.get("field"), (widget.get("group_by") or {}).get("field")):
            spec = catalog.widget_field_spec(name) if isinstance(name, str) and name else None
            if spec is not None:
                sql.append("c.metadata" if catalog.is_metadata_field(spec.name) else spec.column)
        for field_name in _filter_fields(_parsed(widget.get("filters"))):
            spec = catalog.field_spec(field_name)
            if spec is not None:
                sql.append("c.metadata" if catalog.is_metadata_field(spec.name) else spec.column)
    used = {match for text in sql for match in _CALL_COLUMN.findall(text)}
    return [*_ALWAYS, *sorted(used - set(_ALWAYS))]


def _filter_fields(node: Any) -> list[str]:
    if isinstance(node, dict) and isinstance(node.get("conditions"), list):
        return [f for child in node["conditions"] for f in _filter_fields(child)]
    field_name = node.get("field") if isinstance(node, dict) else None
    return [field_name] if isinstance(field_name, str) else []


class SharedWindows:
    """The temporary tables of one request's dashboards (use as a context manager: they
    are dropped at the end, since pool connections serve other requests after)."""

    def __init__(self, conn: sqlite3.Connection, *, now: datetime, offset: float) -> None:
        self.conn = conn
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self.offset = offset
        self._tables: dict[Any, str | None] = {}
        self._rollups: dict[Any, _Rollup | None] = {}

    def __enter__(self) -> SharedWindows:
        return self

    def __exit__(self, *_: object) -> None:
        for table in self._tables.values():
            if table is not None:
                try:
                    self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
                except sqlite3.Error:  # stopped by the request's budget: the next use drops it
                    pass

    def widget_data(
        self,
        widget: dict[str, Any],
        dashboard: dict[str, Any],
        override_filters: dict[str, Any] | None,
        siblings: Sequence[dict[str, Any]],
    ) -> dict[str, Any]:
        """What `widget_data` answers, read from the window `widget` shares with
        `siblings` (the request's widgets of the same dashboard, itself included) when
        there is one worth sharing."""
        merged = _merged(dashboard.get("filters"), widget.get("filters"), override_filters)
        _checked(merged, self.now, self.offset)  # the same refusals, in the same order
        plot = _plot_for(self.conn, widget)
        shared = _merged(dashboard.get("filters"), override_filters)
        key = dashboard.get("id")
        if key not in self._rollups:
            self._rollups[key] = _rollup_window(self.conn, dashboard, shared, self.now, self.offset)
        answer = _from_rollups(self.conn, widget, dashboard, self._rollups[key], self.offset)
        if answer is not None:
            return answer
        # A line of points never reads the window: do not copy it for one.
        newest_only = _reads_newest_only(widget)
        table = None if newest_only else self._table(dashboard, override_filters, shared, siblings)
        if table is None:
            where = _scoped(_compiled(merged, self.now, self.offset), dashboard)
            return _answer(widget, _Query(self.conn, plot, where, self.offset))
        own = _parsed(widget.get("filters"))
        where = _compiled(own, self.now, self.offset) if own else _Sql("1")
        return _answer(widget, _Query(self.conn, plot, where, self.offset, f"temp.{table} c"))

    def _table(
        self,
        dashboard: dict[str, Any],
        override_filters: Any,
        shared: Any,
        siblings: Sequence[dict[str, Any]],
    ) -> str | None:
        key = dashboard.get("id")
        if key in self._tables:
            return self._tables[key]
        # Worth it for two widgets or more, and only over a bounded window (without a
        # start of its own the shared part could be every call of the project).
        if len(siblings) < 2 or earliest_start(parse_filter(shared), self.now) is None:
            self._tables[key] = None
            return None
        table = f"window_{len(self._tables)}"
        names = _columns_used(siblings)
        where = _scoped(_compiled(shared, self.now, self.offset), dashboard)
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        # `id` the rowid again, so a metric's evaluations can drive the join and look
        # their calls up by id; the other columns untyped, keeping the values as stored.
        self.conn.execute(
            f"CREATE TEMP TABLE {table}(id INTEGER PRIMARY KEY, {', '.join(names[1:])})"
        )
        self.conn.execute(
            f"INSERT INTO temp.{table} SELECT {', '.join(f'c.{n}' for n in names)} "  # noqa: S608 (columns from the catalog; values bound)
            f"FROM call_logs c WHERE {where.text}",
            where.params,
        )
        self._tables[key] = table
        return table


def _reads_newest_only(widget: dict[str, Any]) -> bool:
    """A line of points reads only the newest LINE_POINT_CAP calls: the timestamp index
    finds them at once, where the shared window (no index) would be read in full."""
    return (
        widget.get("chart_type") == "line" and _bucket_interval_ms(widget.get("group_by")) is None
    )


def _answer(widget: dict[str, Any], query: _Query) -> dict[str, Any]:
    """The WidgetDataResponse of `widget` from `query` (scope and filters applied)."""
    plot = query.plot
    chart_type = widget.get("chart_type")
    group = _group_column(widget.get("group_by")) if chart_type in ("line", "bar") else None
    if chart_type == "line":
        data = _line(query, widget, group)
    elif chart_type == "bar":
        data = _bar(query, widget, group)
    elif chart_type == "pie":
        data = _pie(query)
    elif chart_type == "stat":
        data = _stat(query)
    else:
        raise DetailError(
            f"Unknown chart_type {json.dumps(chart_type)}; use line, bar, pie or stat."
        )
    return _response(widget, plot, data)


def _response(widget: dict[str, Any], plot: _Plot, data: list[dict[str, Any]]) -> dict[str, Any]:
    chart_type = widget.get("chart_type")
    return {
        # An unsaved widget (preview_data) has no id yet; the schema wants an integer.
        "widget_id": widget.get("id") or 0,
        "field_name": widget.get("field") or "",
        "chart_type": chart_type,
        "data": data,
        "aggregation_function": widget.get("aggregation_function"),
        "time_period": widget.get("time_period"),
        "group_by": widget.get("group_by"),
        "can_group_by": chart_type in ("line", "bar"),
        "metadata": {
            "display_name": plot.display_name,
            "data_type": plot.data_type,
            "filter_value": plot.filter_value,
        },
    }


# --- Rollups: pre-aggregated slots of the stored clock (rollups.py) -----------------------

# widget field -> (dim whose value it is, or None; count and sum columns of its values)
_ROLLUP_FIELDS: dict[str, tuple[str | None, str, str | None]] = {
    "": (None, "n", None),
    "duration": (None, "n_duration", "sum_duration"),
    "success": ("success", "n_success", "sum_success"),
    "call_ended_reason": ("call_ended_reason", "n", None),
    "topic": ("topic", "n", None),
    "agent_id": ("agent_id", "n", None),
}
_ROLLUP_GROUPS = {
    "agent.id": "agent_id",
    "topic": "topic",
    "call_ended_reason": "call_ended_reason",
}
_WINDOW_OPS = ("gt", "gte", "lt", "lte")
_NO_END = 1e18


def _time_range(node: Any, now: datetime, offset: float) -> tuple[float, float] | None:
    """Stored-clock bounds [low, high] of a filter made only of timestamp comparisons
    joined by `and`, or None when it has anything else (then rollups do not apply)."""
    if isinstance(node, dict) and node.get("operator") == "and":
        low, high = -_NO_END, _NO_END
        for child in node.get("conditions") or []:
            bounds = _time_range(child, now, offset)
            if bounds is None:
                return None
            low, high = max(low, bounds[0]), min(high, bounds[1])
        return low, high
    if not isinstance(node, dict) or node.get("field") != catalog.TIMESTAMP_FIELD:
        return None
    if node.get("op") not in _WINDOW_OPS:
        return None
    _, params = compile_filter(node, now=now, offset=offset)
    if node["op"] in ("gt", "gte"):
        return float(params[0]), _NO_END
    return -_NO_END, float(params[0])


class _Rollup:
    """One widget's aggregate from call_rollups: the slots wholly inside the window and
    one bucket from the table, the raw rows of the other slots (a window edge or a bucket
    boundary cuts them), both through the same bucket expression."""

    def __init__(self, conn: sqlite3.Connection, where: _Sql, bounds: tuple[float, float]):
        self.conn = conn
        self.where = where  # the scoped window over `c`
        self.bounds = bounds

    def rows(
        self,
        project: int,
        width: int,
        dim: str,
        bucket: _Sql | None,
        columns: str,
        tail: str,
    ) -> list[Any]:
        """`SELECT b, value, {columns} FROM (the slots' parts) {tail}`: `b` the bucket (NULL
        without one), `value` the dim's value; parts have call_rollups' count columns."""
        low, high = self.bounds
        first, last = math.floor(low / width) - 1, math.floor(min(high, 4e12) / width) + 1
        probe_low, probe_high = f"(r.slot * {width} - 1)", f"(r.slot * {width} + {width + 1})"
        b0, b1, raw_bucket = (_Sql("NULL"),) * 3
        if bucket is not None:
            b0 = _Sql(bucket.text.replace("c.timestamp", probe_low), bucket.params)
            b1 = _Sql(bucket.text.replace("c.timestamp", probe_high), bucket.params)
            raw_bucket = bucket
        # Every call of the slot lies within a second of its edges, so the probes being
        # inside the bounds (a conjunction of comparisons) puts all of them inside.
        inside = _Sql(f"{probe_low} >= ? AND {probe_high} <= ?", [low, high])
        dim_column = f"c.{dim}" if dim else "NULL"
        # One pass over the slots, only the columns used (a narrow CTE is read twice).
        sql = (
            "WITH s AS (SELECT r.slot, r.value, r.n, r.n_duration, r.sum_duration, "  # noqa: S608 (constants; values bound)
            f"r.n_success, r.sum_success, r.n_success1, {b0.text} AS b0, "
            f"({b0.text}) IS ({b1.text}) AND {inside.text} AS whole FROM call_rollups r "
            "WHERE r.width = ? AND r.dim = ? AND r.project_id = ? AND r.slot BETWEEN ? AND ?), "
            "parts AS (SELECT b0 AS b, value, n, n_duration, sum_duration, n_success, "
            "sum_success, n_success1 FROM s WHERE whole "
            f"UNION ALL SELECT {raw_bucket.text}, {dim_column}, 1, c.duration IS NOT NULL, "
            "c.duration, c.success IS NOT NULL, c.success, c.success = 1 "
            "FROM (SELECT DISTINCT slot FROM s WHERE NOT whole) d CROSS JOIN call_logs c "
            f"WHERE c.project_id = ? AND c.timestamp >= d.slot * {width} - 1 "
            f"AND c.timestamp < d.slot * {width} + {width + 1} "
            f"AND {rollups.slot_sql(width, 'c.timestamp')} = d.slot AND {self.where.text}) "
            f"SELECT b, value, {columns} FROM parts {tail}"
        )
        params = [
            *b0.params,
            *b0.params,
            *b1.params,
            *inside.params,
            width,
            dim,
            project,
            first,
            last,
            *raw_bucket.params,
            project,
            *self.where.params,
        ]
        return self.conn.execute(sql, params).fetchall()


def _rollup_window(
    conn: sqlite3.Connection, dashboard: dict[str, Any], shared: Any, now: datetime, offset: float
) -> _Rollup | None:
    """The dashboard's window over the rollups, or None when they cannot serve it: no
    rollups, no project, or shared filters other than timestamp comparisons."""
    if dashboard.get("project", dashboard.get("project_id")) is None:
        return None
    bounds = _time_range(_parsed(shared), now, offset)
    if bounds is None or not rollups.has_rollups(conn):
        return None
    return _Rollup(conn, _scoped(_compiled(shared, now, offset), dashboard), bounds)


def _from_rollups(
    conn: sqlite3.Connection,
    widget: dict[str, Any],
    dashboard: dict[str, Any],
    rollup: _Rollup | None,
    offset: float,
) -> dict[str, Any] | None:
    """The widget's answer from the rollups, or None when they cannot give it exactly:
    only the shared window filters (timestamps only), a project, a field they count."""
    project = dashboard.get("project", dashboard.get("project_id"))
    chart_type = widget.get("chart_type")
    name = "" if chart_type == "stat" else widget.get("field") or ""
    if (
        rollup is None
        or project is None
        or _parsed(widget.get("filters"))
        or chart_type not in ("stat", "pie", "bar")
        or name not in _ROLLUP_FIELDS
    ):
        return None
    where = rollup.where
    plot = _plot_for(conn, widget)
    value_dim, count_column, sum_column = _ROLLUP_FIELDS[name]
    if chart_type == "stat":
        data = _rollup_stat(conn, rollup, project, where)
    elif chart_type == "pie":
        if value_dim is None:
            return None
        rows = rollup.rows(
            project,
            rollups.HOUR,
            value_dim,
            None,
            "SUM(n)",
            "WHERE value IS NOT NULL GROUP BY 2 ORDER BY 3 DESC, 2",
        )
        data = _pie_data([(r[1], r[2]) for r in rows], plot.data_type)
    else:
        bar = _rollup_bar(rollup, widget, project, offset, value_dim, count_column, sum_column)
        if bar is None:
            return None
        data = bar
    return _response(widget, plot, data)


def _rollup_bar(
    rollup: _Rollup,
    widget: dict[str, Any],
    project: int,
    offset: float,
    value_dim: str | None,
    count_column: str,
    sum_column: str | None,
) -> list[dict[str, Any]] | None:
    # Anything the rollups do not serve returns None before any check of its own, so that
    # a bad widget gets the one-widget path's refusal, in its order.
    aggregation = widget.get("aggregation_function") or "count"
    if aggregation == "count":
        value = f"SUM({count_column})"
    elif aggregation == "sum" and sum_column:
        value = f"SUM({sum_column})"
    elif aggregation == "avg" and sum_column:
        value = f"CAST(SUM({sum_column}) AS REAL) / SUM({count_column})"
    else:
        return None
    group_by = widget.get("group_by")
    interval_ms = _bucket_interval_ms(group_by)
    period = widget.get("time_period") or "day"
    if interval_ms is not None:
        fine = interval_ms < 86_400_000
        if interval_ms < 60_000:
            return None
    else:
        fine = period == "hour"
    group = None
    if isinstance(group_by, dict) and group_by.get("type") == "field":
        group = _ROLLUP_GROUPS.get(group_by.get("field"))  # type: ignore[arg-type]
        if group is None or fine:
            return None
    dim = group or value_dim or ""
    if fine and dim:
        if value_dim is None or count_column == "n":
            return None
        dim = ""  # duration or success per hour: their counts are on every slot
    if value_dim is not None and value_dim != dim and count_column == "n":
        return None
    bucket = _bucket_start(period, interval_ms, offset)
    keys = "GROUP BY 1, 2" if group else "GROUP BY 1"
    present = "value IS NOT NULL AND " if count_column == "n" and value_dim else ""
    rows = rollup.rows(
        project,
        rollups.MINUTE if fine else rollups.HOUR,
        dim,
        bucket,
        f"SUM({count_column}), {value}",
        f"WHERE {present}{count_column} > 0 {keys} HAVING SUM({count_column}) > 0 ORDER BY 1",
    )
    data = []
    for row in rows:
        point: dict[str, Any] = {
            "time_interval": _iso(row[0]),
            "value": row[3],
            "sample_count": row[2],
        }
        if group:
            point["group"] = row[1]
        data.append(point)
    return data


def _rollup_stat(
    conn: sqlite3.Connection, rollup: _Rollup, project: int, where: _Sql
) -> list[dict[str, Any]]:
    (_, _, total, successes, known, duration_sum, durations) = rollup.rows(
        project,
        rollups.HOUR,
        "",
        None,
        "SUM(n), SUM(n_success1), SUM(n_success), SUM(sum_duration), SUM(n_duration)",
        "",
    )[0]
    p95 = None
    if durations:
        position = (durations - 1) * 0.95
        lower = math.floor(position)
        top = [
            row[0]
            for row in conn.execute(
                f"SELECT c.duration FROM call_logs c INDEXED BY {rollups.DURATION_INDEX} "  # noqa: S608 (constants; values bound)
                f"WHERE c.project_id = ? AND c.duration IS NOT NULL AND {where.text} "
                "ORDER BY c.duration DESC LIMIT ?",
                [project, *where.params, durations - lower],
            )
        ]
        low = top[-1]
        high = top[-2] if len(top) > 1 else low
        p95 = float(low + (high - low) * (position - lower))
    return [
        {
            "total_calls": total or 0,
            "success_rate": round(100 * successes / known, 2) if known else None,
            "avg_duration": duration_sum / durations if durations else None,
            "p95_latency": p95,
        }
    ]
