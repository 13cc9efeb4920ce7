"""What a widget editor may offer, step by step, from the catalog's combination table.

The editor asks in Cekura's order: name; what to plot (a call field, a metric, or the call
summary); chart type; for `bar` a time period and an aggregation; an optional group by;
an optional widget filter. `Choices` holds the answers so far. For each step the
`*_options` functions say what is valid given the earlier answers; `reconcile` keeps later
answers that are still valid and resets the others, with the words that say so;
`widget_problems` says what is still missing; `combination_problems` what does not go
together (nothing the editor offers ever has one). The bodies the API is sent are built
here too: `create_body`, `update_body` (only the changed keys) and `preview_body`.

Widget `metadata` belongs to Cekura's front end: it is never part of a body built here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cekura_dashboards import catalog
from cekura_dashboards.json_equality import same_json

SUMMARY = "stat"
# The widget keys this app writes. `metadata` (grid position, size) is not one of them.
OWNED_KEYS: tuple[str, ...] = (
    "name",
    "chart_type",
    "data_type",
    "field",
    "metric",
    "time_period",
    "aggregation_function",
    "group_by",
    "filters",
)

CHART_WORDS: dict[str, str] = {
    "line": "line",
    "bar": "bar",
    "pie": "pie",
    "stat": "summary numbers",
}
AGGREGATION_WORDS: dict[str, str] = {
    "count": "count",
    "sum": "total",
    "avg": "average",
    "min": "minimum",
    "max": "maximum",
    "p50": "median",
    "p95": "95th percentile",
    "p99": "99th percentile",
}
PERIOD_WORDS: dict[str, str] = {"hour": "hour", "day": "day", "week": "week", "month": "month"}
# Time buckets a line or bar chart can be grouped into, in milliseconds.
BUCKET_INTERVALS: dict[int, str] = {
    900_000: "15 minutes",
    3_600_000: "1 hour",
    21_600_000: "6 hours",
    86_400_000: "1 day",
}
EVAL_TYPE_WORDS: dict[str, str] = {
    "binary": "yes/no",
    "numeric": "number",
    "continuous_qualitative": "score",
    "enum": "one of a list",
}


@dataclass(frozen=True)
class Choices:
    """The answers of the widget editor so far (None: not answered).

    `field` is the widget field (`agent_id`, `metadata.plan`, or
    `metric_evaluations.value` with `metric` and its `eval_type`). A `stat` widget hides
    the field: it stays here (changing the chart back brings it back) but is not sent.
    `data_type` is kept from a saved widget until the field changes (then inferred)."""

    name: str = ""
    field: str | None = None
    metric: int | None = None
    eval_type: str | None = None
    chart_type: str | None = None
    time_period: str | None = None
    aggregation: str | None = None
    group_by: Mapping[str, Any] | None = None
    filters: Mapping[str, Any] | None = None
    data_type: str | None = None


# --- what each step may offer ----------------------------------------------------------


def is_metric(choices: Choices) -> bool:
    return choices.field == catalog.METRIC_VALUE_FIELD


def plots_field(choices: Choices) -> bool:
    """Whether the widget plots a field (every chart but `stat`)."""
    return choices.chart_type != SUMMARY


def data_type_of(choices: Choices) -> str | None:
    """The data type the plotted value has: a metric's from its evaluation type."""
    if choices.field is None:
        return None
    if is_metric(choices):
        if choices.eval_type not in catalog.METRIC_PLOTS:
            return None
        return catalog.METRIC_PLOTS[choices.eval_type][0]
    return catalog.plottable_data_type(choices.field)


def field_options() -> tuple[str, ...]:
    """The call fields a widget can plot (a metric and `metadata.<key>` come besides)."""
    return tuple(name for name in catalog.PLOTTABLE_FIELDS if name != catalog.METRIC_VALUE_FIELD)


def metric_options(metrics: list[Any]) -> tuple[int, ...]:
    """Ids of the metrics whose evaluation type the catalog can plot."""
    return tuple(
        int(m.id) for m in metrics if getattr(m, "eval_type", None) in catalog.METRIC_PLOTS
    )


def chart_type_options(choices: Choices) -> tuple[str, ...]:
    """Chart types for what is plotted; `stat` (the call summary) always fits."""
    if choices.field is None:
        return catalog.CHART_TYPES
    if is_metric(choices):
        plot = catalog.METRIC_PLOTS.get(choices.eval_type or "")
        allowed: tuple[str, ...] = plot[1] if plot else ()
    else:
        data_type = data_type_of(choices)
        allowed = catalog.WIDGET_COMBINATIONS[data_type][0] if data_type else ()
    return tuple(c for c in catalog.CHART_TYPES if c in allowed or c == SUMMARY)


def time_period_options(choices: Choices) -> tuple[str, ...]:
    return catalog.TIME_PERIODS if choices.chart_type == "bar" else ()


def aggregation_options(choices: Choices) -> tuple[str, ...]:
    """Aggregations of the data type, narrowed by the chart (a pie only counts). None
    for a summary. Bar needs one; line uses one only for time buckets; pie may omit it."""
    chart = choices.chart_type
    data_type = data_type_of(choices)
    if chart is None or chart == SUMMARY or data_type is None:
        return ()
    by_type = catalog.WIDGET_COMBINATIONS.get(data_type, ((), ()))[1]
    by_chart = catalog.CHART_AGGREGATIONS.get(chart)
    return tuple(a for a in by_type if by_chart is None or a in by_chart)


def can_group(choices: Choices) -> bool:
    return choices.chart_type in catalog.GROUPABLE_CHARTS


def group_by_field_options() -> tuple[str, ...]:
    """Fields a line or bar chart can split by, by their filter names (`agent.id`)."""
    return tuple(
        spec.name
        for spec in catalog.FIELDS.values()
        if spec.groups_by and catalog.can_group_by(spec.name)
    )


def group_by_problem(group_by: Mapping[str, Any] | None) -> str | None:
    if group_by is None:
        return None
    kind = group_by.get("type")
    if kind == "field":
        field = group_by.get("field")
        if isinstance(field, str) and catalog.can_group_by(field):
            return None
        return f"Cannot group by {field!r}."
    if kind == "bucket":
        interval = group_by.get("interval")
        if isinstance(interval, int) and not isinstance(interval, bool) and interval >= 1000:
            return None
        return "A time bucket is a whole number of milliseconds, at least 1000."
    return "Group by is a field or time buckets."


# --- keeping later choices valid ----------------------------------------------------------


def reconcile(choices: Choices) -> tuple[Choices, list[str]]:
    """`choices` with every later answer kept while still valid after the earlier ones,
    and reset when not; plus one sentence per reset."""
    notes: list[str] = []
    c = choices
    what = plotted_words(c)

    if c.field is not None and c.field != catalog.METRIC_VALUE_FIELD and data_type_of(c) is None:
        notes.append(f"What to plot cleared: widgets cannot plot {c.field!r}.")
        c = replace(c, field=None, metric=None, eval_type=None)
    if not is_metric(c) and (c.metric is not None or c.eval_type is not None):
        c = replace(c, metric=None, eval_type=None)

    data_type = data_type_of(c)
    allowed_types = {data_type, "dynamic"} if is_metric(c) else {data_type}
    if c.data_type and c.data_type not in allowed_types:
        c = replace(c, data_type=data_type)  # the field changed: infer it again

    charts = chart_type_options(c)
    if c.chart_type is not None and c.chart_type not in charts:
        shown = ", ".join(x for x in charts if x != SUMMARY)
        notes.append(
            f"Chart type cleared: {what} can be shown as {shown} (or summary numbers), "
            f"not as {c.chart_type}."
        )
        c = replace(c, chart_type=None)

    if c.time_period is not None and c.time_period not in time_period_options(c):
        if c.chart_type is not None:
            notes.append("Time period cleared: only bar charts have one.")
        c = replace(c, time_period=None)

    aggregations = aggregation_options(c)
    if c.aggregation is not None and c.aggregation not in aggregations:
        if not aggregations:
            if c.chart_type is not None:
                notes.append(f"Aggregation cleared: {CHART_WORDS[c.chart_type]} has none.")
            c = replace(c, aggregation=None)
        else:
            reset_to = "count" if "count" in aggregations else None
            if c.chart_type == "pie":
                why = "pie charts only count"
            else:
                why = (
                    f"{what} values can only be counted"
                    if aggregations == ("count",)
                    else f"{what} takes {', '.join(AGGREGATION_WORDS[a] for a in aggregations)}"
                )
            notes.append(f"Aggregation reset to {reset_to or 'none'}: {why}.")
            c = replace(c, aggregation=reset_to)

    if c.group_by is not None and (not can_group(c) or group_by_problem(c.group_by)):
        if c.chart_type is not None:
            notes.append("Group by cleared: only line and bar charts can be grouped.")
        c = replace(c, group_by=None)
    return c, notes


def choose(choices: Choices, **answers: Any) -> tuple[Choices, list[str]]:
    """Answer one step (or several) and reconcile the rest."""
    return reconcile(replace(choices, **answers))


# --- what is missing, what does not fit ---------------------------------------------------


def preview_problems(choices: Choices) -> list[str]:
    """What is missing before the widget can be drawn (the name is not needed)."""
    missing: list[str] = []
    if plots_field(choices):
        if choices.field is None:
            missing.append("Pick what to plot.")
        elif is_metric(choices) and (choices.metric is None or choices.eval_type is None):
            missing.append("Pick a metric.")
    if choices.chart_type is None:
        missing.append("Pick a chart type.")
    if choices.chart_type == "bar":
        if choices.time_period is None:
            missing.append("Pick a time period.")
        if choices.aggregation is None:
            missing.append("Pick an aggregation.")
    return missing + combination_problems(choices)


def widget_problems(choices: Choices) -> list[str]:
    """Everything that stops the widget from joining the draft."""
    missing = [] if choices.name.strip() else ["Give the widget a name."]
    if len(choices.name) > 255:
        missing.append("A widget name has at most 255 characters.")
    return missing + preview_problems(choices)


def combination_problems(choices: Choices) -> list[str]:
    """Answers that do not go together (the catalog forbids them; the API refuses them)."""
    problems: list[str] = []
    c = choices
    if c.chart_type is not None and c.chart_type not in catalog.CHART_TYPES:
        problems.append(f"Unknown chart type {c.chart_type!r}.")
        return problems
    if plots_field(c) and c.field is not None:
        if not is_metric(c) and data_type_of(c) is None:
            problems.append(f"Widgets cannot plot {c.field!r}.")
            return problems
        if is_metric(c) and c.eval_type is not None and c.eval_type not in catalog.METRIC_PLOTS:
            problems.append(f"A {c.eval_type} metric cannot be plotted.")
            return problems
        if c.chart_type is not None and c.chart_type not in chart_type_options(c):
            problems.append(f"{plotted_words(c)} cannot be shown as {c.chart_type}.")
        if c.aggregation is not None and c.aggregation not in aggregation_options(c):
            problems.append(f"{plotted_words(c)} cannot take {c.aggregation} as a {c.chart_type}.")
    if c.time_period is not None and c.time_period not in catalog.TIME_PERIODS:
        problems.append(f"Unknown time period {c.time_period!r}.")
    if c.group_by is not None:
        problem = group_by_problem(c.group_by)
        if problem:
            problems.append(problem)
        elif c.chart_type is not None and not can_group(c):
            problems.append(f"A {CHART_WORDS[c.chart_type]} widget cannot be grouped.")
    return problems


# --- bodies ---------------------------------------------------------------------------------


def widget_body(choices: Choices) -> dict[str, Any]:
    """Every key this app owns, as the API would store it."""
    c = choices
    stat = not plots_field(c)
    field = "" if stat or c.field is None else c.field
    metric = c.metric if field == catalog.METRIC_VALUE_FIELD else None
    data_type = None if stat else c.data_type
    return {
        "name": c.name,
        "chart_type": c.chart_type,
        "data_type": data_type,
        "field": field,
        "metric": metric,
        "time_period": c.time_period,
        "aggregation_function": c.aggregation,
        "group_by": dict(c.group_by) if c.group_by is not None else None,
        "filters": dict(c.filters) if c.filters else None,
    }


def create_body(choices: Choices) -> dict[str, Any]:
    """A `create` item: the owned keys with a value (the API's default for the rest).
    A new widget's data type is inferred from its field."""
    c = choices
    if plots_field(c) and c.data_type is None:
        c = replace(c, data_type=data_type_of(c))
    body = widget_body(c)
    return {k: v for k, v in body.items() if v is not None}


def update_body(saved: Any, choices: Choices) -> dict[str, Any]:
    """The owned keys whose value differs from the saved widget's (no `id`)."""
    before = saved_values(saved)
    after = widget_body(choices)
    return {k: v for k, v in after.items() if not same_json(v, before.get(k))}


def preview_body(choices: Choices, *, dashboard_id: int | None) -> dict[str, Any]:
    """The widget definition for preview_data: no name (a name does not change the data)."""
    body = create_body(choices)
    body.pop("name", None)
    if dashboard_id is not None:
        body["dashboard"] = int(dashboard_id)
    return body


def preview_key(body: Mapping[str, Any], dashboard_filters: Any) -> str:
    """One text per distinct preview request: the cache key of its answer."""
    return json.dumps([body, dashboard_filters], sort_keys=True, separators=(",", ":"))


# --- from a saved widget ----------------------------------------------------------------


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def saved_values(widget: Any) -> dict[str, Any]:
    """The owned keys of a saved widget (a model or its JSON); `{}` filters as null."""
    return {
        "name": _get(widget, "name"),
        "chart_type": _get(widget, "chart_type"),
        "data_type": _get(widget, "data_type"),
        "field": _get(widget, "field") or "",
        "metric": _get(widget, "metric"),
        "time_period": _get(widget, "time_period"),
        "aggregation_function": _get(widget, "aggregation_function"),
        "group_by": _get(widget, "group_by"),
        "filters": _get(widget, "filters") or None,
    }


def choices_from_widget(widget: Any, eval_types: Mapping[int, str] | None = None) -> Choices:
    """The editor's answers for a saved widget (or a create body); `eval_types` gives
    the metric's evaluation type. Values are taken as they are: opening a widget changes
    nothing, so an unchanged widget has an empty update body."""
    values = saved_values(widget)
    metric = values["metric"]
    field = values["field"] or None
    return Choices(
        name=str(values["name"] or ""),
        field=field,
        metric=metric,
        eval_type=(eval_types or {}).get(metric) if metric is not None else None,
        chart_type=values["chart_type"],
        time_period=values["time_period"] or None,
        aggregation=values["aggregation_function"] or None,
        group_by=values["group_by"] or None,
        filters=values["filters"],
        data_type=values["data_type"],
    )


# --- in words -------------------------------------------------------------------------------


def plotted_words(choices: Choices, metric_names: Mapping[int, str] | None = None) -> str:
    """What is plotted, as a sentence names it ("duration", "metric Accuracy")."""
    if choices.field is None:
        return "nothing yet"
    if is_metric(choices):
        name = (metric_names or {}).get(choices.metric or -1)
        return f"metric {name}" if name else f"metric #{choices.metric}"
    spec = catalog.widget_field_spec(choices.field)
    if spec is None:
        return choices.field
    return spec.noun or spec.label


def group_words(group_by: Mapping[str, Any] | None) -> str:
    if not group_by:
        return ""
    if group_by.get("type") == "field":
        field = str(group_by.get("field") or "")
        spec = catalog.widget_field_spec(field)
        return f"by {spec.noun or spec.label}" if spec is not None else f"by {field}"
    interval = group_by.get("interval")
    label = BUCKET_INTERVALS.get(interval) if isinstance(interval, int) else None
    return f"in buckets of {label or f'{interval} ms'}"


def describe(choices: Choices, metric_names: Mapping[int, str] | None = None) -> str:
    """The widget in a few words: "bar, count per day, by agent"."""
    c = choices
    if c.chart_type is None:
        return "no chart type yet"
    if not plots_field(c):
        return CHART_WORDS[SUMMARY]
    what = plotted_words(c, metric_names)
    parts = [CHART_WORDS.get(c.chart_type, c.chart_type)]
    if c.chart_type == "bar":
        # a count counts calls, whatever the field: "count per day"
        if c.aggregation in (None, "count"):
            measure = "count"
        else:
            measure = f"{AGGREGATION_WORDS.get(c.aggregation, c.aggregation)} {what}"
        if c.time_period:
            measure += f" per {PERIOD_WORDS.get(c.time_period, c.time_period)}"
        parts.append(measure)
    else:
        parts.append(f"of {what}")
    group = group_words(c.group_by)
    if group:
        parts.append(group)
    return ", ".join(parts)
