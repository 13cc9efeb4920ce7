"""Chart specs built from each chart type's widget data: marks, encodings and titles in
the catalog's words, the point selection a click maps back through, empty data, one
point, the stat line and the before/after delta."""

from __future__ import annotations

from typing import Any

import pytest

from cekura_dashboards.charts import (
    NO_CALLS,
    POINT_INDEX,
    POINT_SELECTION,
    build_view,
    format_change,
    format_duration,
    format_stat,
    headline,
    selected_points,
    value_axis_title,
    widget_delta,
)
from cekura_dashboards.models import StatData, Widget, WidgetData

pytestmark = pytest.mark.unit

RAW_FIELD_NAMES = ("agent.id", "agent_id", "metric_evaluations.value", "call_ended_reason")


def widget(**kw: Any) -> Widget:
    return Widget.model_validate({"id": 1, **kw})


def answer(chart_type: str, data: Any, **kw: Any) -> WidgetData:
    return WidgetData.model_validate({"chart_type": chart_type, "data": data, **kw})


def spec(view: Any) -> dict[str, Any]:
    assert view.chart is not None
    return view.chart.to_dict()


def rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    (values,) = d["datasets"].values()
    return values


def words_in(d: dict[str, Any]) -> str:
    """Every title a person reads in the spec (chart, axes, legends, tooltips)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "title" and isinstance(value, str):
                    found.append(value)
                elif key != "datasets":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(d)
    return " | ".join(found)


LINE = [
    {"id": 11, "timestamp": "2026-05-01T08:00:00Z", "value": 30.0},
    {"id": 12, "timestamp": "2026-05-01T09:00:00Z", "value": 95.5},
]
BAR = [
    {"time_interval": "2026-05-01T00:00:00Z", "value": 61.5, "sample_count": 40},
    {"time_interval": "2026-05-02T00:00:00Z", "value": 70.0, "sample_count": 25},
]
PIE = [
    {"label": "customer-ended-call", "value": 30, "percentage": 75.0},
    {"label": "silence-timed-out", "value": 10, "percentage": 25.0},
]


# --- line -------------------------------------------------------------------------------
def test_line_is_a_line_with_clickable_point_marks() -> None:
    w = widget(chart_type="line", field="duration", name="Call duration")
    view = build_view(w, answer("line", LINE))
    d = spec(view)
    assert [layer["mark"]["type"] for layer in d["layer"]] == ["line", "point"]
    assert d["title"] == "Call duration"
    points = d["layer"][1]
    assert points["encoding"]["x"] == {
        "axis": {"format": "%d %b %H:%M"},
        "field": "timestamp",
        "title": "Call time (UTC)",
        "type": "temporal",
    }
    assert points["encoding"]["y"]["title"] == "Call duration (seconds)"
    (param,) = d["params"]
    assert param["name"] == POINT_SELECTION
    assert param["select"]["fields"] == [POINT_INDEX]
    assert param["views"] == [points["name"]]  # the points, not the line, are clicked
    assert [(r["id"], r[POINT_INDEX]) for r in rows(d)] == [(11, 0), (12, 1)]


def test_line_of_a_metric_names_the_metric() -> None:
    w = widget(chart_type="line", field="metric_evaluations.value", metric=4, name=None)
    d = spec(build_view(w, answer("line", LINE, metadata={"display_name": "Accuracy"})))
    assert d["title"] == "Metric score: Accuracy"
    assert d["layer"][0]["encoding"]["y"]["title"] == "Metric score: Accuracy"


def test_line_with_one_point_still_draws_it() -> None:
    view = build_view(widget(chart_type="line", field="duration"), answer("line", LINE[:1]))
    d = spec(view)
    assert len(rows(d)) == 1
    assert view.text is None


def test_grouped_line_colours_by_group_in_words() -> None:
    data = [{**p, "group": g} for p, g in zip(LINE, (7, None), strict=True)]
    w = widget(chart_type="line", field="duration", group_by={"type": "field", "field": "agent.id"})
    d = spec(build_view(w, answer("line", data), {7: "Billing Bot"}))
    color = d["layer"][0]["encoding"]["color"]
    assert color == {"field": "group_words", "title": "Agent", "type": "nominal"}
    assert [r["group_words"] for r in rows(d)] == ["Billing Bot", "(empty)"]
    assert [r["group"] for r in rows(d)] == [7, None]  # the raw value stays for drill-down


# --- bar --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("aggregation", "field", "title"),
    [
        ("avg", "duration", "Average call duration (seconds)"),
        ("count", "duration", "Number of calls"),
        ("p95", "duration", "95th percentile call duration (seconds)"),
        ("sum", "duration", "Total call duration (seconds)"),
        ("avg", "success", "Share where call succeeded (0–1)"),
        ("count", "metric_evaluations.value", "Number of evaluations"),
    ],
)
def test_bar_names_the_aggregation_on_the_y_axis(aggregation: str, field: str, title: str) -> None:
    w = widget(chart_type="bar", field=field, time_period="day", aggregation_function=aggregation)
    d = spec(build_view(w, answer("bar", BAR, aggregation_function=aggregation)))
    assert d["mark"]["type"] == "bar"
    assert d["encoding"]["y"] == {"field": "value", "title": title, "type": "quantitative"}
    assert value_axis_title(w) == title


@pytest.mark.parametrize(
    ("period", "unit", "x_title"),
    [
        ("hour", "utcyearmonthdatehours", "Hour (UTC)"),
        ("day", "utcyearmonthdate", "Day (UTC)"),
        ("week", "utcyearmonthdate", "Week (UTC)"),
        ("month", "utcyearmonth", "Month (UTC)"),
    ],
)
def test_bar_buckets_by_its_time_period(period: str, unit: str, x_title: str) -> None:
    w = widget(chart_type="bar", field="duration", time_period=period, aggregation_function="count")
    d = spec(build_view(w, answer("bar", BAR)))
    assert d["encoding"]["x"]["timeUnit"] == unit
    assert d["encoding"]["x"]["title"] == x_title
    assert [r["time_interval"] for r in rows(d)] == [p["time_interval"] for p in BAR]


def test_bar_grouped_by_field_stacks_counts_and_keeps_raw_groups() -> None:
    data = [
        {"time_interval": "2026-05-01T00:00:00Z", "value": 4, "sample_count": 4, "group": 7},
        {"time_interval": "2026-05-01T00:00:00Z", "value": 2, "sample_count": 2, "group": 8},
    ]
    w = widget(
        chart_type="bar",
        field="agent_id",
        time_period="week",
        aggregation_function="count",
        group_by={"type": "field", "field": "agent.id"},
    )
    d = spec(build_view(w, answer("bar", data), {7: "Billing Bot"}))
    assert d["encoding"]["color"]["title"] == "Agent"
    assert "xOffset" not in d["encoding"]  # counts stack
    assert [(r["group"], r["group_words"]) for r in rows(d)] == [(7, "Billing Bot"), (8, "Agent 8")]


def test_bar_grouped_average_puts_bars_side_by_side() -> None:
    data = [{**BAR[0], "group": "pro"}, {**BAR[0], "group": "free"}]
    w = widget(
        chart_type="bar",
        field="duration",
        time_period="day",
        aggregation_function="avg",
        group_by={"type": "field", "field": "metadata.plan"},
    )
    d = spec(build_view(w, answer("bar", data)))
    assert d["encoding"]["xOffset"] == {"field": "group_words", "type": "nominal"}
    assert d["encoding"]["color"]["title"] == "Metadata: plan"


def test_bar_with_a_bucket_group_by_says_time_bucket() -> None:
    w = widget(
        chart_type="bar",
        field="duration",
        time_period="day",
        aggregation_function="p95",
        group_by={"type": "bucket", "interval": 3_600_000},
    )
    d = spec(build_view(w, answer("bar", BAR)))
    assert d["encoding"]["x"]["title"] == "Time bucket (UTC)"
    assert d["encoding"]["x"]["timeUnit"] == "utcyearmonthdatehours"
    assert "color" not in d["encoding"]


# --- pie --------------------------------------------------------------------------------
def test_pie_is_an_arc_with_percentages_in_legend_and_tooltip() -> None:
    w = widget(chart_type="pie", field="call_ended_reason", name=None)
    d = spec(build_view(w, answer("pie", PIE)))
    assert d["mark"]["type"] == "arc"
    assert d["title"] == "Why the call ended"
    assert d["encoding"]["theta"]["field"] == "value"
    assert d["encoding"]["color"]["title"] == "Why the call ended"
    assert [r["slice"] for r in rows(d)] == [
        "customer-ended-call (75.0 %)",
        "silence-timed-out (25.0 %)",
    ]
    tooltip_titles = [t["title"] for t in d["encoding"]["tooltip"]]
    assert tooltip_titles == ["Why the call ended", "Number of calls", "Share (%)"]
    assert [r["label"] for r in rows(d)] == ["customer-ended-call", "silence-timed-out"]


def test_boolean_pie_says_yes_and_no_and_an_empty_label_says_empty() -> None:
    data = [
        {"label": "true", "value": 3, "percentage": 60.0},
        {"label": "false", "value": 1, "percentage": 20.0},
        {"label": "", "value": 1, "percentage": 20.0},
    ]
    w = widget(chart_type="pie", field="success", data_type="boolean")
    d = spec(build_view(w, answer("pie", data)))
    assert [r["label_words"] for r in rows(d)] == ["Yes", "No", "(empty)"]


def test_pie_of_agents_uses_agent_names() -> None:
    data = [{"label": "7", "value": 3, "percentage": 100.0}]
    d = spec(
        build_view(widget(chart_type="pie", field="agent_id"), answer("pie", data), {7: "Bot"})
    )
    assert rows(d)[0]["label_words"] == "Bot"


@pytest.mark.parametrize(
    ("chart_type", "field", "data", "names"),
    [
        ("line", "metric_evaluations.value", LINE, None),
        ("bar", "agent_id", [{**BAR[0], "group": 7}], {7: "Bot"}),
        ("pie", "call_ended_reason", PIE, None),
        ("pie", "metric_evaluations.value", PIE, None),
    ],
)
def test_no_raw_field_name_is_shown(
    chart_type: str, field: str, data: Any, names: dict[int, str] | None
) -> None:
    w = widget(
        chart_type=chart_type,
        field=field,
        metric=3 if field.startswith("metric") else None,
        time_period="day",
        aggregation_function="count",
        group_by={"type": "field", "field": "agent.id"} if chart_type == "bar" else None,
    )
    text = words_in(spec(build_view(w, answer(chart_type, data), names)))
    for raw in RAW_FIELD_NAMES:
        assert raw not in text


# --- empty, stat, selection -------------------------------------------------------------
@pytest.mark.parametrize("chart_type", ["line", "bar", "pie"])
def test_empty_data_is_words_not_a_chart(chart_type: str) -> None:
    view = build_view(widget(chart_type=chart_type, field="duration"), answer(chart_type, []))
    assert view.chart is None
    assert view.text == NO_CALLS


def test_stat_is_one_formatted_line() -> None:
    data = {"total_calls": 12345, "success_rate": 87.24, "avg_duration": 192.4, "p95_latency": 41.2}
    view = build_view(widget(chart_type="stat", name="Calls at a glance"), answer("stat", [data]))
    assert view.chart is None
    assert view.text == "12,345 calls · 87.2 % success · avg 3 min 12 s · p95 41 s"
    assert view.title == "Calls at a glance"


def test_stat_without_calls_says_no_calls() -> None:
    view = build_view(widget(chart_type="stat"), answer("stat", {"total_calls": 0}))
    assert view.text == NO_CALLS


def test_stat_with_unknown_figures_says_so() -> None:
    assert (
        format_stat(StatData(total_calls=1))
        == "1 call · success unknown · avg unknown · p95 unknown"
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (4.25, "4.2 s"),
        (41.2, "41 s"),
        (59.6, "1 min"),
        (192.4, "3 min 12 s"),
        (3600, "1 h"),
        (3720, "1 h 2 min"),
        (None, "unknown"),
        (float("nan"), "unknown"),
    ],
)
def test_format_duration(seconds: float | None, words: str) -> None:
    assert format_duration(seconds) == words


def test_a_click_maps_back_to_the_raw_point() -> None:
    view = build_view(widget(chart_type="pie", field="topic"), answer("pie", PIE))
    event = {"selection": {POINT_SELECTION: [{POINT_INDEX: 1}]}}
    assert selected_points(view, event) == [PIE[1]]
    assert selected_points(view, {"selection": {POINT_SELECTION: [{POINT_INDEX: 9}]}}) == []
    assert selected_points(view, {"selection": {}}) == []


# --- delta ------------------------------------------------------------------------------
def test_delta_of_a_stat_counts_calls() -> None:
    w = widget(chart_type="stat")
    before = answer("stat", {"total_calls": 5234})
    after = answer("stat", {"total_calls": 1120})
    assert widget_delta(w, before, after) == "calls: 5,234 → 1,120 (−79 %)"


def test_delta_of_a_bar_sums_samples_and_of_a_pie_sums_values() -> None:
    bar = widget(chart_type="bar", field="duration", aggregation_function="avg")
    assert headline(bar, answer("bar", BAR)) == (65, "calls")
    assert (
        widget_delta(bar, answer("bar", BAR[1:]), answer("bar", BAR)) == "calls: 25 → 65 (+160 %)"
    )
    pie = widget(chart_type="pie", field="metric_evaluations.value", metric=2)
    assert headline(pie, answer("pie", PIE)) == (40, "evaluations")


def test_delta_of_a_line_counts_points_plotted() -> None:
    w = widget(chart_type="line", field="duration")
    assert widget_delta(w, answer("line", LINE), answer("line", LINE[:1])) == (
        "calls plotted: 2 → 1 (−50 %)"
    )


def test_delta_from_zero_and_when_equal() -> None:
    w = widget(chart_type="stat")
    zero = answer("stat", {"total_calls": 0})
    some = answer("stat", {"total_calls": 120})
    assert widget_delta(w, zero, some) == "calls: 0 → 120 (none before)"
    assert widget_delta(w, some, some) == "calls: 120 → 120 (no change)"
    assert widget_delta(w, zero, zero) == "calls: 0 → 0 (no change)"


def test_small_changes_keep_a_decimal() -> None:
    assert format_change(1000, 1004) == "(+0.4 %)"
    assert format_change(1000, 989) == "(−1 %)"
