"""Widget data on seeded demo data: every chart's numbers add up to the call logs under the
same filter, percentiles agree with an independent computation, and the time-window rules
refuse what RULES.md refuses. One test goes through the running server over HTTP."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cekura_dashboards import catalog
from demo_api import db, seed
from demo_api.errors import DetailError, FieldErrors
from demo_api.filter_sql import compile_filter, register_functions
from demo_api.widget_data import (
    LINE_POINT_CAP,
    MISSING_TIME_RANGE,
    effective_filters,
    widget_data,
)

NOW = datetime(2026, 5, 20, 14, 45, 0, tzinfo=UTC)
LAST_30_DAYS = {"field": "timestamp", "op": "gte", "value": "now-30d"}
ALL_PROJECTS: dict[str, Any] = {"id": 1, "project": None, "filters": LAST_30_DAYS}
PROJECT_2: dict[str, Any] = {"id": 2, "project": 2, "filters": LAST_30_DAYS}

pytestmark = pytest.mark.api


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("widget_data") / "demo.sqlite3"
    connection = db.connect(path)
    db.create_schema(connection)
    seed.seed_database(connection, seed=3, calls=6000, now=NOW)
    register_functions(connection)
    yield connection
    connection.close()


def and_(*conditions: dict[str, Any] | None) -> dict[str, Any]:
    return {"operator": "and", "conditions": [c for c in conditions if c]}


def call_count(
    conn: sqlite3.Connection, filters: Any, project: int | None = None, extra: str = "1"
) -> int:
    where, params = compile_filter(filters, now=NOW)
    if project is not None:
        where, params = f"c.project_id = ? AND ({where})", [project, *params]
    sql = f"SELECT COUNT(*) FROM call_logs c WHERE ({where}) AND {extra}"
    return int(conn.execute(sql, params).fetchone()[0])


def data(conn, widget: dict[str, Any], dashboard=ALL_PROJECTS, override=None) -> dict[str, Any]:
    return widget_data(conn, {"id": 7, **widget}, dashboard, override, now=NOW)


def metric_id(conn: sqlite3.Connection, project: int, eval_type: str) -> int:
    row = conn.execute(
        "SELECT id FROM metrics WHERE project_id = ? AND eval_type = ? ORDER BY id",
        (project, eval_type),
    ).fetchone()
    return int(row[0])


# --- Sums equal counts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "dashboard", "override"),
    [
        ("call_ended_reason", ALL_PROJECTS, None),
        ("topic", PROJECT_2, None),
        ("success", ALL_PROJECTS, {"field": "duration", "op": "gt", "value": 120}),
        ("is_reviewed", PROJECT_2, {"field": "timestamp", "op": "gte", "value": "today-3d"}),
        (
            "dropoff_point",
            ALL_PROJECTS,
            {"field": "agent.agent_name", "op": "contains", "value": "bot"},
        ),
        (
            "metadata.plan",
            ALL_PROJECTS,
            {"field": "metadata.region", "op": "in", "value": ["eu-west", "us-east"]},
        ),
    ],
)
def test_pie_values_add_up_to_the_call_count(conn, field, dashboard, override):
    result = data(conn, {"chart_type": "pie", "field": field}, dashboard, override)
    filters = and_(dashboard["filters"], override)
    column = (
        f"json_extract(c.metadata, '$.\"{field[9:]}\"')"
        if field.startswith("metadata.")
        else f"c.{field}"
    )
    expected = call_count(conn, filters, dashboard["project"], f"{column} IS NOT NULL")
    assert expected > 0
    assert sum(slice_["value"] for slice_ in result["data"]) == expected
    assert len({slice_["label"] for slice_ in result["data"]}) == len(result["data"])
    assert sum(slice_["percentage"] for slice_ in result["data"]) == pytest.approx(100, abs=0.1)
    values = [slice_["value"] for slice_ in result["data"]]
    assert values == sorted(values, reverse=True)


def test_pie_of_a_boolean_labels_true_and_false(conn):
    result = data(conn, {"chart_type": "pie", "field": "success"})
    assert {slice_["label"] for slice_ in result["data"]} == {"true", "false"}
    successes = call_count(
        conn, and_(LAST_30_DAYS, {"field": "success", "op": "eq", "value": True})
    )
    assert next(s["value"] for s in result["data"] if s["label"] == "true") == successes


def test_pie_of_an_enum_metric_counts_its_evaluations(conn):
    enum_metric = metric_id(conn, 2, "enum")
    result = data(
        conn,
        {"chart_type": "pie", "field": "metric_evaluations.value", "metric": enum_metric},
        PROJECT_2,
    )
    where, params = compile_filter(LAST_30_DAYS, now=NOW)
    expected = conn.execute(
        "SELECT me.value, COUNT(*) FROM call_logs c JOIN metric_evaluations me ON me.call_log_id = c.id "
        f"WHERE c.project_id = 2 AND me.metric_id = ? AND me.value IS NOT NULL AND {where} GROUP BY 1",
        [enum_metric, *params],
    ).fetchall()
    assert {s["label"]: s["value"] for s in result["data"]} == {row[0]: row[1] for row in expected}
    assert result["metadata"]["data_type"] == "string"
    assert result["metadata"]["filter_value"] == enum_metric


@pytest.mark.parametrize("time_period", catalog.TIME_PERIODS)
@pytest.mark.parametrize("aggregation", catalog.AGGREGATIONS)
def test_bar_sample_counts_add_up_to_the_call_count(conn, time_period, aggregation):
    override = {"field": "timestamp", "op": "gte", "value": "now-12d"}
    widget = {
        "chart_type": "bar",
        "field": "duration",
        "time_period": time_period,
        "aggregation_function": aggregation,
    }
    result = data(conn, widget, PROJECT_2, override)
    expected = call_count(conn, and_(LAST_30_DAYS, override), 2, "c.duration IS NOT NULL")
    assert expected > 0
    assert sum(point["sample_count"] for point in result["data"]) == expected
    intervals = [point["time_interval"] for point in result["data"]]
    assert intervals == sorted(intervals) and len(set(intervals)) == len(intervals)
    if aggregation == "count":
        assert all(point["value"] == point["sample_count"] for point in result["data"])


def _bucket_durations(conn, project: int, filters: Any) -> dict[str, list[float]]:
    where, params = compile_filter(filters, now=NOW)
    rows = conn.execute(
        f"SELECT c.timestamp, c.duration FROM call_logs c WHERE c.project_id = ? AND {where} "
        "AND c.duration IS NOT NULL",
        [project, *params],
    ).fetchall()
    buckets: dict[str, list[float]] = {}
    for timestamp, duration in rows:
        day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT00:00:00Z")
        buckets.setdefault(day, []).append(duration)
    return buckets


@pytest.mark.parametrize("aggregation", ["sum", "avg", "min", "max", "p50", "p95", "p99"])
def test_bar_values_match_an_independent_computation(conn, aggregation):
    widget = {
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": aggregation,
    }
    result = data(conn, widget, PROJECT_2)
    buckets = _bucket_durations(conn, 2, LAST_30_DAYS)
    assert [p["time_interval"] for p in result["data"]] == sorted(buckets)
    for point in result["data"]:
        values = buckets[point["time_interval"]]
        if aggregation in ("p50", "p95", "p99"):
            q = int(aggregation[1:])
            expected = (
                statistics.quantiles(values, n=100, method="inclusive")[q - 1]
                if len(values) > 1
                else values[0]
            )
        else:
            expected = {"sum": sum, "avg": statistics.fmean, "min": min, "max": max}[aggregation](
                values
            )
        assert point["value"] == pytest.approx(expected), point


def test_week_buckets_start_on_monday_and_months_on_the_first(conn):
    weeks = data(
        conn,
        {
            "chart_type": "bar",
            "field": "duration",
            "time_period": "week",
            "aggregation_function": "count",
        },
    )
    for point in weeks["data"]:
        assert datetime.fromisoformat(point["time_interval"]).weekday() == 0
    months = data(
        conn,
        {
            "chart_type": "bar",
            "field": "duration",
            "time_period": "month",
            "aggregation_function": "count",
        },
    )
    assert all(p["time_interval"].endswith("-01T00:00:00Z") for p in months["data"])
    assert sum(p["sample_count"] for p in months["data"]) == sum(
        p["sample_count"] for p in weeks["data"]
    )


def test_bar_of_a_boolean_average_is_the_success_rate(conn):
    widget = {
        "chart_type": "bar",
        "field": "success",
        "time_period": "week",
        "aggregation_function": "avg",
    }
    result = data(conn, widget, PROJECT_2)
    total = sum(p["sample_count"] for p in result["data"])
    successes = sum(p["value"] * p["sample_count"] for p in result["data"])
    expected = call_count(
        conn, and_(LAST_30_DAYS, {"field": "success", "op": "eq", "value": True}), 2
    )
    assert successes == pytest.approx(expected)
    assert total == call_count(conn, LAST_30_DAYS, 2, "c.success IS NOT NULL")


def test_stat_reports_totals_the_call_logs_agree_with(conn):
    result = data(conn, {"chart_type": "stat"}, PROJECT_2)
    (stat,) = result["data"]
    assert set(stat) == {"total_calls", "success_rate", "avg_duration", "p95_latency"}
    where, params = compile_filter(LAST_30_DAYS, now=NOW)
    rows = conn.execute(
        f"SELECT success, duration FROM call_logs c WHERE c.project_id = 2 AND {where}", params
    ).fetchall()
    assert stat["total_calls"] == len(rows) > 0
    known = [r[0] for r in rows if r[0] is not None]
    assert stat["success_rate"] == pytest.approx(100 * sum(known) / len(known), abs=0.01)
    durations = [r[1] for r in rows if r[1] is not None]
    assert stat["avg_duration"] == pytest.approx(statistics.fmean(durations))
    assert stat["p95_latency"] == pytest.approx(
        statistics.quantiles(durations, n=100, method="inclusive")[94]
    )


def test_stat_of_no_calls_is_zero_and_nulls(conn):
    nothing = {"field": "id", "op": "lt", "value": 0}
    (stat,) = data(conn, {"chart_type": "stat"}, ALL_PROJECTS, nothing)["data"]
    assert stat == {
        "total_calls": 0,
        "success_rate": None,
        "avg_duration": None,
        "p95_latency": None,
    }


def test_line_is_one_point_per_call_oldest_first(conn):
    override = {"field": "timestamp", "op": "gte", "value": "now-2d"}
    result = data(conn, {"chart_type": "line", "field": "duration"}, PROJECT_2, override)
    expected = call_count(conn, and_(LAST_30_DAYS, override), 2, "c.duration IS NOT NULL")
    assert 0 < expected < LINE_POINT_CAP
    assert len(result["data"]) == expected
    assert len({p["id"] for p in result["data"]}) == expected
    stamps = [p["timestamp"] for p in result["data"]]
    assert stamps == sorted(stamps)
    assert all(set(p) == {"id", "timestamp", "value"} for p in result["data"])
    first = conn.execute(
        "SELECT duration, timestamp FROM call_logs WHERE id = ?", (result["data"][0]["id"],)
    ).fetchone()
    assert result["data"][0]["value"] == first[0]
    assert result["data"][0]["timestamp"] == datetime.fromtimestamp(first[1], UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_line_keeps_the_most_recent_points_when_capped(conn):
    result = data(conn, {"chart_type": "line", "field": "duration"})
    assert len(result["data"]) == LINE_POINT_CAP
    latest = conn.execute(
        "SELECT id FROM call_logs ORDER BY timestamp DESC, id DESC LIMIT 1"
    ).fetchone()[0]
    assert result["data"][-1]["id"] == latest


def test_group_by_field_splits_series_per_agent(conn):
    widget = {
        "chart_type": "bar",
        "field": "duration",
        "time_period": "week",
        "aggregation_function": "count",
        "group_by": {"type": "field", "field": "agent.id"},
    }
    result = data(conn, widget, PROJECT_2)
    per_agent: Counter[int] = Counter()
    for point in result["data"]:
        per_agent[point["group"]] += point["sample_count"]
    where, params = compile_filter(LAST_30_DAYS, now=NOW)
    expected = dict(
        conn.execute(
            f"SELECT agent_id, COUNT(*) FROM call_logs c WHERE c.project_id = 2 AND {where} "
            "AND duration IS NOT NULL GROUP BY agent_id",
            params,
        ).fetchall()
    )
    assert dict(per_agent) == expected
    assert len(expected) >= 2


def test_group_by_bucket_sets_the_bar_interval(conn):
    widget = {
        "chart_type": "bar",
        "field": "duration",
        "aggregation_function": "count",
        "group_by": {"type": "bucket", "interval": 6 * 3_600_000},
    }
    result = data(conn, widget, PROJECT_2)
    for point in result["data"]:
        assert datetime.fromisoformat(point["time_interval"]).hour % 6 == 0
    assert sum(p["sample_count"] for p in result["data"]) == call_count(
        conn, LAST_30_DAYS, 2, "c.duration IS NOT NULL"
    )


def test_line_points_carry_their_group(conn):
    widget = {
        "chart_type": "line",
        "field": "duration",
        "group_by": {"type": "field", "field": "agent.id"},
    }
    result = data(conn, widget, PROJECT_2, {"field": "timestamp", "op": "gte", "value": "now-1d"})
    agents = dict(conn.execute("SELECT id, agent_id FROM call_logs").fetchall())
    assert result["data"] and all(point["group"] == agents[point["id"]] for point in result["data"])
    assert len({point["group"] for point in result["data"]}) >= 2


def test_line_with_a_bucket_is_one_point_per_bucket(conn):
    widget = {
        "chart_type": "line",
        "field": "duration",
        "group_by": {"type": "bucket", "interval": 86_400_000},
    }
    result = data(conn, widget, PROJECT_2)
    assert all(point["id"] is None for point in result["data"])
    assert sum(point["sample_count"] for point in result["data"]) == call_count(
        conn, LAST_30_DAYS, 2, "c.duration IS NOT NULL"
    )
    buckets = _bucket_durations(conn, 2, LAST_30_DAYS)
    assert [point["timestamp"] for point in result["data"]] == sorted(buckets)
    first = result["data"][0]
    assert first["value"] == pytest.approx(statistics.fmean(buckets[first["timestamp"]]))


def test_metric_widgets_read_only_their_metric(conn):
    numeric = metric_id(conn, 2, "numeric")
    widget = {"chart_type": "line", "field": "metric_evaluations.value", "metric": numeric}
    result = data(conn, widget, PROJECT_2, {"field": "timestamp", "op": "gte", "value": "now-1d"})
    assert result["data"]
    values = {p["value"] for p in result["data"]}
    stored = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT value FROM metric_evaluations WHERE metric_id = ?", (numeric,)
        )
    }
    assert values <= stored
    assert (
        result["metadata"]["display_name"]
        == conn.execute("SELECT name FROM metrics WHERE id = ?", (numeric,)).fetchone()[0]
    )


def test_project_scope_and_all_projects(conn):
    scoped = data(conn, {"chart_type": "stat"}, PROJECT_2)["data"][0]["total_calls"]
    everything = data(conn, {"chart_type": "stat"}, ALL_PROJECTS)["data"][0]["total_calls"]
    assert scoped == call_count(conn, LAST_30_DAYS, 2)
    assert everything == call_count(conn, LAST_30_DAYS)
    assert 0 < scoped < everything


def test_dashboard_widget_and_override_filters_are_all_applied(conn):
    dashboard = {
        "project": None,
        "filters": and_(LAST_30_DAYS, {"field": "success", "op": "eq", "value": False}),
    }
    widget = {
        "chart_type": "line",
        "field": "duration",
        "filters": {"field": "duration", "op": "gte", "value": 200},
    }
    override = {"field": "agent.id", "op": "in", "value": [4, 5]}
    result = data(conn, widget, dashboard, override)
    assert result["data"]
    ids = [p["id"] for p in result["data"]]
    rows = conn.execute(
        f"SELECT success, duration, agent_id FROM call_logs WHERE id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    assert all(r[0] == 0 and r[1] >= 200 and r[2] in (4, 5) for r in rows)
    assert len(ids) == call_count(conn, and_(dashboard["filters"], widget["filters"], override))


def test_stored_json_text_filters_are_understood(conn):
    """The widget and dashboard may come straight from their table rows."""
    dashboard = {"project_id": 2, "filters": json.dumps(LAST_30_DAYS)}
    widget = {
        "chart_type": "stat",
        "filters": json.dumps({"field": "success", "op": "eq", "value": True}),
    }
    (stat,) = widget_data(conn, widget, dashboard, None, now=NOW)["data"]
    assert stat["success_rate"] == 100.0
    assert stat["total_calls"] == call_count(
        conn, and_(LAST_30_DAYS, {"field": "success", "op": "eq", "value": True}), 2
    )


def test_response_has_every_required_key(conn):
    result = data(
        conn,
        {
            "chart_type": "bar",
            "field": "topic",
            "time_period": "day",
            "aggregation_function": "count",
        },
    )
    for key in (
        "widget_id",
        "field_name",
        "chart_type",
        "data",
        "aggregation_function",
        "time_period",
        "group_by",
        "metadata",
    ):
        assert key in result
    assert result["widget_id"] == 7 and result["field_name"] == "topic"
    assert result["metadata"] == {
        "display_name": "Call topic",
        "data_type": "string",
        "filter_value": None,
    }
    json.dumps(result, allow_nan=False)


# --- The time window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start", ["now-31d", "today-31d", "now-5w", "now-2M", "2020-01-01T00:00:00Z", "now-1y"]
)
def test_more_than_30_days_back_is_refused_with_the_exact_message(conn, start):
    dashboard = {"project": None, "filters": {"field": "timestamp", "op": "gte", "value": start}}
    with pytest.raises(DetailError) as caught:
        data(conn, {"chart_type": "stat"}, dashboard)
    assert caught.value.message == catalog.TOO_FAR_IN_THE_PAST
    assert caught.value.status == 400


@pytest.mark.parametrize("start", ["now-30d", "today-30d", "now-720h", "today", "now"])
def test_up_to_30_days_back_is_allowed(conn, start):
    dashboard = {"project": None, "filters": {"field": "timestamp", "op": "gte", "value": start}}
    assert data(conn, {"chart_type": "stat"}, dashboard)["data"][0]["total_calls"] >= 0


def test_an_override_can_narrow_but_not_widen_past_30_days(conn):
    narrowed = data(
        conn,
        {"chart_type": "stat"},
        ALL_PROJECTS,
        {"field": "timestamp", "op": "gte", "value": "now-40d"},
    )
    assert narrowed["data"][0]["total_calls"] == call_count(conn, LAST_30_DAYS)
    wide_or = {
        "operator": "or",
        "conditions": [LAST_30_DAYS, {"field": "timestamp", "op": "gte", "value": "now-40d"}],
    }
    with pytest.raises(DetailError) as caught:
        data(conn, {"chart_type": "stat"}, {"project": None, "filters": wide_or})
    assert caught.value.message == catalog.TOO_FAR_IN_THE_PAST


@pytest.mark.parametrize(
    "filters",
    [
        None,
        {"field": "duration", "op": "gt", "value": 1},
        {"field": "timestamp", "op": "lte", "value": "now"},
        {
            "operator": "or",
            "conditions": [LAST_30_DAYS, {"field": "duration", "op": "gt", "value": 1}],
        },
    ],
)
def test_a_missing_start_time_is_refused_with_a_clear_detail(conn, filters):
    with pytest.raises(DetailError) as caught:
        data(conn, {"chart_type": "pie", "field": "topic"}, {"project": None, "filters": filters})
    assert caught.value.message == MISSING_TIME_RANGE
    assert "timestamp" in caught.value.message


def test_a_bad_override_is_refused_with_the_path_of_the_bad_node(conn):
    override = and_(LAST_30_DAYS, {"field": "duration", "op": "contains", "value": "1"})
    with pytest.raises(FieldErrors) as caught:
        data(conn, {"chart_type": "stat"}, ALL_PROJECTS, override)
    assert list(caught.value.errors) == ["filters"]
    assert caught.value.errors["filters"][0].startswith("conditions[1].conditions[1].op: ")


@pytest.mark.parametrize(
    ("widget", "fragment"),
    [
        ({"chart_type": "line", "field": "metric_evaluations.value"}, "needs a metric"),
        ({"chart_type": "line", "field": "metric_evaluations.value", "metric": 999}, "999"),
        ({"chart_type": "pie", "field": "favourite_colour"}, "favourite_colour"),
        ({"chart_type": "bar", "field": "duration", "time_period": "fortnight"}, "fortnight"),
        ({"chart_type": "bar", "field": "duration", "aggregation_function": "median"}, "median"),
        (
            {
                "chart_type": "bar",
                "field": "duration",
                "group_by": {"type": "bucket", "interval": 0},
            },
            "interval",
        ),
        (
            {
                "chart_type": "bar",
                "field": "duration",
                "group_by": {"type": "field", "field": "x'--"},
            },
            "x'--",
        ),
        ({"chart_type": "donut", "field": "topic"}, "donut"),
        ({"chart_type": "pie", "field": ["topic"]}, "field"),
        ({"chart_type": "bar", "field": "duration", "aggregation_function": ["avg"]}, "avg"),
        ({"chart_type": "bar", "field": "duration", "time_period": {"d": 1}}, "time_period"),
    ],
)
def test_unplottable_widgets_are_refused_with_a_detail(conn, widget, fragment):
    with pytest.raises(DetailError) as caught:
        data(conn, widget)
    assert fragment in caught.value.message


def test_stored_filters_that_are_not_json_are_a_field_error(conn):
    with pytest.raises(FieldErrors) as caught:
        widget_data(
            conn, {"chart_type": "stat", "filters": "{not json"}, ALL_PROJECTS, None, now=NOW
        )
    assert caught.value.errors == {"filters": ["Value must be valid JSON."]}
    with pytest.raises(FieldErrors) as caught:
        widget_data(
            conn, {"chart_type": "stat", "filters": [LAST_30_DAYS]}, ALL_PROJECTS, None, now=NOW
        )
    assert "object" in caught.value.errors["filters"][0]


# --- effective_filters ---------------------------------------------------------------------


def test_effective_filters_merge_with_and():
    dash = {"field": "timestamp", "op": "gte", "value": "now-7d"}
    widget = {"field": "success", "op": "eq", "value": True}
    assert effective_filters(None, None) is None
    assert effective_filters({}, None) is None
    assert effective_filters(dash, None) == dash
    assert effective_filters(None, widget) == widget
    assert effective_filters(dash, widget) == {"operator": "and", "conditions": [dash, widget]}
    assert effective_filters(json.dumps(dash), "") == dash


# --- Over HTTP ---------------------------------------------------------------------------


def test_bulk_data_over_http_agrees_with_the_call_logs(demo_api_server):
    listing = demo_api_server.get("/dashboards/dashboards/", params={"page_size": 100}).json()
    details = (
        demo_api_server.get(f"/dashboards/dashboards/{d['id']}/").json()
        for d in listing["results"]
        if d["project"] is not None and int(d["widget_count"]) > 0
    )
    detail = next(d for d in details if any(w["chart_type"] == "stat" for w in d["widgets"]))
    widget_ids = [w["id"] for w in detail["widgets"]]
    window = {"field": "timestamp", "op": "gte", "value": "now-7d"}
    response = demo_api_server.post(
        "/dashboards/widgets/bulk_data/", json={"widget_ids": widget_ids, "filters": window}
    )
    assert response.status_code == 200, response.text
    results = {r["widget_id"]: r for r in response.json()["results"]}
    assert set(results) == set(widget_ids)
    stat_widget = next(w for w in detail["widgets"] if w["chart_type"] == "stat")
    merged = and_(stat_widget["effective_filters"], window)
    logs = demo_api_server.get(
        "/observability/v1/call-logs/",
        params={"project_id": detail["project"], "filters_v2": json.dumps(merged), "page_size": 1},
    )
    assert logs.status_code == 200, logs.text
    assert results[stat_widget["id"]]["data"][0]["total_calls"] == logs.json()["count"] > 0
    too_far = demo_api_server.post(
        "/dashboards/widgets/preview_data/",
        json={
            "chart_type": "stat",
            "filters": {"field": "timestamp", "op": "gte", "value": "now-45d"},
        },
    )
    assert too_far.status_code == 400
    assert too_far.json() == {"detail": catalog.TOO_FAR_IN_THE_PAST}


def test_preview_with_dashboard_filters_stands_in_for_the_saved_filter(demo_api_server) -> None:
    """RULES.md: `dashboard_filters` replaces the dashboard's saved filters for a preview
    (the project scope stays the dashboard's); a bad one is refused under its own key."""
    month = {"field": "timestamp", "op": "gte", "value": "now-30d"}
    week = {"field": "timestamp", "op": "gte", "value": "now-7d"}
    made = demo_api_server.post(
        "/dashboards/dashboards/", json={"name": "Preview stand-in", "project": 1, "filters": week}
    ).json()
    widget = {"dashboard": made["id"], "chart_type": "stat"}

    def total(**extra: Any) -> int:
        response = demo_api_server.post("/dashboards/widgets/preview_data/", json=widget | extra)
        assert response.status_code == 200, response.text
        figures = response.json()["data"]
        return int((figures[0] if isinstance(figures, list) else figures)["total_calls"])

    saved, drafted = total(), total(dashboard_filters=month)
    # wider than the saved week: the draft replaced the saved filter (ANDed, it could not)
    assert 0 < saved < drafted
    counted = demo_api_server.get(
        "/observability/v1/call-logs/",
        params={"project_id": 1, "filters_v2": json.dumps(month), "page_size": 1},
    ).json()["count"]
    assert drafted == counted  # and the scope is still the dashboard's project
    refused = demo_api_server.post(
        "/dashboards/widgets/preview_data/",
        json=widget | {"dashboard_filters": {"field": "duration", "op": "nope", "value": 1}},
    )
    assert refused.status_code == 400 and "dashboard_filters" in refused.json()
