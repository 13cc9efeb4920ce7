"""Models: what the API returns, parsed and dumped without losing anything."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cekura_dashboards.client import dashboard_changed
from cekura_dashboards.models import (
    BarPoint,
    CallLog,
    Dashboard,
    DashboardSummary,
    LinePoint,
    Metric,
    Page,
    PieSlice,
    StatData,
    Widget,
    WidgetData,
)

pytestmark = pytest.mark.unit

FILTERS = {
    "operator": "and",
    "conditions": [
        {"field": "timestamp", "op": "gte", "value": "today-7d"},
        {"field": "success", "op": "eq", "value": True},
        {"field": "duration", "op": "gte", "value": 60},
    ],
}
DASHBOARD = {
    "id": 3,
    "name": "Support",
    "project": 1,
    "filters": FILTERS,
    "widgets": [
        {
            "id": 10,
            "dashboard": 3,
            "name": "Durations",
            "chart_type": "line",
            "field": "duration",
            "group_by": {"type": "field", "field": "agent.id"},
            "metadata": {"x": 0, "w": 6},
            "created_at": "2026-11-01T10:00:00.123456Z",
            "updated_at": "2026-11-01T10:00:00.123456Z",
            "future_key": [1, 2],
        }
    ],
    "widget_count": "1",
    "created_at": "2026-11-01T10:00:00.123456Z",
    "updated_at": "2026-11-02T09:30:00.000001Z",
    "owner": {"email": "a@example.com"},
}


def test_dashboard_parses_datetimes_and_coerces_widget_count() -> None:
    d = Dashboard.model_validate(DASHBOARD)
    assert d.updated_at == datetime(2026, 11, 2, 9, 30, 0, 1, tzinfo=UTC)
    assert d.widget_count == 1
    assert isinstance(d.widgets[0], Widget)
    assert d.widgets[0].group_by == {"type": "field", "field": "agent.id"}


def test_filters_stay_raw_json_exactly() -> None:
    d = Dashboard.model_validate(DASHBOARD)
    assert d.filters == FILTERS
    dumped = d.model_dump(mode="json")["filters"]
    assert dumped["conditions"][1]["value"] is True
    assert type(dumped["conditions"][2]["value"]) is int
    assert list(dumped) == ["operator", "conditions"]


def test_unknown_keys_survive_a_round_trip() -> None:
    d = Dashboard.model_validate(DASHBOARD)
    dumped = d.model_dump(mode="json")
    assert dumped["owner"] == {"email": "a@example.com"}
    assert dumped["widgets"][0]["future_key"] == [1, 2]
    assert Dashboard.model_validate(dumped) == d


def test_summary_has_no_widgets_and_page_is_generic() -> None:
    page = Page[DashboardSummary].model_validate(
        {"count": 1, "next": None, "previous": None, "results": [DASHBOARD]}
    )
    assert page.count == 1 and page.results[0].id == 3
    assert "widgets" not in DashboardSummary.model_fields
    # Kept as the raw JSON it was, since the summary model does not know it.
    assert page.results[0].model_extra == {
        "widgets": DASHBOARD["widgets"],
        "owner": DASHBOARD["owner"],
    }


def test_widget_requires_chart_type() -> None:
    with pytest.raises(ValidationError):
        Widget.model_validate({"id": 1})


def _data(chart_type: str, data: object) -> dict:
    return {
        "widget_id": 1,
        "field_name": "duration",
        "chart_type": chart_type,
        "data": data,
        "aggregation_function": None,
        "time_period": None,
        "group_by": None,
        "metadata": {"display_name": "Duration", "data_type": "numeric", "filter_value": None},
    }


def test_widget_data_points_by_chart_type() -> None:
    line = WidgetData.model_validate(
        _data("line", [{"id": 1, "timestamp": "2026-11-03T10:30:00Z", "value": 45}])
    )
    points = line.line_points()
    assert isinstance(points[0], LinePoint) and points[0].value == 45
    assert type(points[0].value) is int
    assert line.points == points

    bar = WidgetData.model_validate(
        _data("bar", [{"time_interval": "2026-11-03T00:00:00Z", "value": 4.5, "sample_count": 10}])
    )
    assert isinstance(bar.bar_points()[0], BarPoint) and bar.bar_points()[0].sample_count == 10

    pie = WidgetData.model_validate(
        _data("pie", [{"label": True, "value": 320, "percentage": 45.7}])
    )
    assert isinstance(pie.pie_slices()[0], PieSlice) and pie.pie_slices()[0].label is True

    stat = WidgetData.model_validate(
        _data(
            "stat",
            {"total_calls": 10, "success_rate": 0.5, "avg_duration": 61.2, "p95_latency": 3.1},
        )
    )
    assert isinstance(stat.stat(), StatData) and stat.stat().total_calls == 10
    assert stat.metadata.display_name == "Duration"
    as_list = WidgetData.model_validate(_data("stat", [{"total_calls": 4, "success_rate": 50.0}]))
    assert as_list.stat().total_calls == 4


def test_widget_data_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValidationError):
        WidgetData.model_validate(_data("bar", [{"label": "x", "value": 1, "percentage": 1.0}]))


def test_metric_and_call_log() -> None:
    m = Metric.model_validate(
        {"id": 1, "name": "Tone", "eval_type": "enum", "enum_values": ["good", "bad"]}
    )
    assert m.enum_values == ["good", "bad"]
    assert CallLog.model_validate({"id": 1, "duration": "01:10"}).duration_seconds == 70.0
    assert CallLog.model_validate({"id": 1, "duration": 12.5}).duration_seconds == 12.5
    assert CallLog.model_validate({"id": 1, "duration": "1:02:03"}).duration_seconds == 3723.0
    assert CallLog.model_validate({"id": 1}).duration_seconds is None


def test_dashboard_changed_compares_updated_at_and_content() -> None:
    base = Dashboard.model_validate(DASHBOARD)
    assert not dashboard_changed(base, base.model_copy())
    later = base.model_copy(update={"updated_at": datetime(2027, 1, 1, tzinfo=UTC)})
    assert dashboard_changed(base, later)
    renamed = base.model_copy(update={"name": "Other"})
    assert dashboard_changed(base, renamed)
    # `true` and `1` are equal in Python but not in JSON: a real change.
    one = {**FILTERS, "conditions": [*FILTERS["conditions"][:1], {**FILTERS["conditions"][1]}]}
    one["conditions"][1]["value"] = 1
    assert dashboard_changed(base, base.model_copy(update={"filters": one}))
