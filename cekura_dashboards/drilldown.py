"""From a point on a chart to the filter of the calls behind it (RULES.md, "From a point
to its calls"), for the call-logs list's `filters_v2`.

- bar bucket: `timestamp gte <time_interval>` AND `timestamp lt <time_interval + period>`
  (hour, day, week, calendar month; a bucket group_by's interval instead), plus the
  group's value (`field eq value`, `isnull true` for a missing one), plus `isnull false`
  on the plotted field when it takes `isnull` (a bar counts only calls with a value);
- pie slice: `field eq label` (`isnull true` for an empty label), the label typed back
  to what the field holds (`"true"` -> true, `"7"` -> 7);
- line point: `id eq <call id>` (a bucketed line point is a bucket, like a bar);
- a metric widget's value condition sits in a `same_row` group with
  `metric_evaluations.metric.id eq <metric>`, so both hold on one evaluation.

The point's conditions are ANDed with the widget's effective filter (dashboard AND
widget, or the draft's) at its top level.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cekura_dashboards import catalog
from cekura_dashboards.charts import METRIC_FIELD, bucket_ms, group_field
from cekura_dashboards.filter_tree import Condition, Group, Node, filter_to_json, parse_filter
from cekura_dashboards.models import Widget
from cekura_dashboards.relative_dates import (
    TIMESTAMP_FIELD,
    format_moment,
    oldest_allowed_start,
    parse_absolute,
    resolve_window,
)

METRIC_ID_FIELD = "metric_evaluations.metric.id"
MAX_WINDOW_DAYS = catalog.MAX_WIDGET_DATA_DAYS
_PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
# Plotted fields whose filter field has another name.
_FILTER_FIELDS = {"agent_id": "agent.id"}


class DrilldownError(ValueError):
    """This point cannot be turned into a filter (the message says why)."""


def filter_field(name: str) -> str:
    """The filter field for a plotted or grouped field (`agent_id` -> `agent.id`)."""
    return _FILTER_FIELDS.get(name, name)


def _iso(moment: datetime) -> str:
    if moment.microsecond:
        return moment.isoformat().replace("+00:00", "Z")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def bucket_window(widget: Widget, start: Any) -> tuple[datetime, datetime]:
    """The bucket `[start, end)` a bar (or bucketed line) point stands for."""
    begin = parse_absolute(start if isinstance(start, str) else _text(start))
    if begin is None:
        raise DrilldownError(f"The bucket start {start!r} is not a date and time.")
    interval = bucket_ms(widget)
    if interval is not None:
        return begin, begin + timedelta(milliseconds=interval)
    period = widget.time_period or "day"
    if period == "month":
        return begin, _next_month(begin)
    if period not in _PERIODS:
        raise DrilldownError(f"Unknown time period {period!r}; use hour, day, week or month.")
    return begin, begin + _PERIODS[period]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return _iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    return str(value)


def _typed(field: str, value: Any, data_type: str | None) -> Any:
    """A label or group value as the filter field holds it."""
    spec = catalog.field_spec(field)
    kind: str = spec.kind if spec is not None else "string"
    if kind == "dynamic":
        kind = {"boolean": "boolean", "numeric": "number"}.get(data_type or "", "string")
    if kind == "boolean":
        if value in (True, 1, "true", "True"):
            return True
        if value in (False, 0, "false", "False"):
            return False
    if kind in ("integer", "number") and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and kind == "integer" else number
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _value_condition(field: str, value: Any, data_type: str | None) -> Condition:
    """`field eq value`, or `field isnull true` for no value."""
    if value is None or value == "":
        spec = catalog.field_spec(field)
        if spec is not None and "isnull" not in spec.ops:
            raise DrilldownError(
                f"{spec.label} cannot be filtered for an empty value, so the calls of this "
                "point cannot be listed."
            )
        return Condition(field, "isnull", True)
    return Condition(field, "eq", _typed(field, value, data_type))


def _takes_isnull(field: str) -> bool:
    spec = catalog.field_spec(field)
    return spec is not None and "isnull" in spec.ops


def _plotted(widget: Widget, value: Condition | None) -> list[Node]:
    """The condition(s) on the plotted field: in a same_row group for a metric."""
    if widget.field == METRIC_FIELD:
        if widget.metric is None:
            raise DrilldownError("This metric widget has no metric, so its calls are unknown.")
        has_value = value or Condition(METRIC_FIELD, "isnull", False)
        return [Group("same_row", (Condition(METRIC_ID_FIELD, "eq", widget.metric), has_value))]
    return [value] if value is not None else []


def point_conditions(
    widget: Widget, point: Mapping[str, Any], *, data_type: str | None = None
) -> list[Node]:
    """The conditions a point adds to the widget's filter. `data_type` is the answer's
    `metadata.data_type` (how a metric's pie labels read back)."""
    chart_type = widget.chart_type
    data_type = data_type or widget.data_type
    if chart_type == "stat":
        return []
    if chart_type == "pie":
        field = filter_field(widget.field)
        return _plotted(widget, _value_condition(field, point.get("label"), data_type))
    if chart_type == "line" and point.get("id") is not None:
        return [Condition("id", "eq", point["id"])]
    if chart_type not in ("bar", "line"):
        raise DrilldownError(f"A {chart_type!r} chart has no points to open.")
    start_key = "time_interval" if chart_type == "bar" else "timestamp"
    begin, end = bucket_window(widget, point.get(start_key))
    found: list[Node] = [
        Condition(TIMESTAMP_FIELD, "gte", _iso(begin)),
        Condition(TIMESTAMP_FIELD, "lt", _iso(end)),
    ]
    grouped = group_field(widget)
    group_value = None
    if grouped is not None:
        group_value = point.get("group")
        found.append(_value_condition(filter_field(grouped), group_value, None))
    plotted = filter_field(widget.field)
    if widget.field == METRIC_FIELD:
        found.extend(_plotted(widget, None))
    elif plotted and _takes_isnull(plotted):
        # A group value on the plotted field itself already says it has a value.
        implied = (
            grouped is not None and filter_field(grouped) == plotted and group_value is not None
        )
        if not implied:
            found.append(Condition(plotted, "isnull", False))
    return found


def drilldown_tree(
    widget: Widget,
    point: Mapping[str, Any],
    effective_filters: Mapping[str, Any] | Node | None,
    *,
    data_type: str | None = None,
) -> Node | None:
    """The tree for the calls behind `point`: the effective filter AND the point's
    conditions (appended to the effective filter's root `and` group when it is one)."""
    effective = (
        effective_filters
        if isinstance(effective_filters, Condition | Group) or effective_filters is None
        else parse_filter(dict(effective_filters))
    )
    extra = point_conditions(widget, point, data_type=data_type)
    if not extra:
        return effective
    if effective is None:
        return Group("and", tuple(extra))
    if isinstance(effective, Group) and effective.operator == "and":
        return Group("and", (*effective.conditions, *extra), key_order=effective.key_order)
    return Group("and", (effective, *extra))


def drilldown_filter(
    widget: Widget,
    point: Mapping[str, Any],
    effective_filters: Mapping[str, Any] | Node | None,
    *,
    data_type: str | None = None,
) -> dict[str, Any] | None:
    """drilldown_tree as filter JSON, ready for `filters_v2`."""
    return filter_to_json(drilldown_tree(widget, point, effective_filters, data_type=data_type))


def window_problem(tree: Node | None, now: datetime | None = None) -> str | None:
    """Why the call-logs list would refuse this filter's window (more than 30 days, or a
    start more than 30 days back), in words; None when it is fine. No start means the
    API's default (the last 30 days)."""
    moment = now or datetime.now(UTC)
    window = resolve_window(tree, moment)
    if window is None or window[0] is None:
        return None
    start = window[0]
    end = window[1] if window[1] is not None and window[1] < moment else moment
    if start < oldest_allowed_start(moment):
        return (
            f"The calls start {format_moment(start)} UTC, more than {MAX_WINDOW_DAYS} days "
            "ago; the call logs go back 30 days at most. Choose a later start."
        )
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        return (
            f"The window from {format_moment(start)} to {format_moment(end)} UTC is longer "
            f"than {MAX_WINDOW_DAYS} days; narrow it to at most {MAX_WINDOW_DAYS} days."
        )
    return None
