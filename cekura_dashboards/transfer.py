"""Export and import of dashboards as one JSON file, and the dry run of an import.

The file: `{"format": "cekura-dashboards-export", "version": 1, "exported_at": ...,
"dashboards": [<dashboard as the API returns it, widgets included>, ...]}`. An import
creates new dashboards (new ids) from it; nothing in it is sent before the dry run has
checked every filter (`validate_filter`, the app's rules) and every widget (the
catalog's chart/data type/aggregation combinations).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cekura_dashboards import catalog
from cekura_dashboards.filter_tree import FilterParseError, parse_filter
from cekura_dashboards.filter_validation import validate_filter
from cekura_dashboards.models import Dashboard

FORMAT = "cekura-dashboards-export"
VERSION = 1
MAX_DASHBOARDS = 500
# widget keys the API computes or that belong to the old dashboard
_WIDGET_NOT_SENT = frozenset(
    {"id", "dashboard", "effective_filters", "metric_name", "created_at", "updated_at"}
)


class TransferError(ValueError):
    """The file is not an export this app can read; the message says what is wrong."""


def export_document(dashboards: Sequence[Dashboard], *, now: datetime | None = None) -> str:
    """The export file's text for these dashboards (with their widgets)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": (now or datetime.now(UTC)).isoformat(),
        "dashboards": [d.model_dump(mode="json") for d in dashboards],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_file_name(dashboards: Sequence[Dashboard], *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    if len(dashboards) == 1:
        return f"dashboard-{dashboards[0].id}-{stamp}.json"
    return f"dashboards-{len(dashboards)}-{stamp}.json"


def read_export(text: str | bytes) -> list[dict[str, Any]]:
    """The dashboards of an export file. Raises TransferError naming what is wrong."""
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TransferError(f"The file is not JSON: {err}.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError(
            f'This is not a dashboards export: it needs "format": "{FORMAT}" at the top.'
        )
    if document.get("version") != VERSION:
        raise TransferError(
            f"This export is version {document.get('version')!r}; this app reads version {VERSION}."
        )
    items = document.get("dashboards")
    if not isinstance(items, list) or not items:
        raise TransferError('The export has no dashboards (its "dashboards" list is empty).')
    if len(items) > MAX_DASHBOARDS:
        raise TransferError(
            f"The export has {len(items)} dashboards; import at most {MAX_DASHBOARDS} at once."
        )
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise TransferError(f"Dashboard {number} in the file is not an object.")
    return items


@dataclass
class ImportPlan:
    """One dashboard an import would create, and what stops it."""

    number: int  # its place in the file, from 1
    name: str
    project: int | None
    filters: dict[str, Any] | None
    widgets: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_import(
    items: Sequence[Mapping[str, Any]],
    *,
    projects: Mapping[int, str] | None = None,
    agents: Any = None,
    metrics: Any = None,
    metric_eval_types: Mapping[int, str] | None = None,
) -> list[ImportPlan]:
    """The dry run: what each dashboard of the file becomes, with every filter and widget
    checked. `projects`: the projects of the connection imported into (a project it
    lacks is dropped, and said so)."""
    plans = []
    for number, item in enumerate(items, start=1):
        name = str(item.get("name") or "")
        plan = ImportPlan(number, name, None, None, [])
        project = item.get("project")
        if project is not None and not isinstance(project, int):
            plan.errors.append(f"project must be a number, not {project!r}")
        elif project is not None and projects is not None and project not in projects:
            plan.notes.append(f"project #{project} does not exist here: imported with no project")
        else:
            plan.project = project
        raw_filters = item.get("filters") or None
        try:
            tree = parse_filter(raw_filters)
        except FilterParseError as err:
            plan.errors.append(f"filter: {err.message}")
        else:
            plan.filters = raw_filters
            for problem in validate_filter(tree, agents=agents, metrics=metrics):
                if problem.severity == "error":
                    where = f" at {problem.path}" if problem.path else ""
                    plan.errors.append(f"filter{where}: {problem.message}")
        for index, widget in enumerate(item.get("widgets") or [], start=1):
            if not isinstance(widget, dict):
                plan.errors.append(f"widget {index} is not an object")
                continue
            label = f"widget {index} ({widget.get('name') or widget.get('chart_type')})"
            for message in widget_problems(widget, metric_eval_types):
                plan.errors.append(f"{label}: {message}")
            plan.widgets.append(
                {k: v for k, v in widget.items() if k not in _WIDGET_NOT_SENT and v is not None}
            )
        plans.append(plan)
    return plans


def widget_problems(
    widget: Mapping[str, Any], metric_eval_types: Mapping[int, str] | None = None
) -> list[str]:
    """What does not go together in a widget, by the catalog's combinations."""
    chart = widget.get("chart_type")
    field_name = str(widget.get("field") or "")
    aggregation = widget.get("aggregation_function")
    if not isinstance(chart, str) or not chart:
        return ["it has no chart type"]
    problems: list[str] = []
    widget_filters = widget.get("filters")
    if widget_filters:
        try:
            for problem in validate_filter(parse_filter(widget_filters)):
                if problem.severity == "error":
                    problems.append(f"its filter: {problem.message}")
        except FilterParseError as err:
            problems.append(f"its filter: {err.message}")
    if chart == "stat":
        if field_name and catalog.plottable_data_type(field_name) is None:
            problems.append(f"unknown field '{field_name}'")
        return problems
    if not field_name:
        return [*problems, f"a {chart} chart needs a field to plot"]
    data_type = catalog.plottable_data_type(field_name)
    if data_type is None:
        return [*problems, f"unknown field '{field_name}'"]
    if field_name == catalog.METRIC_VALUE_FIELD:
        metric = widget.get("metric")
        if metric is None:
            return [*problems, "a metric's value needs a metric"]
        eval_type = (metric_eval_types or {}).get(metric)
        if eval_type is None:
            if metric_eval_types is not None:
                problems.append(f"metric #{metric} does not exist here")
            return problems
        data_type, charts = catalog.METRIC_PLOTS[eval_type]
    else:
        charts = catalog.WIDGET_COMBINATIONS[data_type][0]
    if chart not in charts:
        problems.append(f"a {data_type} field can be shown as {', '.join(charts)}, not {chart}")
    aggregations = catalog.WIDGET_COMBINATIONS.get(data_type, ((), ()))[1]
    if aggregation and aggregation not in aggregations:
        problems.append(
            f"aggregation '{aggregation}' does not apply to {data_type} values "
            f"(use {', '.join(aggregations)})"
        )
    return problems
