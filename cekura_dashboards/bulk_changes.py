"""The changes a bulk edit can make to many dashboards' filters: pure functions, tree in,
tree out.

Each returns the very same tree object when the change does not alter it ("no change",
tested with `is`), and raises `ChangeNotApplicable` with the reason when the change
cannot be made to this tree (the dry run lists that dashboard as skipped). Untouched
nodes keep their ids and places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from cekura_dashboards.control_bar import (
    AGENT_FIELD,
    ControlBarError,
    DateRange,
    read_agents,
    write_agents,
    write_date_range,
)
from cekura_dashboards.filter_edit import with_new_ids
from cekura_dashboards.filter_tree import Condition, Group, Node, content_key, same_json


class ChangeNotApplicable(ValueError):
    """This change cannot be made to this tree; the message says why."""


def set_date_range(tree: Node | None, value: DateRange | None) -> Node | None:
    """The control bar's date range (control_bar.quick_range / custom_range), or None
    for no time condition."""
    try:
        return write_date_range(tree, value)
    except ControlBarError as refused:
        raise ChangeNotApplicable(str(refused)) from None


def _current_agents(tree: Node | None) -> tuple[int, ...]:
    current = read_agents(tree)
    if not isinstance(current, tuple):
        raise ChangeNotApplicable(f"The agent filter cannot be changed here: {current.reason}.")
    return current


def add_agents(tree: Node | None, agent_ids: Sequence[int]) -> Node | None:
    """Add agents to the agent filter. A dashboard on "All agents" already shows every
    agent, so it is left as it is (adding would narrow it to the new agents only)."""
    current = _current_agents(tree)
    if not current:
        return tree
    wanted = current + tuple(i for i in dict.fromkeys(agent_ids) if i not in current)
    return _write_agents(tree, wanted)


def remove_agents(tree: Node | None, agent_ids: Sequence[int]) -> Node | None:
    """Remove agents from the agent filter. Refused when that would leave no agent (the
    filter would then mean "All agents") or when the dashboard is on All agents."""
    current = _current_agents(tree)
    if not current:
        raise ChangeNotApplicable(
            "This dashboard shows all agents; the agent filter cannot leave some out."
        )
    wanted = tuple(i for i in current if i not in set(agent_ids))
    if not wanted:
        raise ChangeNotApplicable(
            "Removing these agents would leave none, which means all agents; change the "
            "agent filter by hand instead."
        )
    return _write_agents(tree, wanted)


def _write_agents(tree: Node | None, ids: tuple[int, ...]) -> Node | None:
    try:
        return write_agents(tree, ids)
    except ControlBarError as refused:
        raise ChangeNotApplicable(str(refused)) from None


def replace_agent(tree: Node | None, old: int, new: int) -> Node | None:
    """Agent `old` becomes agent `new` in every `agent.id` condition, anywhere."""
    return replace_value(tree, AGENT_FIELD, old, new)


def add_at_top_level(tree: Node | None, node: Node) -> Node:
    """`node` (a condition or a group, fresh ids) ANDed with the tree at its top level:
    appended to a root `and` group, else a new `and` group of the root and the node.
    The same tree when its root `and` group already holds an equal node."""
    if isinstance(tree, Group) and tree.operator == "and":
        if any(content_key(child) == content_key(node) for child in tree.conditions):
            return tree
        return dataclasses.replace(tree, conditions=(*tree.conditions, with_new_ids(node)))
    if tree is not None and content_key(tree) == content_key(node):
        return tree
    if tree is None:
        return Group("and", (with_new_ids(node),))
    return Group("and", (tree, with_new_ids(node)))


def _replace_in_value(value: Any, old: Any, new: Any) -> Any:
    if isinstance(value, list):
        if not any(same_json(item, old) for item in value):
            return value
        replaced: list[Any] = []
        for item in value:
            item = new if same_json(item, old) else item
            if not any(same_json(item, kept) for kept in replaced):
                replaced.append(item)
        return replaced
    return new if same_json(value, old) else value


def replace_value(tree: Node | None, field: str, old: Any, new: Any) -> Node | None:
    """On every condition on `field`, anywhere in the tree: a value equal to `old`
    (`true` is not `1`) becomes `new`, also inside `in` lists (where a value that becomes
    a duplicate is dropped)."""

    def change(node: Node) -> Node:
        if isinstance(node, Condition):
            if node.field != field:
                return node
            value = _replace_in_value(node.value, old, new)
            return node if same_json(value, node.value) else dataclasses.replace(node, value=value)
        children = tuple(change(child) for child in node.conditions)
        if all(a is b for a, b in zip(children, node.conditions, strict=True)):
            return node
        return dataclasses.replace(node, conditions=children)

    return None if tree is None else change(tree)


def remove_field(tree: Node | None, field: str) -> Node | None:
    """Every condition on `field` removed, and every group that becomes empty with it
    (None when nothing is left)."""

    def prune(node: Node) -> Node | None:
        if isinstance(node, Condition):
            return None if node.field == field else node
        kept = [k for k in (prune(child) for child in node.conditions) if k is not None]
        if len(kept) == len(node.conditions) and all(
            a is b for a, b in zip(kept, node.conditions, strict=True)
        ):
            return node
        return dataclasses.replace(node, conditions=tuple(kept)) if kept else None

    return None if tree is None else prune(tree)
