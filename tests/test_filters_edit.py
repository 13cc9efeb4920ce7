"""Edit operations by node id: each returns a new tree and keeps untouched ids."""

from __future__ import annotations

from typing import Any

import pytest

from cekura_dashboards.filter_edit import (
    FilterEditError,
    add_condition,
    add_group,
    allowed_ops,
    default_op,
    default_value,
    duplicate,
    insert,
    move_down,
    move_up,
    new_condition,
    remove,
    set_field,
    set_op,
    set_operator,
    set_value,
    wrap_in_group,
)
from cekura_dashboards.filter_tree import (
    Condition,
    Group,
    Node,
    filter_to_json,
    iter_nodes,
    parse_filter,
)

pytestmark = pytest.mark.unit

A = {"field": "duration", "op": "gte", "value": 60}
B = {"field": "topic", "op": "eq", "value": "billing"}
C = {"field": "success", "op": "eq", "value": True}


def tree(*children: Any, operator: str = "and") -> Group:
    node = parse_filter({"operator": operator, "conditions": list(children)})
    assert isinstance(node, Group)
    return node


def ids(node: Node | None) -> dict[str, str]:
    """path -> id."""
    return {path: n.node_id for path, n in iter_nodes(node)}


def child(node: Node | None, *indexes: int) -> Node:
    current = node
    for index in indexes:
        assert isinstance(current, Group)
        current = current.conditions[index]
    assert current is not None
    return current


def test_first_add_on_an_empty_draft_makes_a_root_and_group() -> None:
    root = add_condition(None)
    assert isinstance(root, Group) and root.operator == "and"
    assert filter_to_json(root) == {
        "operator": "and",
        "conditions": [{"field": "duration", "op": "gte", "value": 0}],
    }
    root = add_group(None, operator="or")
    assert filter_to_json(root) == {
        "operator": "and",
        "conditions": [
            {"operator": "or", "conditions": [{"field": "duration", "op": "gte", "value": 0}]}
        ],
    }


def test_add_condition_appends_and_keeps_every_other_id() -> None:
    root = tree(A, B)
    before = ids(root)
    after = add_condition(root, root.node_id, field="timestamp")
    assert filter_to_json(after)["conditions"][2] == {  # type: ignore[index]
        "field": "timestamp",
        "op": "gte",
        "value": "now-7d",
    }
    assert all(ids(after)[path] == node_id for path, node_id in before.items())
    assert filter_to_json(root) == {"operator": "and", "conditions": [A, B]}  # old tree intact


def test_add_condition_to_a_lone_root_condition_wraps_both_in_and() -> None:
    root = parse_filter(A)
    after = add_condition(root, None, field="topic", op="contains", value="bill")
    assert filter_to_json(after) == {
        "operator": "and",
        "conditions": [A, {"field": "topic", "op": "contains", "value": "bill"}],
    }
    assert child(after, 0).node_id == root.node_id  # type: ignore[union-attr]


def test_add_group_in_same_row_starts_with_a_metric_condition() -> None:
    root = tree(A)
    after = add_group(root, root.node_id, operator="same_row")
    group = child(after, 1)
    assert isinstance(group, Group) and group.operator == "same_row"
    assert isinstance(group.conditions[0], Condition)
    assert group.conditions[0].field == "metric_evaluations.metric.id"


def test_adding_into_a_condition_or_an_unknown_id_is_refused() -> None:
    root = tree(A)
    with pytest.raises(FilterEditError, match="no group with id"):
        add_condition(root, child(root, 0).node_id)
    with pytest.raises(FilterEditError, match="no group with id 'nope'"):
        add_condition(root, "nope")


def test_insert_at_an_index() -> None:
    root = tree(A, B)
    extra = new_condition("success", "eq", True)
    after = insert(root, root.node_id, extra, index=1)
    assert filter_to_json(after)["conditions"] == [A, C, B]  # type: ignore[index]
    assert child(after, 1).node_id == extra.node_id


def test_remove_a_nested_node_and_the_last_root_node() -> None:
    root = tree(A, {"operator": "or", "conditions": [B, C]})
    after = remove(root, child(root, 1, 0).node_id)
    assert filter_to_json(after) == {
        "operator": "and",
        "conditions": [A, {"operator": "or", "conditions": [C]}],
    }
    emptied = remove(after, child(after, 1, 0).node_id)
    assert filter_to_json(emptied) == {
        "operator": "and",
        "conditions": [A, {"operator": "or", "conditions": []}],
    }  # a nested empty group stays, for validation to flag
    single = tree(A)
    assert remove(single, child(single, 0).node_id) is None
    assert remove(single, single.node_id) is None
    with pytest.raises(FilterEditError, match="no node with id 'gone'"):
        remove(single, "gone")


def test_duplicate_puts_a_fresh_copy_right_after() -> None:
    root = tree(A, {"operator": "or", "conditions": [B]}, C)
    original = child(root, 1)
    after = duplicate(root, original.node_id)
    assert filter_to_json(after)["conditions"] == [  # type: ignore[index]
        A,
        {"operator": "or", "conditions": [B]},
        {"operator": "or", "conditions": [B]},
        C,
    ]
    copy = child(after, 2)
    assert child(after, 1).node_id == original.node_id
    assert copy.node_id != original.node_id
    assert child(copy, 0).node_id != child(original, 0).node_id
    lone = parse_filter(A)
    assert lone is not None
    assert filter_to_json(duplicate(lone, lone.node_id)) == {
        "operator": "and",
        "conditions": [A, A],
    }


def test_move_up_and_down_swap_within_the_group_and_stop_at_the_edges() -> None:
    root = tree(A, B, C)
    b_id = child(root, 1).node_id
    up = move_up(root, b_id)
    assert filter_to_json(up)["conditions"] == [B, A, C]  # type: ignore[index]
    assert child(up, 0).node_id == b_id
    assert move_up(up, b_id) is up
    down = move_down(root, b_id)
    assert filter_to_json(down)["conditions"] == [A, C, B]  # type: ignore[index]
    assert move_down(down, b_id) is down
    assert move_up(root, root.node_id) is root
    with pytest.raises(FilterEditError):
        move_down(root, "nope")


def test_wrap_in_group() -> None:
    root = tree(A, B)
    b_id = child(root, 1).node_id
    wrapped = wrap_in_group(root, b_id, "or")
    assert filter_to_json(wrapped) == {
        "operator": "and",
        "conditions": [A, {"operator": "or", "conditions": [B]}],
    }
    assert child(wrapped, 1, 0).node_id == b_id


def test_set_operator() -> None:
    root = tree(A, B)
    after = set_operator(root, root.node_id, "or")
    assert filter_to_json(after) == {"operator": "or", "conditions": [A, B]}
    assert after is not None and after.node_id == root.node_id
    with pytest.raises(FilterEditError, match="'xor' is not one of and, or, same_row"):
        set_operator(root, root.node_id, "xor")
    with pytest.raises(FilterEditError, match="no group"):
        set_operator(root, child(root, 0).node_id, "or")


@pytest.mark.parametrize(
    ("before", "field", "after"),
    [
        # the op and the value still fit: both stay
        (A, "agent.id", {"field": "agent.id", "op": "gte", "value": 60}),
        # the op fits but the value does not: a default value
        (B, "agent.id", {"field": "agent.id", "op": "eq", "value": 0}),
        # the op does not fit: the field's first op and a default value
        (A, "topic", {"field": "topic", "op": "eq", "value": ""}),
        (B, "success", {"field": "success", "op": "eq", "value": True}),
        (B, "timestamp", {"field": "timestamp", "op": "gte", "value": "now-7d"}),
        ({"field": "topic", "op": "in", "value": ["a"]}, "dropoff_point",
         {"field": "dropoff_point", "op": "in", "value": ["a"]}),
        ({"field": "topic", "op": "isnull", "value": True}, "is_reviewed",
         {"field": "is_reviewed", "op": "eq", "value": True}),
        # a metadata key still being typed: only the field changes
        (B, "metadata.", {"field": "metadata.", "op": "eq", "value": "billing"}),
    ],
)  # fmt: skip
def test_set_field_resets_op_and_value_only_when_they_no_longer_fit(
    before: dict[str, Any], field: str, after: dict[str, Any]
) -> None:
    root = tree(before)
    changed = set_field(root, child(root, 0).node_id, field)
    assert filter_to_json(changed)["conditions"] == [after]  # type: ignore[index]
    assert child(changed, 0).node_id == child(root, 0).node_id


@pytest.mark.parametrize(
    ("before", "op", "value"),
    [
        ({"field": "topic", "op": "eq", "value": "a"}, "in", ["a"]),
        ({"field": "topic", "op": "eq", "value": ""}, "in", []),
        ({"field": "topic", "op": "in", "value": ["a", "b"]}, "eq", "a"),
        ({"field": "topic", "op": "in", "value": []}, "neq", ""),
        ({"field": "topic", "op": "eq", "value": "a"}, "isnull", True),
        ({"field": "topic", "op": "isnull", "value": False}, "eq", ""),
        ({"field": "topic", "op": "isnull", "value": False}, "in", []),
        ({"field": "agent.id", "op": "isnull", "value": True}, "eq", 0),
        ({"field": "duration", "op": "gte", "value": 60}, "lt", 60),
        ({"field": "topic", "op": "eq", "value": "a"}, "contains", "a"),
        ({"field": "metric_evaluations.value", "op": "gte", "value": 1}, "contains", ""),
        ({"field": "timestamp", "op": "gte", "value": "now-1h"}, "lte", "now-1h"),
    ],
)
def test_set_op_converts_the_value(before: dict[str, Any], op: str, value: Any) -> None:
    root = tree(before)
    changed = set_op(root, child(root, 0).node_id, op)
    cond = child(changed, 0)
    assert isinstance(cond, Condition)
    assert (cond.op, cond.value) == (op, value)
    assert type(cond.value) is type(value)


def test_set_value_and_replace_node() -> None:
    root = tree(A, B)
    a_id = child(root, 0).node_id
    after = set_value(root, a_id, 90.5)
    assert filter_to_json(after)["conditions"][0] == {  # type: ignore[index]
        "field": "duration",
        "op": "gte",
        "value": 90.5,
    }
    with pytest.raises(FilterEditError, match="no condition"):
        set_value(root, root.node_id, 1)


def test_defaults_come_from_the_catalog() -> None:
    assert allowed_ops("duration") == ("eq", "gt", "gte", "lt", "lte")
    assert allowed_ops("metadata.region")[0] == "eq"
    assert allowed_ops("nope") == ()
    assert default_op("timestamp") == "gte"
    assert default_op("topic") == "eq"
    assert default_value("topic", "isnull") is True
    assert default_value("topic", "in") == []
    assert default_value("success", "eq") is True
    assert default_value("timestamp", "lt") == "now-7d"


def test_set_value_stores_a_copy_so_undo_history_stays_intact() -> None:
    root = tree({"field": "topic", "op": "in", "value": []})
    chosen = ["a"]
    after = set_value(root, child(root, 0).node_id, chosen)
    chosen.append("b")
    assert filter_to_json(after)["conditions"][0]["value"] == ["a"]  # type: ignore[index]
    assert filter_to_json(root)["conditions"][0]["value"] == []  # type: ignore[index]
