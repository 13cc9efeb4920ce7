"""From a clicked point to what its calls panel needs: the filter (the widget's effective
filter AND the point's conditions, cekura_dashboards/drilldown.py) and, before anything
is asked of the API, why it cannot be asked (a window the call logs refuse, a point that
is no filter)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cekura_dashboards.drilldown import DrilldownError, drilldown_tree, window_problem
from cekura_dashboards.filter_tree import FilterParseError, filter_to_json
from cekura_dashboards.models import Widget


@dataclass(frozen=True)
class PointCalls:
    """The calls behind one point: `filters` to list them, or `reason` why not."""

    widget: Widget
    point: Mapping[str, Any]
    project_id: int | None
    filters: dict[str, Any] | None = None
    reason: str | None = None


def point_calls(
    widget: Widget,
    point: Mapping[str, Any],
    effective_filter_json: Mapping[str, Any] | None,
    project_id: int | None,
    *,
    data_type: str | None = None,
) -> PointCalls:
    """The filter of the calls behind `point`, checked against the 30-day window first."""
    try:
        tree = drilldown_tree(widget, point, effective_filter_json, data_type=data_type)
    except (DrilldownError, FilterParseError) as err:
        return PointCalls(widget, point, project_id, reason=str(err))
    problem = window_problem(tree)
    if problem is not None:
        return PointCalls(widget, point, project_id, reason=problem)
    return PointCalls(widget, point, project_id, filters=filter_to_json(tree))
