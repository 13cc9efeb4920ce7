"""Typed shapes of what the Cekura API returns (pydantic 2).

Every model keeps keys it does not know (`extra="allow"`), so a dump sends back what the
server gave. Filters stay raw JSON (`dict | None`); `filters.parse_filter` makes a tree.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

JsonDict = dict[str, Any]
Scalar = int | float | bool | str | None

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Page(ApiModel, Generic[T]):
    """One page of a DRF list: `count`, `next`, `previous`, `results`."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[T]


# --- dashboards and widgets ---------------------------------------------------------------


class Widget(ApiModel):
    id: int
    dashboard: int | None = None
    name: str | None = None
    filters: JsonDict | None = None
    effective_filters: JsonDict | None = None
    chart_type: str
    data_type: str | None = None
    field: str = ""
    metric: int | None = None
    metric_name: str | None = None
    time_period: str | None = None
    aggregation_function: str | None = None
    group_by: Any = None
    metadata: Any = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DashboardSummary(ApiModel):
    """A dashboard as the list endpoint returns it (no widgets)."""

    id: int
    name: str | None = None
    project: int | None = None
    filters: JsonDict | None = None
    widget_count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# The dashboard fields a client writes: what a save diffs (patch.patch_body) and what the
# stale-write check compares besides updated_at (client.dashboard_changed).
DASHBOARD_WRITABLE: tuple[str, ...] = ("name", "project", "filters")


class Dashboard(DashboardSummary):
    """A dashboard as retrieve/create/update return it, widgets included."""

    widgets: list[Widget] = Field(default_factory=list)


class BulkWidgetsResult(ApiModel):
    created: list[Widget] = Field(default_factory=list)
    updated: list[Widget] = Field(default_factory=list)
    deleted: list[int] = Field(default_factory=list)
    errors: list[JsonDict] = Field(default_factory=list)


# --- widget data --------------------------------------------------------------------------


class LinePoint(ApiModel):
    """One call on a line chart."""

    id: int
    timestamp: datetime
    value: Scalar = None


class BarPoint(ApiModel):
    """One time bucket on a bar chart."""

    time_interval: datetime
    value: int | float | None = None
    sample_count: int = 0


class PieSlice(ApiModel):
    """One distinct value on a pie chart."""

    label: Scalar = None
    value: int | float
    percentage: float


class StatData(ApiModel):
    """The figures of a `stat` widget."""

    total_calls: int = 0
    success_rate: float | None = None
    avg_duration: float | None = None
    p95_latency: float | None = None


class WidgetDataMetadata(ApiModel):
    display_name: str | None = None
    data_type: str | None = None
    filter_value: Any = None


_POINTS_BY_CHART: dict[str, TypeAdapter[Any]] = {
    "line": TypeAdapter(list[LinePoint]),
    "bar": TypeAdapter(list[BarPoint]),
    "pie": TypeAdapter(list[PieSlice]),
}


def _stat_figures(data: list[JsonDict] | JsonDict) -> StatData:
    # The guide shows `data` as one object; the schema types `data` as an array, and a
    # server may answer a one-item list. Both mean the same figures.
    if isinstance(data, list) and len(data) == 1:
        return StatData.model_validate(data[0])
    return StatData.model_validate(data)


class WidgetData(ApiModel):
    """Computed chart data of one widget. `data` stays raw JSON; `points` is typed by
    `chart_type` (checked on parse, so a body of the wrong shape is refused early)."""

    widget_id: int | None = None
    field_name: str | None = None
    chart_type: str
    data: list[JsonDict] | JsonDict
    aggregation_function: str | None = None
    time_period: str | None = None
    group_by: Any = None
    can_group_by: bool = False
    metadata: WidgetDataMetadata = Field(default_factory=WidgetDataMetadata)

    @model_validator(mode="after")
    def _data_matches_chart_type(self) -> WidgetData:
        self.points  # noqa: B018 - validates the shape
        return self

    @property
    def points(self) -> list[LinePoint] | list[BarPoint] | list[PieSlice] | StatData | None:
        """Typed data: line/bar/pie points, the stat figures, or None for other charts."""
        if self.chart_type == "stat":
            return _stat_figures(self.data)
        adapter = _POINTS_BY_CHART.get(self.chart_type)
        return None if adapter is None else adapter.validate_python(self.data)

    def line_points(self) -> list[LinePoint]:
        return TypeAdapter(list[LinePoint]).validate_python(self.data)

    def bar_points(self) -> list[BarPoint]:
        return TypeAdapter(list[BarPoint]).validate_python(self.data)

    def pie_slices(self) -> list[PieSlice]:
        return TypeAdapter(list[PieSlice]).validate_python(self.data)

    def stat(self) -> StatData:
        return _stat_figures(self.data)


# --- pickers ------------------------------------------------------------------------------


class Project(ApiModel):
    id: int
    name: str
    description: str | None = None


class Metric(ApiModel):
    id: int
    name: str
    eval_type: str
    project: int | None = None
    description: str | None = None
    enum_values: Any = None


class Agent(ApiModel):
    id: int
    agent_name: str
    project: int | None = None
    description: str | None = None


_MM_SS = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


class CallLog(ApiModel):
    id: int
    timestamp: datetime | None = None
    # The public schema says "MM:SS" text; some servers send seconds. Both are kept as sent.
    duration: float | str | None = None
    success: bool | None = None
    is_reviewed: bool | None = None
    call_ended_reason: str | None = None
    customer_number: str | None = None
    agent: int | None = None
    agent_name: str | None = None
    topic: str | None = None
    dropoff_point: str | None = None
    metadata: Any = None

    @property
    def duration_seconds(self) -> float | None:
        """The duration in seconds, whichever form the server used."""
        if self.duration is None or isinstance(self.duration, int | float):
            return None if self.duration is None else float(self.duration)
        text = self.duration.strip()
        match = _MM_SS.match(text)
        if match:
            parts = [int(p) for p in match.groups() if p is not None]
            seconds = 0
            for part in parts:
                seconds = seconds * 60 + part
            return float(seconds)
        try:
            return float(text)
        except ValueError:
            return None


__all__ = [
    "DASHBOARD_WRITABLE",
    "Agent",
    "ApiModel",
    "BarPoint",
    "BulkWidgetsResult",
    "CallLog",
    "Dashboard",
    "DashboardSummary",
    "LinePoint",
    "Metric",
    "Page",
    "PieSlice",
    "Project",
    "StatData",
    "Widget",
    "WidgetData",
    "WidgetDataMetadata",
]
