"""From a point to the filter of its calls: each chart type and group_by, the window
rules, and over real HTTP, that the call-logs count for a point's filter equals the
point's own number for every bar and pie widget of the seeded dashboards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.drilldown import (
    DrilldownError,
    bucket_window,
    drilldown_filter,
    drilldown_tree,
    point_conditions,
    window_problem,
)
from cekura_dashboards.filter_tree import filter_to_json, parse_filter
from cekura_dashboards.filter_validation import has_errors, validate_filter
from cekura_dashboards.models import Widget

NOW = datetime(2026, 5, 20, 14, 45, tzinfo=UTC)
EFFECTIVE = {
    "operator": "and",
    "conditions": [
        {"field": "timestamp", "op": "gte", "value": "now-30d"},
        {"field": "timestamp", "op": "lte", "value": "now"},
    ],
}


def widget(**kw: Any) -> Widget:
    return Widget.model_validate({"id": 1, **kw})


def ts(op: str, value: str) -> dict[str, Any]:
    return {"field": "timestamp", "op": op, "value": value}


def json_of(w: Widget, point: dict[str, Any], **kw: Any) -> list[Any]:
    return [filter_to_json(n) for n in point_conditions(w, point, **kw)]


# --- bar ---------------------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("hour", "2026-05-19T13:00:00Z", "2026-05-19T14:00:00Z"),
        ("day", "2026-05-19T00:00:00Z", "2026-05-20T00:00:00Z"),
        ("week", "2026-05-18T00:00:00Z", "2026-05-25T00:00:00Z"),
        ("month", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"),
        ("month", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("month", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
    ],
)
def test_a_bar_bucket_is_its_half_open_window(period: str, start: str, end: str) -> None:
    w = widget(chart_type="bar", field="duration", time_period=period, aggregation_function="avg")
    point = {"time_interval": start, "value": 3.0, "sample_count": 4}
    # duration takes no isnull, so the window is all there is.
    assert json_of(w, point) == [ts("gte", start), ts("lt", end)]


@pytest.mark.unit
def test_a_bar_of_a_field_that_takes_isnull_counts_only_calls_with_a_value() -> None:
    w = widget(chart_type="bar", field="dropoff_point", time_period="day")
    point = {"time_interval": "2026-05-19T00:00:00Z", "value": 4, "sample_count": 4}
    assert json_of(w, point)[2:] == [{"field": "dropoff_point", "op": "isnull", "value": False}]


@pytest.mark.unit
def test_a_bar_grouped_by_a_field_adds_the_group_value_and_no_redundant_isnull() -> None:
    w = widget(
        chart_type="bar",
        field="agent_id",
        time_period="week",
        aggregation_function="count",
        group_by={"type": "field", "field": "agent.id"},
    )
    point = {"time_interval": "2026-05-18T00:00:00Z", "value": 4, "sample_count": 4, "group": 7}
    # Plotted agent_id is the filter field agent.id: "eq 7" already says it has a value.
    assert json_of(w, point)[2:] == [{"field": "agent.id", "op": "eq", "value": 7}]


@pytest.mark.unit
def test_a_group_on_the_plotted_field_itself_needs_no_isnull() -> None:
    w = widget(
        chart_type="bar",
        field="dropoff_point",
        time_period="day",
        group_by={"type": "field", "field": "dropoff_point"},
    )
    point = {"time_interval": "2026-05-19T00:00:00Z", "sample_count": 2, "group": "greeting"}
    assert json_of(w, point)[2:] == [{"field": "dropoff_point", "op": "eq", "value": "greeting"}]


@pytest.mark.unit
def test_a_missing_group_value_is_isnull_true() -> None:
    w = widget(
        chart_type="bar",
        field="duration",
        time_period="day",
        group_by={"type": "field", "field": "metadata.plan"},
    )
    point = {"time_interval": "2026-05-19T00:00:00Z", "sample_count": 2, "group": None}
    assert json_of(w, point)[2:] == [{"field": "metadata.plan", "op": "isnull", "value": True}]


@pytest.mark.unit
def test_a_missing_group_value_on_a_field_without_isnull_is_refused_by_name() -> None:
    w = widget(
        chart_type="bar",
        field="duration",
        time_period="day",
        group_by={"type": "field", "field": "call_ended_reason"},
    )
    point = {"time_interval": "2026-05-19T00:00:00Z", "sample_count": 2, "group": None}
    with pytest.raises(DrilldownError, match="Why the call ended cannot be filtered"):
        point_conditions(w, point)


@pytest.mark.unit
def test_a_bucket_group_by_sets_the_window_width() -> None:
    w = widget(
        chart_type="bar",
        field="duration",
        time_period="day",
        group_by={"type": "bucket", "interval": 90 * 60 * 1000},
    )
    point = {"time_interval": "2026-05-19T03:00:00Z", "sample_count": 2}
    assert json_of(w, point) == [
        ts("gte", "2026-05-19T03:00:00Z"),
        ts("lt", "2026-05-19T04:30:00Z"),
    ]


@pytest.mark.unit
def test_a_metric_bar_asks_for_an_evaluation_of_that_metric_with_a_value() -> None:
    w = widget(chart_type="bar", field="metric_evaluations.value", metric=5, time_period="week")
    point = {"time_interval": "2026-05-18T00:00:00Z", "value": 4.1, "sample_count": 9}
    assert json_of(w, point)[2:] == [
        {
            "operator": "same_row",
            "conditions": [
                {"field": "metric_evaluations.metric.id", "op": "eq", "value": 5},
                {"field": "metric_evaluations.value", "op": "isnull", "value": False},
            ],
        }
    ]


@pytest.mark.unit
def test_a_bucket_start_that_is_no_time_is_refused() -> None:
    with pytest.raises(DrilldownError, match="not a date and time"):
        bucket_window(widget(chart_type="bar", time_period="day"), "yesterday")


# --- pie ---------------------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("field", "data_type", "label", "condition"),
    [
        ("topic", None, "billing", {"field": "topic", "op": "eq", "value": "billing"}),
        ("topic", None, "", {"field": "topic", "op": "isnull", "value": True}),
        ("success", "boolean", "true", {"field": "success", "op": "eq", "value": True}),
        ("is_reviewed", "boolean", "false", {"field": "is_reviewed", "op": "eq", "value": False}),
        ("agent_id", "numeric", "7", {"field": "agent.id", "op": "eq", "value": 7}),
        ("metadata.plan", None, "pro", {"field": "metadata.plan", "op": "eq", "value": "pro"}),
    ],
)
def test_a_pie_slice_is_field_eq_label_typed_back(
    field: str, data_type: str | None, label: str, condition: dict[str, Any]
) -> None:
    w = widget(chart_type="pie", field=field, data_type=data_type)
    assert json_of(w, {"label": label, "value": 3, "percentage": 10.0}) == [condition]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("data_type", "label", "value"),
    [("string", "positive", "positive"), ("boolean", "true", True), ("numeric", "0.873", 0.873)],
)
def test_a_metric_pie_slice_is_a_same_row_group(data_type: str, label: str, value: Any) -> None:
    w = widget(chart_type="pie", field="metric_evaluations.value", metric=3)
    (group,) = json_of(w, {"label": label, "value": 3, "percentage": 1.0}, data_type=data_type)
    assert group == {
        "operator": "same_row",
        "conditions": [
            {"field": "metric_evaluations.metric.id", "op": "eq", "value": 3},
            {"field": "metric_evaluations.value", "op": "eq", "value": value},
        ],
    }


# --- line, stat --------------------------------------------------------------------------
@pytest.mark.unit
def test_a_line_point_is_one_call() -> None:
    w = widget(chart_type="line", field="duration")
    point = {"id": 42, "timestamp": "2026-05-19T03:00:00Z", "value": 3.0}
    assert json_of(w, point) == [{"field": "id", "op": "eq", "value": 42}]


@pytest.mark.unit
def test_a_bucketed_line_point_is_its_bucket() -> None:
    w = widget(
        chart_type="line", field="duration", group_by={"type": "bucket", "interval": 3_600_000}
    )
    point = {"id": None, "timestamp": "2026-05-19T03:00:00Z", "value": 3.0, "sample_count": 5}
    assert json_of(w, point) == [
        ts("gte", "2026-05-19T03:00:00Z"),
        ts("lt", "2026-05-19T04:00:00Z"),
    ]


@pytest.mark.unit
def test_a_stat_opens_the_effective_filter_itself() -> None:
    assert drilldown_filter(widget(chart_type="stat"), {}, EFFECTIVE) == EFFECTIVE


# --- merging and the window --------------------------------------------------------------
@pytest.mark.unit
def test_the_point_joins_the_effective_and_group_at_its_top_level() -> None:
    w = widget(chart_type="pie", field="topic")
    merged = drilldown_filter(w, {"label": "billing", "value": 1, "percentage": 1.0}, EFFECTIVE)
    assert merged == {
        "operator": "and",
        "conditions": [
            *EFFECTIVE["conditions"],
            {"field": "topic", "op": "eq", "value": "billing"},
        ],
    }


@pytest.mark.unit
def test_an_or_effective_filter_is_kept_whole_inside_the_and() -> None:
    effective = {"operator": "or", "conditions": [{"field": "topic", "op": "eq", "value": "a"}]}
    merged = drilldown_filter(widget(chart_type="line"), {"id": 3}, effective)
    assert merged == {
        "operator": "and",
        "conditions": [effective, {"field": "id", "op": "eq", "value": 3}],
    }
    assert drilldown_filter(widget(chart_type="line"), {"id": 3}, None) == {
        "operator": "and",
        "conditions": [{"field": "id", "op": "eq", "value": 3}],
    }


@pytest.mark.unit
@pytest.mark.parametrize("period", ["hour", "day", "week", "month"])
def test_every_bar_drilldown_is_valid_and_inside_30_days(period: str) -> None:
    w = widget(
        chart_type="bar",
        field="success",
        time_period=period,
        group_by={"type": "field", "field": "agent.id"},
    )
    start = {"hour": "2026-05-20T13:00:00Z", "day": "2026-05-19T00:00:00Z"}.get(
        period, "2026-05-18T00:00:00Z" if period == "week" else "2026-05-01T00:00:00Z"
    )
    tree = drilldown_tree(w, {"time_interval": start, "sample_count": 1, "group": 7}, EFFECTIVE)
    assert not has_errors(validate_filter(tree, now=NOW))
    assert window_problem(tree, NOW) is None


@pytest.mark.unit
def test_window_problems_are_explained() -> None:
    too_old = parse_filter(ts("gte", "2026-03-01T00:00:00Z"))
    assert "more than 30 days ago" in (window_problem(too_old, NOW) or "")
    assert window_problem(parse_filter(ts("gte", "now-7d")), NOW) is None
    assert window_problem(None, NOW) is None


# --- over HTTP: the count of calls equals the point's number -----------------------------
def _three(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first, the largest and the last point (three different ones where possible)."""
    if len(points) <= 3:
        return points
    largest = max(
        range(len(points)), key=lambda i: points[i].get("sample_count", points[i]["value"])
    )
    picks = sorted(
        {0, largest, len(points) - 1}
        | ({len(points) // 2} if largest in (0, len(points) - 1) else set())
    )
    return [points[i] for i in picks[:3]]


@pytest.mark.api
def test_call_count_of_every_seeded_bar_and_pie_point_equals_its_value(
    demo_api_server: Any,
) -> None:
    from demo_api import seed

    seeded_names = {d["name"] for d in seed.demo_dashboards(seed._metric_rows())}
    client = CekuraClient(demo_api_server.url, demo_api_server.api_key, timeout=(3.05, 30))
    first_of_name: dict[str, int] = {}
    for summary in client.iter_dashboards():
        if summary.name in seeded_names:
            first_of_name.setdefault(summary.name, summary.id)
    assert len(first_of_name) == len(seeded_names)
    checked: list[str] = []
    mismatches: list[str] = []
    for dashboard_id in sorted(first_of_name.values()):
        dashboard = client.get_dashboard(dashboard_id=dashboard_id)
        for w in dashboard.widgets:
            if w.chart_type not in ("bar", "pie"):
                continue
            answer = client.widget_data(widget_id=w.id)
            points = answer.data if isinstance(answer.data, list) else []
            assert points, f"{w.name}: the seed should give every chart data"
            for point in _three(points):
                expected = point["sample_count"] if w.chart_type == "bar" else point["value"]
                filters = drilldown_filter(
                    w, point, w.effective_filters, data_type=answer.metadata.data_type
                )
                assert filters is not None
                page = client.list_call_logs(
                    project_id=dashboard.project, filters=filters, page_size=1
                )
                checked.append(w.name or "")
                if page.count != expected:
                    mismatches.append(f"{dashboard.name} / {w.name}: {point} -> {page.count} calls")
    assert not mismatches, "\n".join(mismatches)
    print(f"{len(checked)} points of {len(set(checked))} widgets checked")
    assert len(set(checked)) >= 20  # every seeded bar and pie widget was tried


@pytest.mark.api
def test_every_seeded_widget_three_points_each_count_equals_value(demo_api_server: Any) -> None:
    """All chart types: a bar's sample_count, a pie slice's value, and a line point is
    exactly its one call (by id); a stat has no points, so it opens its effective filter,
    whose count is its total_calls."""
    from demo_api import seed

    seeded_names = {d["name"] for d in seed.demo_dashboards(seed._metric_rows())}
    client = CekuraClient(demo_api_server.url, demo_api_server.api_key, timeout=(3.05, 30))
    first_of_name: dict[str, int] = {}
    for summary in client.iter_dashboards():
        if summary.name in seeded_names:
            first_of_name.setdefault(summary.name, summary.id)
    by_type: dict[str, int] = {}
    mismatches: list[str] = []
    for dashboard_id in sorted(first_of_name.values()):
        dashboard = client.get_dashboard(dashboard_id=dashboard_id)
        for w in dashboard.widgets:
            answer = client.widget_data(widget_id=w.id)
            if w.chart_type == "stat":
                # no points: the stat's own filter lists exactly the calls it counts
                assert point_conditions(w, {}) == []
                picks: list[tuple[dict[str, Any], int]] = [({}, answer.stat().total_calls)]
            else:
                points = answer.data if isinstance(answer.data, list) else []
                assert points, f"{w.name}: the seed should give every chart data"
                number = {"bar": "sample_count", "pie": "value"}
                picks = [
                    (p, p[number[w.chart_type]] if w.chart_type in number else 1)
                    for p in _three(points)
                ]
            for point, expected in picks:
                filters = drilldown_filter(
                    w, point, w.effective_filters, data_type=answer.metadata.data_type
                )
                page = client.list_call_logs(
                    project_id=dashboard.project, filters=filters, page_size=1
                )
                by_type[w.chart_type] = by_type.get(w.chart_type, 0) + 1
                if page.count != expected:
                    mismatches.append(f"{dashboard.name} / {w.name}: {point} -> {page.count}")
                if w.chart_type == "line" and point.get("id") is not None:
                    assert [c.id for c in page.results] == [point["id"]]
    assert not mismatches, "\n".join(mismatches)
    print(f"points checked by chart type: {by_type}")
    assert set(by_type) == {"bar", "pie", "line", "stat"}, by_type
