"""Request models (pydantic, strict types so `"3"` is not an id and `true` is not 1)
and the checks the schema cannot express: filters, widget combinations, group_by.

Routes validate a parsed JSON body with `parse(Model, body)`; every problem becomes a
DRF-shaped 400 through `FieldErrors`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, StringConstraints, ValidationError

from cekura_dashboards import catalog
from demo_api import filter_sql
from demo_api.errors import FieldErrors, field_errors_from_pydantic
from demo_api.widget_data import BUCKET_MS_RANGE

Name = Annotated[str, StringConstraints(strict=True, max_length=255)]
FieldName = Annotated[str, StringConstraints(strict=True, max_length=255)]
ChartType = Literal["line", "bar", "pie", "stat"]
DataType = Literal["numeric", "boolean", "string", "datetime", "dynamic", ""]
TimePeriod = Literal["hour", "day", "week", "month", ""]
Aggregation = Literal["count", "sum", "avg", "min", "max", "p50", "p95", "p99", ""]


class _Body(BaseModel):
    # DRF ignores keys it does not know (read-only ones like id, widgets, created_at too).
    model_config = ConfigDict(extra="ignore")


class DashboardIn(_Body):
    name: Name | None = None
    project: StrictInt | None = None
    filters: Any = None


class WidgetIn(_Body):
    dashboard: StrictInt | None = None
    name: Name | None = None
    filters: Any = None
    chart_type: ChartType | None = None
    data_type: DataType | None = None
    field: FieldName = ""
    metric: StrictInt | None = None
    time_period: TimePeriod | None = None
    aggregation_function: Aggregation | None = None
    group_by: Any = None
    metadata: Any = None


class DuplicateIn(_Body):
    name: Name | None = None


class BulkWidgetsIn(_Body):
    create: list[Any] = []  # each item is checked as a widget body on its own
    update: list[Any] = []
    delete: list[StrictInt] = []


class BulkDataIn(_Body):
    widget_ids: list[StrictInt]
    filters: Any = None


class FaultIn(_Body):
    method: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=10)]
    path: Annotated[str, StringConstraints(strict=True, pattern=r"^/")]
    kind: Literal["status", "delay", "reset", "reset_after_commit", "malformed", "html", "redirect"]
    times: StrictInt = 1
    status: StrictInt | None = None
    retry_after: float | None = None
    seconds: float | None = None
    location: str | None = None


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], body: Any) -> tuple[M, set[str]]:
    """Validate `body` against `model`; returns the model and the keys the client sent."""
    if not isinstance(body, dict):
        kind = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
            type(body), type(body).__name__
        )
        raise FieldErrors(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
        )
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        raise FieldErrors(field_errors_from_pydantic([dict(e) for e in exc.errors()])) from None
    return parsed, set(body) & set(model.model_fields)


# --- filters ----------------------------------------------------------------------


def filter_messages(filters: Any) -> list[str]:
    """Problems of a filter payload as `path: message` lines (empty when it is fine)."""
    if filters is None:
        return []
    if not isinstance(filters, dict):
        return ["Expected a filter object (a condition or a group) or null."]
    return filter_sql.flatten_problems(filter_sql.filter_problems(filters))


def check_filters(filters: Any, key: str = "filters") -> None:
    messages = filter_messages(filters)
    if messages:
        raise FieldErrors({key: messages})


# --- widgets ------------------------------------------------------------------------


def group_by_problem(group_by: Any) -> str | None:
    if group_by is None:
        return None
    if not isinstance(group_by, dict):
        return (
            'Expected null, {"type": "field", "field": ...} or {"type": "bucket", "interval": ...}.'
        )
    kind = group_by.get("type")
    if kind == "field":
        field = group_by.get("field")
        if not isinstance(field, str) or not catalog.can_group_by(field):
            return f"Cannot group by field {field!r}; try agent.id, topic or metadata.<key>."
        return None
    if kind == "bucket":
        interval = group_by.get("interval")
        low, high = BUCKET_MS_RANGE
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int)
            or not low <= interval <= high
        ):
            return f"A bucket interval is a whole number of milliseconds, at least {low}."
        return None
    return 'group_by "type" must be "field" or "bucket".'


def widget_problems(widget: dict[str, Any], metric_eval_type: str | None) -> dict[str, list[str]]:
    """Chart type, field, data type and aggregation that do not go together.

    `widget` is the merged widget (stored values overlaid with the request);
    `metric_eval_type` is the eval_type of its metric when it has an existing one.
    """
    errors: dict[str, list[str]] = {}
    chart_type = widget.get("chart_type")
    field = widget.get("field") or ""
    data_type = widget.get("data_type") or ""
    aggregation = widget.get("aggregation_function") or ""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    problem = group_by_problem(widget.get("group_by"))
    if problem:
        add("group_by", problem)
    elif widget.get("group_by") is not None and chart_type not in catalog.GROUPABLE_CHARTS:
        add(
            "group_by",
            f"A {chart_type} chart cannot be grouped; only {' and '.join(catalog.GROUPABLE_CHARTS)} can.",
        )
    if chart_type == "stat":
        if field and catalog.plottable_data_type(field) is None:
            add("field", f"Unknown field '{field}'.")
        return errors
    if not field:
        add("field", f"A {chart_type} chart needs a field to plot.")
        return errors
    field_type = catalog.plottable_data_type(field)
    if field_type is None:
        add(
            "field",
            f"Unknown field '{field}'. Plottable fields: {', '.join(catalog.PLOTTABLE_FIELDS)}, metadata.<key>.",
        )
        return errors
    if field == catalog.METRIC_VALUE_FIELD:
        if widget.get("metric") is None:
            add("metric", f"This field is required when field is {catalog.METRIC_VALUE_FIELD}.")
            return errors
        if metric_eval_type is None:
            return errors  # the metric id itself is reported as missing
        plot_type, charts = catalog.METRIC_PLOTS[metric_eval_type]
        allowed_data_types = {plot_type, "dynamic"}
    else:
        plot_type = field_type
        charts = catalog.WIDGET_COMBINATIONS[plot_type][0]
        allowed_data_types = {plot_type}
    if data_type and data_type not in allowed_data_types:
        add("data_type", f"Field '{field}' is {plot_type}, not {data_type}.")
    if chart_type not in charts:
        subject = (
            f"A {metric_eval_type} metric"
            if metric_eval_type
            else f"{plot_type.capitalize()} field '{field}'"
        )
        add("chart_type", f"{subject} can be shown as {', '.join(charts)}, not as {chart_type}.")
    aggregations = catalog.WIDGET_COMBINATIONS.get(plot_type, ((), ()))[1]
    by_chart = catalog.CHART_AGGREGATIONS.get(str(chart_type))
    if by_chart is not None:
        aggregations = tuple(a for a in aggregations if a in by_chart)
    if aggregation and aggregation not in aggregations:
        add(
            "aggregation_function",
            f"Aggregation '{aggregation}' does not apply to {plot_type} values in a {chart_type} chart; use one of {', '.join(aggregations)}.",
        )
    return errors
