"""The editor benchmark's dashboard: a filter of `CONDITIONS` conditions nested `DEPTH`
groups deep, over every kind of field and value editor, and `WIDGETS` widgets of mixed
kinds, built from the demo API's own projects, agents and metrics."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import DemoAPI

CONDITIONS = 100
DEPTH = 4  # group levels, the root group counting as the first
WIDGETS = 200
UPPER_CONDITIONS = 2  # conditions of each group above the deepest level, besides 2 subgroups

Json = dict[str, Any]


def _results(payload: Any) -> list[Json]:
    return list(payload["results"] if isinstance(payload, dict) else payload)


def _condition_makers(
    agents: list[Json], metrics: list[Json]
) -> tuple[list[Callable[[int], Json]], list[Callable[[int], Json]], Json]:
    """(call, agent and metadata conditions; metric-evaluation conditions; which metric),
    each made from a running number so that no two conditions duplicate each other."""
    agent_ids = [a["id"] for a in agents]
    agent_names = [a["agent_name"] for a in agents]
    metric_ids = [m["id"] for m in metrics]
    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    absolute = later.replace(tzinfo=None).isoformat() + "Z"

    def pick(items: list[Any], i: int) -> Any:
        return items[i % len(items)]

    general: list[Callable[[int], Json]] = [
        lambda i: {"field": "duration", "op": "gte", "value": 30 + i},
        lambda i: {"field": "topic", "op": "contains", "value": f"billing {i}"},
        lambda i: {"field": "success", "op": "eq", "value": i % 2 == 0},
        lambda i: {"field": "agent.id", "op": "eq", "value": pick(agent_ids, i)},
        lambda i: {"field": "customer_number", "op": "startswith", "value": f"+1415{i}"},
        lambda i: {"field": "call_ended_reason", "op": "in", "value": ["hangup", f"r{i}"]},
        lambda i: {"field": "metadata.region", "op": "eq", "value": f"eu-{i}"},
        lambda i: {"field": "agent.agent_name", "op": "regex", "value": f"^{i}|Sched"},
        lambda i: {"field": "dropoff_point", "op": "isnull", "value": i % 2 == 1},
        lambda i: {"field": "is_reviewed", "op": "eq", "value": False},
        lambda i: {"field": "timestamp", "op": "lte", "value": "now"},
        lambda i: {"field": "topic", "op": "neq", "value": f"spam {i}"},
        lambda i: {
            "field": "agent.id",
            "op": "in",
            "value": agent_ids[: 2 + i % max(1, len(agent_ids) - 1)],
        },
        lambda i: {"field": "id", "op": "gt", "value": i},
        lambda i: {"field": "call_ended_reason", "op": "eq", "value": f"reason {i}"},
        lambda i: {"field": "metadata.channel", "op": "contains", "value": f"web{i}"},
        lambda i: {"field": "timestamp", "op": "lt", "value": absolute},
        lambda i: {"field": "agent.agent_name", "op": "eq", "value": pick(agent_names, i)},
        lambda i: {"field": "duration", "op": "lt", "value": 3600 + i},
        lambda i: {"field": "timestamp", "op": "gte", "value": f"now-{1 + i % 20}h"},
    ]
    metric: list[Callable[[int], Json]] = [
        lambda i: {"field": "metric_evaluations.value", "op": "gte", "value": round(0.01 * i, 2)},
        lambda i: {"field": "metric_evaluations.metric.name", "op": "contains", "value": f"c{i}"},
        lambda i: {"field": "metric_evaluations.value", "op": "neq", "value": f"bad {i}"},
    ]
    return (
        general,
        metric,
        {"field": "metric_evaluations.metric.id", "op": "eq", "value": metric_ids[0]},
    )


def build_filter(agents: list[Json], metrics: list[Json]) -> Json:
    """`CONDITIONS` conditions in groups `DEPTH` levels deep: each upper group holds
    `UPPER_CONDITIONS` conditions and two subgroups; the deepest groups share the rest.
    The root starts with "in the last 7 days" (widget data needs a time window), and the
    last deepest group is a same-row group of metric-evaluation conditions."""
    general, metric, which_metric = _condition_makers(agents, metrics)
    numbers = itertools.count()
    leaves = 2 ** (DEPTH - 1)
    upper_groups = leaves - 1
    leaf_total = CONDITIONS - UPPER_CONDITIONS * upper_groups
    leaf_sizes: Iterator[int] = iter(
        leaf_total // leaves + (1 if i < leaf_total % leaves else 0) for i in range(leaves)
    )
    general_cycle = itertools.cycle(general)
    metric_cycle = itertools.cycle(metric)

    def condition(makers: Iterator[Callable[[int], Json]]) -> Json:
        return next(makers)(next(numbers))

    def group(level: int, operator: str, last_leaf: bool) -> Json:
        if level == DEPTH:
            size = next(leaf_sizes)
            if last_leaf:
                # one metric per same-row group: two would contradict each other
                rest = [condition(metric_cycle) for _ in range(size - 1)]
                return {"operator": "same_row", "conditions": [which_metric, *rest]}
            return {
                "operator": operator,
                "conditions": [condition(general_cycle) for _ in range(size)],
            }
        own = [condition(general_cycle) for _ in range(UPPER_CONDITIONS)]
        return {
            "operator": operator,
            "conditions": [
                *own,
                group(level + 1, "or", False),
                group(level + 1, "and", last_leaf),
            ],
        }

    tree = group(1, "and", True)
    tree["conditions"][0] = {"field": "timestamp", "op": "gte", "value": "now-7d"}
    return tree


def build_widgets(metrics: list[Json]) -> list[Json]:
    numeric = next(
        m["id"] for m in metrics if m["eval_type"] in ("numeric", "continuous_qualitative")
    )
    enum = next((m["id"] for m in metrics if m["eval_type"] == "enum"), numeric)
    own_filter = {
        "operator": "and",
        "conditions": [{"field": "topic", "op": "eq", "value": "billing"}],
    }
    kinds: list[Json] = [
        {"chart_type": "stat"},
        {
            "chart_type": "line",
            "field": "duration",
            "aggregation_function": "avg",
            "time_period": "day",
        },
        {
            "chart_type": "bar",
            "field": "topic",
            "aggregation_function": "count",
            "time_period": "week",
            "group_by": {"type": "field", "field": "agent.id"},
        },
        {"chart_type": "pie", "field": "success"},
        {
            "chart_type": "line",
            "field": "metric_evaluations.value",
            "metric": numeric,
            "aggregation_function": "p95",
            "time_period": "day",
        },
        {
            "chart_type": "bar",
            "field": "duration",
            "aggregation_function": "p95",
            "time_period": "hour",
            "group_by": {"type": "bucket", "interval": 3_600_000},
        },
        {"chart_type": "pie", "field": "metric_evaluations.value", "metric": enum},
        {"chart_type": "pie", "field": "metadata.region"},
    ]
    widgets = []
    for i in range(WIDGETS):
        widget = {"name": f"Widget {i + 1}", **kinds[i % len(kinds)]}
        if i % 3 == 0:
            widget["filters"] = own_filter
        widgets.append(widget)
    return widgets


def create_big_dashboard(api: DemoAPI) -> int:
    """Make the dashboard through the API; return its id."""
    project = _results(api.get("/user/v1/projects/").json())[0]["id"]
    agents = _results(
        api.get("/test_framework/v1/aiagents/short_list/", params={"project_id": project}).json()
    )
    metrics = _results(
        api.get("/test_framework/v1/metrics/", params={"project_id": project}).json()
    )
    response = api.post(
        "/dashboards/dashboards/",
        json={
            "name": "Benchmark board",
            "project": project,
            "filters": build_filter(agents, metrics),
        },
    )
    response.raise_for_status()
    dashboard_id = int(response.json()["id"])
    made = api.post(
        f"/dashboards/dashboards/{dashboard_id}/bulk_widgets/",
        json={"create": build_widgets(metrics)},
    )
    made.raise_for_status()
    created = made.json()["created"]
    if len(created) != WIDGETS:
        raise RuntimeError(f"bulk_widgets created {len(created)} widgets, not {WIDGETS}")
    return dashboard_id


def tree_shape(filters: Json) -> tuple[int, int]:
    """(conditions, group levels) of a filter object."""
    if "conditions" not in filters:
        return 1, 0
    counts = [tree_shape(child) for child in filters["conditions"]]
    return sum(c for c, _ in counts), 1 + max((d for _, d in counts), default=0)
