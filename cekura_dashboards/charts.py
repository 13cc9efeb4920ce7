"""A widget's data as an Altair chart, its stat line, and the before/after delta.

Everything a person reads (titles, axes, legends, tooltips) is in the catalog's words.
Every chart carries a point selection named `POINT_SELECTION` over the column
`point_index`, the index of the point in the answer's `data`: a click (Streamlit's
`on_select`) gives that index back and `selected_points` turns it into the raw data item,
which `drilldown` turns into a filter. Line charts draw their points as marks of their
own so that one call can be clicked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from cekura_dashboards import catalog
from cekura_dashboards.models import StatData, Widget, WidgetData

NO_CALLS = "No calls in this window"
POINT_SELECTION = "point"
POINT_INDEX = "point_index"
METRIC_FIELD = "metric_evaluations.value"
EMPTY_VALUE = "(empty)"

_AGGREGATION_WORDS = {
    "sum": "Total",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "p50": "Median",
    "p95": "95th percentile",
    "p99": "99th percentile",
}
_PERIOD_WORDS = {"hour": "Hour", "day": "Day", "week": "Week", "month": "Month"}
_TIME_UNITS: dict[str, Any] = {
    "hour": "utcyearmonthdatehours",
    "day": "utcyearmonthdate",
    "week": "utcyearmonthdate",
    "month": "utcyearmonth",
}
_ADDITIVE = ("count", "sum")


@dataclass(frozen=True)
class WidgetView:
    """What to draw for one widget: a chart, or a line of text (the stat figures, or
    NO_CALLS for a window without calls)."""

    title: str
    chart: Any  # an Altair chart (alt.Chart or alt.LayerChart), or None
    text: str | None
    data: tuple[Mapping[str, Any], ...] = ()  # the answer's raw points, by point_index


# --- words ----------------------------------------------------------------------------------
def field_words(name: str) -> str:
    """A filter or plotted field in the catalog's words (`agent.id` -> "Agent")."""
    spec = catalog.field_spec(name)
    if spec is not None:
        return spec.label
    return catalog.plottable_label(name)


def plotted_words(widget: Widget, answer: WidgetData | None = None) -> str:
    """What the widget plots: "Call duration (seconds)", "Metric score: Accuracy"."""
    if widget.field == METRIC_FIELD:
        name = widget.metric_name or (answer.metadata.display_name if answer else None)
        label = catalog.plottable_label(METRIC_FIELD)
        return f"{label}: {name}" if name else label
    return catalog.plottable_label(widget.field)


def widget_title(widget: Widget, answer: WidgetData | None = None) -> str:
    return widget.name or plotted_words(widget, answer)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _is_metric(widget: Widget) -> bool:
    return widget.field == METRIC_FIELD


def counted_words(widget: Widget) -> str:
    """What a sample is: a call, or (for a metric) one evaluation of it."""
    return "evaluations" if _is_metric(widget) else "calls"


def value_axis_title(widget: Widget, answer: WidgetData | None = None) -> str:
    """The bar's y axis: "Number of calls", "Average call duration (seconds)"."""
    aggregation = _aggregation(widget, answer)
    if aggregation == "count":
        return f"Number of {counted_words(widget)}"
    data_type = _data_type(widget, answer)
    what = _lower_first(plotted_words(widget, answer))
    if data_type == "boolean" and aggregation == "avg":
        return f"Share where {what} (0–1)"
    return f"{_AGGREGATION_WORDS.get(aggregation, aggregation)} {what}"


def _aggregation(widget: Widget, answer: WidgetData | None) -> str:
    return (
        (answer.aggregation_function if answer else None) or widget.aggregation_function or "count"
    )


def _data_type(widget: Widget, answer: WidgetData | None) -> str:
    given = (answer.metadata.data_type if answer else None) or widget.data_type
    return given or catalog.plottable_data_type(widget.field) or "string"


def group_field(widget: Widget) -> str | None:
    """The field a bar or line is split by (`group_by.type == "field"`), or None."""
    group_by = widget.group_by
    if isinstance(group_by, dict) and group_by.get("type") == "field":
        name = group_by.get("field")
        return name if isinstance(name, str) and name else None
    return None


def bucket_ms(widget: Widget) -> int | None:
    """The bucket width in ms of a `group_by` of type bucket, or None."""
    group_by = widget.group_by
    if isinstance(group_by, dict) and group_by.get("type") == "bucket":
        interval = group_by.get("interval")
        if isinstance(interval, int) and not isinstance(interval, bool) and interval > 0:
            return interval
    return None


def value_words(
    value: Any, field: str, names: Mapping[Any, str] | None = None, data_type: str = ""
) -> str:
    """A group value or pie label as a person reads it: agent names, Yes/No, (empty)."""
    if value is None or value == "":
        return EMPTY_VALUE
    if names and value in names:
        return names[value]
    if names and isinstance(value, str) and value.isdigit() and int(value) in names:
        return names[int(value)]
    kind = data_type or (catalog.plottable_data_type(field) or "")
    spec = catalog.field_spec(field)
    if kind == "boolean" or (spec is not None and spec.kind == "boolean"):
        if value in (True, 1, "true"):
            return "Yes"
        if value in (False, 0, "false"):
            return "No"
    if field in ("agent.id", "agent_id"):
        return f"Agent {value}"
    return str(value)


# --- numbers --------------------------------------------------------------------------------
def format_count(n: int | float) -> str:
    """12345 -> "12,345"."""
    return f"{round(n):,}"


def format_duration(seconds: float | None) -> str:
    """41 -> "41 s", 192 -> "3 min 12 s", 3720 -> "1 h 2 min", 4.25 -> "4.3 s"."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    if seconds < 10 and not float(seconds).is_integer():
        return f"{seconds:.1f} s"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def format_percent(value: float | None) -> str:
    """87.24 -> "87.2 %" (a value already in percent)."""
    if value is None:
        return "unknown"
    return f"{value:.1f} %"


def format_stat(stat: StatData) -> str:
    """ "12,345 calls · 87.2 % success · avg 3 min 12 s · p95 41 s"."""
    calls = f"{format_count(stat.total_calls)} call{'' if stat.total_calls == 1 else 's'}"
    parts = [calls]
    parts.append(
        f"{format_percent(stat.success_rate)} success"
        if stat.success_rate is not None
        else "success unknown"
    )
    parts.append(f"avg {format_duration(stat.avg_duration)}")
    parts.append(f"p95 {format_duration(stat.p95_latency)}")
    return " · ".join(parts)


# --- the charts -------------------------------------------------------------------------------
def _selection() -> Any:
    return alt.selection_point(name=POINT_SELECTION, fields=[POINT_INDEX], on="click")


def _raw(answer: WidgetData) -> list[dict[str, Any]]:
    return answer.data if isinstance(answer.data, list) else []


def _frame(points: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame([dict(p) for p in points])
    frame[POINT_INDEX] = range(len(points))
    return frame


def _time_unit(widget: Widget, answer: WidgetData | None) -> Any:
    interval = bucket_ms(widget)
    if interval is not None:
        if interval >= 86_400_000:
            return "utcyearmonthdate"
        return "utcyearmonthdatehours" if interval >= 3_600_000 else "utcyearmonthdatehoursminutes"
    period = (answer.time_period if answer else None) or widget.time_period or "day"
    return _TIME_UNITS.get(period)


def _period_title(widget: Widget, answer: WidgetData | None) -> str:
    if bucket_ms(widget) is not None:
        return "Time bucket (UTC)"
    period = (answer.time_period if answer else None) or widget.time_period or "day"
    return f"{_PERIOD_WORDS.get(period, 'Time')} (UTC)"


def _group_column(
    frame: pd.DataFrame,
    points: Sequence[Mapping[str, Any]],
    widget: Widget,
    names: Mapping[Any, str] | None,
) -> str | None:
    field = group_field(widget)
    if field is None or "group" not in frame:
        return None
    # From the raw points: pandas would have turned a missing group into NaN.
    frame["group_words"] = [value_words(p.get("group"), field, names) for p in points]
    return field


def line_chart(widget: Widget, answer: WidgetData, names: Mapping[Any, str] | None = None) -> Any:
    """One point per call over time (one per bucket with a bucket group_by)."""
    frame = _frame(_raw(answer))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    what = plotted_words(widget, answer)
    by = _group_column(frame, _raw(answer), widget, names)
    x = alt.X("timestamp:T", title="Call time (UTC)", axis=alt.Axis(format="%d %b %H:%M"))
    y = alt.Y("value:Q", title=what)
    tooltip: list[Any] = [
        alt.Tooltip("timestamp:T", title="Call time (UTC)", format="%d %b %Y %H:%M:%S"),
        alt.Tooltip("value:Q", title=what),
    ]
    if "sample_count" in frame:
        tooltip.append(alt.Tooltip("sample_count:Q", title=f"Number of {counted_words(widget)}"))
    else:
        tooltip.append(alt.Tooltip("id:Q", title="Call ID"))
    encodings: dict[str, Any] = {"x": x, "y": y}
    if by is not None:
        encodings["color"] = alt.Color("group_words:N", title=field_words(by))
        tooltip.append(alt.Tooltip("group_words:N", title=field_words(by)))
    base = alt.Chart(frame).encode(**encodings)
    line = base.mark_line()
    # The line itself cannot be clicked per call: the points are marks of their own.
    points = base.mark_point(filled=True, size=40).encode(tooltip=tooltip).add_params(_selection())
    return alt.layer(line, points, title=widget_title(widget, answer))


def bar_chart(
    widget: Widget, answer: WidgetData, names: Mapping[Any, str] | None = None
) -> alt.Chart:
    """A bar per time bucket; the aggregation in the y title, a group_by as colour."""
    frame = _frame(_raw(answer))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    y_title = value_axis_title(widget, answer)
    x_title = _period_title(widget, answer)
    by = _group_column(frame, _raw(answer), widget, names)
    unit = _time_unit(widget, answer)
    x = (
        alt.X("time_interval:T", title=x_title, timeUnit=unit)
        if unit
        else alt.X("time_interval:T", title=x_title)
    )
    tooltip: list[Any] = [
        alt.Tooltip("time_interval:T", title=x_title, format="%d %b %Y %H:%M"),
        alt.Tooltip("value:Q", title=y_title, format=",.4~f"),
        alt.Tooltip("sample_count:Q", title=f"Number of {counted_words(widget)}", format=","),
    ]
    encodings: dict[str, Any] = {"x": x, "y": alt.Y("value:Q", title=y_title)}
    if by is not None:
        encodings["color"] = alt.Color("group_words:N", title=field_words(by))
        tooltip.append(alt.Tooltip("group_words:N", title=field_words(by)))
        if _aggregation(widget, answer) not in _ADDITIVE:
            # Averages and percentiles do not add up: bars side by side, not stacked.
            encodings["xOffset"] = alt.XOffset("group_words:N")
    return (
        alt.Chart(frame, title=widget_title(widget, answer))
        .mark_bar()
        .encode(tooltip=tooltip, **encodings)
        .add_params(_selection())
    )


def pie_chart(
    widget: Widget, answer: WidgetData, names: Mapping[Any, str] | None = None
) -> alt.Chart:
    """A slice per distinct value; percentages in the legend and the tooltips."""
    frame = _frame(_raw(answer))
    what = plotted_words(widget, answer)
    data_type = _data_type(widget, answer)
    field = "agent.id" if widget.field == "agent_id" else widget.field
    frame["label_words"] = [value_words(v, field, names, data_type) for v in frame["label"]]
    frame["slice"] = [
        f"{words} ({p:.1f} %)"
        for words, p in zip(frame["label_words"], frame["percentage"], strict=True)
    ]
    return (
        alt.Chart(frame, title=widget_title(widget, answer))
        .mark_arc()
        .encode(
            theta=alt.Theta("value:Q", stack=True),
            color=alt.Color("slice:N", title=what, sort=None),
            order=alt.Order(POINT_INDEX, sort="ascending"),
            tooltip=[
                alt.Tooltip("label_words:N", title=what),
                alt.Tooltip("value:Q", title=f"Number of {counted_words(widget)}", format=","),
                alt.Tooltip("percentage:Q", title="Share (%)", format=".1f"),
            ],
        )
        .add_params(_selection())
    )


def build_view(
    widget: Widget, answer: WidgetData, names: Mapping[Any, str] | None = None
) -> WidgetView:
    """The chart (or text) for a widget's data. `names` maps group values and labels to
    words (agent id -> agent name)."""
    title = widget_title(widget, answer)
    chart_type = answer.chart_type or widget.chart_type
    if chart_type == "stat":
        stat = answer.stat()
        text = NO_CALLS if stat.total_calls == 0 else format_stat(stat)
        return WidgetView(title, None, text)
    raw = _raw(answer)
    if not raw:
        return WidgetView(title, None, NO_CALLS)
    builders = {"line": line_chart, "bar": bar_chart, "pie": pie_chart}
    if chart_type not in builders:
        return WidgetView(title, None, f"This admin cannot draw a {chart_type!r} chart.")
    chart = builders[chart_type](widget, answer, names)
    return WidgetView(title, chart, None, tuple(raw))


def selected_points(view: WidgetView, event: Any) -> list[Mapping[str, Any]]:
    """The raw data items a Streamlit selection event picked (`event.selection.point`
    or the dict form), in click order; [] for none or for an index out of range."""
    selection = (
        event.get("selection", {})
        if isinstance(event, Mapping)
        else getattr(event, "selection", {})
    )
    chosen = selection.get(POINT_SELECTION, []) if isinstance(selection, Mapping) else []
    found = []
    for item in chosen or []:
        index = item.get(POINT_INDEX) if isinstance(item, Mapping) else None
        if isinstance(index, int | float) and 0 <= int(index) < len(view.data):
            found.append(view.data[int(index)])
    return found


# --- before and after -------------------------------------------------------------------------
def headline(widget: Widget, answer: WidgetData) -> tuple[int, str]:
    """The one number that says how much a widget shows, and what it counts: a stat's
    total calls, a bar's or a bucketed line's samples, a pie's total, a line's points."""
    chart_type = answer.chart_type or widget.chart_type
    what = counted_words(widget)
    if chart_type == "stat":
        return answer.stat().total_calls, "calls"
    raw = _raw(answer)
    if chart_type == "bar" or (chart_type == "line" and bucket_ms(widget) is not None):
        return sum(int(p.get("sample_count") or 0) for p in raw), what
    if chart_type == "pie":
        return sum(int(p.get("value") or 0) for p in raw), what
    return len(raw), f"{what} plotted"


def format_change(before: float, after: float) -> str:
    """ "(−79 %)", "(+12 %)", "(+0.4 %)", "(no change)", "(none before)"."""
    if before == after:
        return "(no change)"
    if before == 0:
        return "(none before)"
    change = 100 * (after - before) / before
    text = f"{abs(change):.1f}" if abs(change) < 1 else f"{abs(round(change))}"
    sign = "−" if change < 0 else "+"
    return f"({sign}{text} %)"


def widget_delta(widget: Widget, before: WidgetData, after: WidgetData) -> str:
    """ "calls: 5,234 → 1,120 (−79 %)": the headline number before and after a change."""
    old, what = headline(widget, before)
    new, _ = headline(widget, after)
    return f"{what}: {format_count(old)} → {format_count(new)} {format_change(old, new)}"
