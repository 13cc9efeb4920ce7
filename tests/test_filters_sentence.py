"""describe_filter / describe_condition: deterministic plain-language sentences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cekura_dashboards.filter_sentence import describe_condition, describe_filter, group_words
from cekura_dashboards.filter_tree import Condition, parse_filter

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 14, 14, 0, tzinfo=UTC)
AGENTS = [{"id": 3, "agent_name": "Billing Bot"}, {"id": 4, "agent_name": "Sales Bot"}]
METRICS = {5: "Accuracy"}


def c(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def g(*children: Any, op: str = "and") -> dict[str, Any]:
    return {"operator": op, "conditions": list(children)}


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (None, "All calls"),
        (
            g(c("timestamp", "gte", "now-7d"), c("duration", "gte", 60), c("agent.id", "eq", 3)),
            "Calls from the last 7 days that lasted at least 60 s and were handled by Billing Bot",
        ),
        (g(c("timestamp", "gte", "now-1h")), "Calls from the last hour"),
        (
            g(c("timestamp", "gte", "now-24h"), c("success", "eq", True)),
            "Calls from the last 24 hours that succeeded",
        ),
        (g(c("timestamp", "gte", "today")), "Calls today"),
        (
            g(c("timestamp", "gte", "2026-11-01T00:00:00Z"), c("timestamp", "lte", "2026-11-07")),
            "Calls from 1 Nov 2026 00:00 UTC to 7 Nov 2026 23:59:59 UTC",
        ),
        (
            g(c("timestamp", "gt", "now-2d"), c("timestamp", "lt", "now-1d")),
            "Calls from the last 2 days and before 1 day ago",
        ),
        (
            g(c("timestamp", "gte", "today-7d")),
            "Calls since the start of the day 7 days ago",
        ),
        (
            g(c("success", "eq", False), c("agent.id", "in", [3, 4, 9]), op="or"),
            "Calls that either did not succeed or were handled by Billing Bot, Sales Bot or agent #9",
        ),
        (
            g(c("is_reviewed", "eq", False), g(c("topic", "eq", "billing"), c("topic", "eq", "refund"), op="or")),
            "Calls that were not reviewed by a person and (either have a topic that is 'billing' "
            "or have a topic that is 'refund')",
        ),
        (
            g(c("metric_evaluations.metric.id", "eq", 5), c("metric_evaluations.value", "gte", 0.9), op="same_row"),
            "Calls with one metric evaluation where the metric is Accuracy and the score is at least 0.9",
        ),
        (
            g(
                c("timestamp", "gte", "now-7d"),
                g(c("metric_evaluations.metric.name", "eq", "accuracy"), op="same_row"),
                c("duration", "gt", 30),
            ),
            "Calls from the last 7 days with one metric evaluation where the metric name is "
            "'accuracy', that lasted more than 30 s",
        ),
        (c("duration", "lt", 10), "Calls that lasted less than 10 s"),
        (c("duration", "eq", 42.5), "Calls that lasted exactly 42.5 s"),
        (c("customer_number", "startswith", "+1555"), "Calls whose customer number starts with '+1555'"),
        (
            g(c("agent.id", "neq", 3), c("dropoff_point", "isnull", True), c("success", "isnull", False),
              c("metadata.region", "eq", "eu")),
            "Calls that were not handled by Billing Bot and have a success result and whose "
            "drop-off point is empty and whose metadata 'region' is 'eu'",
        ),
        (
            g(g(c("success", "eq", True), c("duration", "gte", 60)), c("agent.id", "isnull", True), op="or"),
            "Calls that either (both succeeded and lasted at least 60 s) or have no agent",
        ),
        (
            g(c("agent.agent_name", "regex", "^Bill"), c("call_ended_reason", "in", ["hangup", "error"])),
            "Calls whose agent name matches the pattern '^Bill' and whose end reason is one of "
            "'hangup' or 'error'",
        ),
        (g(), "Calls (an empty group)"),
        (g(op="or"), "Calls (an empty group)"),
        (g(op="same_row"), "Calls with one metric evaluation (with no condition yet)"),
    ],
)  # fmt: skip
def test_describe_filter(data: Any, sentence: str) -> None:
    node = parse_filter(data)
    assert describe_filter(node, agents=AGENTS, metrics=METRICS, now=NOW) == sentence
    # deterministic: a fresh parse (new ids) reads the same
    assert describe_filter(parse_filter(data), agents=AGENTS, metrics=METRICS, now=NOW) == sentence


def test_ids_read_as_numbers_without_lists() -> None:
    node = parse_filter(g(c("agent.id", "eq", 3), c("metric_evaluations.metric.id", "in", [5])))
    assert describe_filter(node) == (
        "Calls that were handled by agent #3 and whose metric is one of metric #5"
    )


def test_values_from_the_api_are_quoted_not_interpreted() -> None:
    node = parse_filter(c("topic", "eq", "<img src=x onerror=alert(1)>"))
    assert describe_filter(node) == "Calls whose topic is '<img src=x onerror=alert(1)>'"


@pytest.mark.parametrize(
    ("data", "caption"),
    [
        (c("duration", "gte", 60), "Call duration at least 60 s"),
        (c("agent.id", "eq", 3), "Agent is Billing Bot"),
        (c("agent.id", "in", [3, 4]), "Agent is one of Billing Bot or Sales Bot"),
        (c("success", "eq", True), "Call succeeded: yes"),
        (c("is_reviewed", "eq", False), "Reviewed by a person: no"),
        (c("success", "neq", True), "Call succeeded is not yes"),
        (c("topic", "isnull", True), "Call topic is empty"),
        (c("topic", "isnull", False), "Call topic is not empty"),
        (c("metadata.region", "contains", "eu"), "Metadata: region contains 'eu'"),
        (c("metric_evaluations.metric.id", "eq", 5), "Metric is Accuracy"),
        (c("metric_evaluations.value", "lt", 0.5), "Metric score less than 0.5"),
        (c("timestamp", "gte", "now-7d"), "Call time on or after 7 days ago (7 Nov 2026 14:00 UTC)"),
        (c("timestamp", "lte", "today"), "Call time on or before the end of today (14 Nov 2026 23:59:59 UTC)"),
        (c("timestamp", "gt", "2026-11-07T09:30:00Z"), "Call time after 7 Nov 2026 09:30 UTC"),
        (c("nope", "like", 1), "nope 'like' 1"),
    ],
)  # fmt: skip
def test_describe_condition(data: dict[str, Any], caption: str) -> None:
    node = parse_filter(data)
    assert isinstance(node, Condition)
    assert describe_condition(node, agents=AGENTS, metrics=METRICS, now=NOW) == caption


def test_condition_caption_without_now_has_no_absolute_time() -> None:
    node = parse_filter(c("timestamp", "gte", "now-7d"))
    assert isinstance(node, Condition)
    assert describe_condition(node) == "Call time on or after 7 days ago"


def test_group_words() -> None:
    assert [group_words(op) for op in ("and", "or", "same_row", "xor")] == [
        "all of",
        "any of",
        "same metric evaluation",
        "xor",
    ]


def test_a_nested_group_in_the_middle_keeps_its_brackets() -> None:
    """(either A or B) and C must not read as either A or (B and C)."""
    tree = g(
        c("timestamp", "gte", "now-7d"),
        g(c("topic", "eq", "billing"), c("topic", "eq", "refunds"), op="or"),
        c("duration", "gte", 60),
    )
    assert describe_filter(parse_filter(tree), now=NOW) == (
        "Calls from the last 7 days that (either have a topic that is 'billing' or have a "
        "topic that is 'refunds') and lasted at least 60 s"
    )
