"""The bulk-edit changes, tree in and tree out: what each does, that a tree it does not
apply to comes back as the same object, and that it refuses (with the reason) what it
cannot do."""

from __future__ import annotations

from typing import Any

import pytest

from cekura_dashboards.bulk_changes import (
    ChangeNotApplicable,
    add_agents,
    add_at_top_level,
    remove_agents,
    remove_field,
    replace_agent,
    replace_value,
    set_date_range,
)
from cekura_dashboards.control_bar import quick_range
from cekura_dashboards.filter_tree import Group, filter_to_json, parse_filter

pytestmark = pytest.mark.unit


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def and_(*c: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "and", "conditions": list(c)}


def or_(*c: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "or", "conditions": list(c)}


def same_row(*c: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "same_row", "conditions": list(c)}


START = cond("timestamp", "gte", "now-30d")
TOPIC = cond("topic", "eq", "billing")
METRIC_3 = same_row(
    cond("metric_evaluations.metric.id", "eq", 3), cond("metric_evaluations.value", "gte", 0.9)
)


# --- date range ---------------------------------------------------------------------------
def test_set_date_range_writes_the_quick_pick() -> None:
    tree = parse_filter(and_(START, TOPIC))
    assert filter_to_json(set_date_range(tree, quick_range("7d"))) == and_(
        cond("timestamp", "gte", "now-7d"), TOPIC
    )


def test_set_date_range_that_already_fits_is_no_change() -> None:
    tree = parse_filter(and_(cond("timestamp", "gte", "now-7d"), TOPIC))
    assert set_date_range(tree, quick_range("7d")) is tree


def test_set_date_range_refuses_a_time_inside_an_or() -> None:
    tree = parse_filter(or_(START, TOPIC))
    with pytest.raises(ChangeNotApplicable, match="inside a group"):
        set_date_range(tree, quick_range("7d"))


# --- agents -------------------------------------------------------------------------------
def test_add_agents_extends_the_agent_filter() -> None:
    tree = parse_filter(and_(START, cond("agent.id", "eq", 7)))
    assert filter_to_json(add_agents(tree, [8, 7, 8])) == and_(
        START, cond("agent.id", "in", [7, 8])
    )


def test_add_agents_already_there_or_on_all_agents_is_no_change() -> None:
    tree = parse_filter(and_(START, cond("agent.id", "in", [7, 8])))
    assert add_agents(tree, [8]) is tree
    all_agents = parse_filter(and_(START, TOPIC))
    assert add_agents(all_agents, [9]) is all_agents


def test_remove_agents_narrows_and_refuses_to_leave_none() -> None:
    tree = parse_filter(and_(START, cond("agent.id", "in", [7, 8])))
    assert filter_to_json(remove_agents(tree, [8])) == and_(START, cond("agent.id", "eq", 7))
    assert remove_agents(tree, [9]) is tree
    with pytest.raises(ChangeNotApplicable, match="leave none"):
        remove_agents(tree, [7, 8])
    with pytest.raises(ChangeNotApplicable, match="shows all agents"):
        remove_agents(parse_filter(START), [7])


def test_agent_changes_refuse_an_agent_filter_the_bar_cannot_read() -> None:
    tree = parse_filter(and_(START, cond("agent.id", "neq", 7)))
    with pytest.raises(ChangeNotApplicable, match="uses 'neq'"):
        add_agents(tree, [8])


def test_replace_agent_anywhere_in_the_tree() -> None:
    tree = parse_filter(
        and_(
            START,
            cond("agent.id", "in", [7, 8]),
            or_(cond("agent.id", "eq", 7), cond("agent.id", "neq", 7), TOPIC),
        )
    )
    assert filter_to_json(replace_agent(tree, 7, 9)) == and_(
        START,
        cond("agent.id", "in", [9, 8]),
        or_(cond("agent.id", "eq", 9), cond("agent.id", "neq", 9), TOPIC),
    )


def test_replace_agent_by_one_already_listed_drops_the_duplicate() -> None:
    tree = parse_filter(and_(cond("agent.id", "in", [7, 8])))
    assert filter_to_json(replace_agent(tree, 7, 8)) == and_(cond("agent.id", "in", [8]))


def test_replace_agent_without_that_agent_is_no_change() -> None:
    tree = parse_filter(and_(START, cond("agent.id", "in", [7, 7]), cond("id", "eq", 9)))
    assert replace_agent(tree, 9, 10) is tree
    assert replace_agent(None, 9, 10) is None


# --- add a condition or group -------------------------------------------------------------
def test_add_at_top_level_of_an_and_root_appends_with_fresh_ids() -> None:
    tree = parse_filter(and_(START))
    node = parse_filter(TOPIC)
    assert node is not None
    changed = add_at_top_level(tree, node)
    assert filter_to_json(changed) == and_(START, TOPIC)
    assert isinstance(changed, Group) and isinstance(tree, Group)
    assert changed.conditions[0] is tree.conditions[0]
    assert changed.conditions[1].node_id != node.node_id


def test_add_at_top_level_wraps_an_or_root_and_a_lone_condition() -> None:
    group = parse_filter(or_(TOPIC, cond("success", "eq", False)))
    assert group is not None
    for root in (parse_filter(or_(TOPIC)), parse_filter(START), None):
        changed = add_at_top_level(root, group)
        expected = (
            and_(filter_to_json(root), filter_to_json(group))
            if root
            else and_(filter_to_json(group))
        )
        assert filter_to_json(changed) == expected


def test_add_at_top_level_when_already_there_is_no_change() -> None:
    tree = parse_filter(and_(START, METRIC_3))
    node = parse_filter(METRIC_3)
    assert node is not None
    assert add_at_top_level(tree, node) is tree


# --- replace a value ----------------------------------------------------------------------
def test_replace_a_metric_id_inside_same_row_groups() -> None:
    tree = parse_filter(and_(START, METRIC_3, cond("metric_evaluations.metric.id", "in", [3, 4])))
    changed = replace_value(tree, "metric_evaluations.metric.id", 3, 5)
    assert filter_to_json(changed) == and_(
        START,
        same_row(
            cond("metric_evaluations.metric.id", "eq", 5),
            cond("metric_evaluations.value", "gte", 0.9),
        ),
        cond("metric_evaluations.metric.id", "in", [5, 4]),
    )
    assert isinstance(changed, Group) and isinstance(tree, Group)
    assert changed.conditions[0] is tree.conditions[0]  # untouched nodes keep their ids


def test_replace_a_topic_only_on_the_chosen_field() -> None:
    tree = parse_filter(and_(TOPIC, cond("metadata.team", "eq", "billing")))
    assert filter_to_json(replace_value(tree, "topic", "billing", "payments")) == and_(
        cond("topic", "eq", "payments"), cond("metadata.team", "eq", "billing")
    )


def test_replace_value_tells_true_from_one() -> None:
    tree = parse_filter(and_(cond("metric_evaluations.value", "eq", 1)))
    assert replace_value(tree, "metric_evaluations.value", True, False) is tree


# --- remove a field -----------------------------------------------------------------------
def test_remove_field_drops_groups_left_empty() -> None:
    tree = parse_filter(
        and_(
            START,
            or_(TOPIC, cond("topic", "isnull", True)),
            and_(TOPIC, cond("success", "eq", True)),
        )
    )
    assert filter_to_json(remove_field(tree, "topic")) == and_(
        START, and_(cond("success", "eq", True))
    )


def test_remove_field_can_leave_no_filter() -> None:
    assert remove_field(parse_filter(and_(TOPIC, or_(TOPIC))), "topic") is None
    assert remove_field(parse_filter(TOPIC), "topic") is None


def test_remove_a_field_that_is_not_there_is_no_change() -> None:
    tree = parse_filter(and_(START, METRIC_3))
    assert remove_field(tree, "topic") is tree
    assert remove_field(None, "topic") is None
