"""Edit operations on a filter tree, by node id. Each returns a new tree; untouched nodes
(and every node that keeps its place) keep their ids, so widget keys derived from ids stay
put and an undo stack is just a list of trees.

`root` may be None (no filter yet): the first add makes a root `and` group.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from cekura_dashboards.catalog import (
    LOGICAL_OPERATORS,
    METRIC_ID_FIELD,
    field_spec,
)
from cekura_dashboards.filter_tree import Condition, Group, Node, find, new_node_id, parent_of
from cekura_dashboards.filter_validation import value_problem

DEFAULT_FIELD = "duration"
# A condition added to a same_row group must be about a metric evaluation.
DEFAULT_SAME_ROW_FIELD = METRIC_ID_FIELD
DEFAULT_TIME_START = "now-7d"

_UNSET: Any = object()


class FilterEditError(ValueError):
    """An edit that cannot be made (unknown node id, a condition used as a group...)."""


# --- defaults ------------------------------------------------------------------------
def allowed_ops(field: str) -> tuple[str, ...]:
    """The ops a field accepts (catalog order); empty for an unknown field."""
    spec = field_spec(field)
    return spec.ops if spec else ()


def default_op(field: str) -> str:
    """The op a new condition on `field` starts with: the field's first op, except that a
    time or a number starts as a lower bound ("on or after", "at least"), which does not
    contradict the other bounds a filter usually has."""
    spec = field_spec(field)
    if spec is None:
        return "eq"
    if spec.kind in ("datetime", "number") and "gte" in spec.ops:
        return "gte"
    return spec.ops[0]


def default_value(field: str, op: str) -> Any:
    """A sensible starting value for `field` with `op`."""
    if op == "isnull":
        return True
    if op == "in":
        return []
    if op in ("contains", "startswith", "endswith", "regex"):
        return ""
    spec = field_spec(field)
    kind = spec.kind if spec else "string"
    if kind == "datetime":
        return DEFAULT_TIME_START
    if kind in ("integer", "number", "dynamic"):
        return 0
    if kind == "boolean":
        return True
    return ""


def new_condition(
    field: str = DEFAULT_FIELD, op: str | None = None, value: Any = _UNSET
) -> Condition:
    """A fresh condition (new id) with defaults for whatever is not given."""
    chosen_op = op if op is not None else default_op(field)
    chosen_value = value if value is not _UNSET else default_value(field, chosen_op)
    return Condition(field, chosen_op, chosen_value)


def new_group(operator: str = "and", conditions: tuple[Node, ...] | None = None) -> Group:
    """A fresh group; without `conditions` it starts with one default condition that suits
    the operator, so it is never empty."""
    if conditions is None:
        field = DEFAULT_SAME_ROW_FIELD if operator == "same_row" else DEFAULT_FIELD
        conditions = (new_condition(field),)
    return Group(operator, conditions)


def with_new_ids(node: Node) -> Node:
    """A copy of `node` (and everything under it) with fresh ids."""
    if isinstance(node, Condition):
        return dataclasses.replace(node, node_id=new_node_id())
    return dataclasses.replace(
        node,
        node_id=new_node_id(),
        conditions=tuple(with_new_ids(child) for child in node.conditions),
    )


# --- the one tree rewrite every edit goes through ------------------------------------
def _rewrite(
    root: Node | None, node_id: str, change: Callable[[Node], tuple[Node, ...]]
) -> Node | None:
    """Replace the node `node_id` by `change(node)` (zero, one or more nodes). At the
    root, zero nodes mean no filter and several are wrapped in an `and` group."""
    if root is None or find(root, node_id) is None:
        raise FilterEditError(f"There is no node with id {node_id!r} in this filter.")
    replaced = _rewrite_in(root, node_id, change)
    if not replaced:
        return None
    if len(replaced) == 1:
        return replaced[0]
    return Group("and", replaced)


def _rewrite_in(
    node: Node, node_id: str, change: Callable[[Node], tuple[Node, ...]]
) -> tuple[Node, ...]:
    if node.node_id == node_id:
        return change(node)
    if isinstance(node, Condition) or find(node, node_id) is None:
        return (node,)
    children = tuple(
        new for child in node.conditions for new in _rewrite_in(child, node_id, change)
    )
    return (dataclasses.replace(node, conditions=children),)


def _condition(root: Node | None, node_id: str) -> Condition:
    node = find(root, node_id)
    if not isinstance(node, Condition):
        raise FilterEditError(f"There is no condition with id {node_id!r} in this filter.")
    return node


def _group(root: Node | None, node_id: str) -> Group:
    node = find(root, node_id)
    if not isinstance(node, Group):
        raise FilterEditError(f"There is no group with id {node_id!r} in this filter.")
    return node


# --- structure ----------------------------------------------------------------------------
def insert(root: Node | None, parent_id: str | None, node: Node, index: int | None = None) -> Node:
    """Put `node` into the group `parent_id` at `index` (the end by default). With
    `parent_id` None it goes into the root: no filter becomes an `and` group holding it,
    and a lone root condition is wrapped in an `and` group first."""
    if parent_id is None:
        if root is None:
            return Group("and", (node,))
        if isinstance(root, Condition):
            return Group("and", (root, node) if index != 0 else (node, root))
        parent_id = root.node_id
    _group(root, parent_id)

    def add(group: Node) -> tuple[Node, ...]:
        assert isinstance(group, Group)
        children = list(group.conditions)
        children.insert(len(children) if index is None else index, node)
        return (dataclasses.replace(group, conditions=tuple(children)),)

    result = _rewrite(root, parent_id, add)
    assert result is not None
    return result


def add_condition(
    root: Node | None,
    parent_id: str | None = None,
    field: str = DEFAULT_FIELD,
    op: str | None = None,
    value: Any = _UNSET,
) -> Node:
    """Append a new condition to the group `parent_id` (the root when None)."""
    return insert(root, parent_id, new_condition(field, op, value))


def add_group(root: Node | None, parent_id: str | None = None, operator: str = "or") -> Node:
    """Append a new group (holding one default condition) to `parent_id` (root when None)."""
    return insert(root, parent_id, new_group(operator))


def remove(root: Node | None, node_id: str) -> Node | None:
    """Remove a node. Removing the root, or the last node of the root group, leaves no
    filter (None); a nested group left empty stays (validation flags it)."""
    result = _rewrite(root, node_id, lambda _node: ())
    if isinstance(result, Group) and not result.conditions and result.node_id == root_id(root):
        return None
    return result


def root_id(root: Node | None) -> str | None:
    return root.node_id if root is not None else None


def duplicate(root: Node | None, node_id: str) -> Node:
    """Put a copy (fresh ids) right after the node. Duplicating the root wraps both in an
    `and` group."""
    result = _rewrite(root, node_id, lambda node: (node, with_new_ids(node)))
    assert result is not None
    return result


def _move(root: Node | None, node_id: str, step: int) -> Node | None:
    find_or_fail = find(root, node_id)
    if find_or_fail is None:
        raise FilterEditError(f"There is no node with id {node_id!r} in this filter.")
    parent = parent_of(root, node_id)
    if parent is None:
        return root  # the root has nowhere to move
    children = list(parent.conditions)
    index = next(i for i, child in enumerate(children) if child.node_id == node_id)
    target = index + step
    if not 0 <= target < len(children):
        return root
    children[index], children[target] = children[target], children[index]
    moved = dataclasses.replace(parent, conditions=tuple(children))
    return _rewrite(root, parent.node_id, lambda _g: (moved,))


def move_up(root: Node | None, node_id: str) -> Node | None:
    """Swap the node with the one before it in its group (no change at the top)."""
    return _move(root, node_id, -1)


def move_down(root: Node | None, node_id: str) -> Node | None:
    """Swap the node with the one after it in its group (no change at the bottom)."""
    return _move(root, node_id, +1)


def wrap_in_group(root: Node | None, node_id: str, operator: str = "and") -> Node:
    """Put the node alone into a new group with `operator`, in its place."""
    result = _rewrite(root, node_id, lambda node: (Group(operator, (node,)),))
    assert result is not None
    return result


def set_operator(root: Node | None, group_id: str, operator: str) -> Node | None:
    """Change how a group combines its conditions (`and`, `or`, `same_row`)."""
    group = _group(root, group_id)
    if operator not in LOGICAL_OPERATORS:
        raise FilterEditError(f"{operator!r} is not one of {', '.join(LOGICAL_OPERATORS)}.")
    changed = dataclasses.replace(group, operator=operator)
    return _rewrite(root, group_id, lambda _g: (changed,))


# --- one condition -------------------------------------------------------------------------
def _replace_condition(root: Node | None, cond: Condition, **changes: Any) -> Node | None:
    return _rewrite(root, cond.node_id, lambda c: (dataclasses.replace(c, **changes),))


def set_field(root: Node | None, cond_id: str, field: str) -> Node | None:
    """Change a condition's field. Op and value stay when they still fit the new field.
    An op the field does not allow becomes the field's default op with a default value;
    a value that no longer fits becomes a default (and, when the field is of another
    kind, the op becomes the field's default op too)."""
    cond = _condition(root, cond_id)
    spec = field_spec(field)
    if spec is None:  # e.g. a metadata key still being typed
        return _replace_condition(root, cond, field=field)
    old_spec = field_spec(cond.field)
    op, value = cond.op, cond.value
    if op not in spec.ops:
        op = default_op(field)
        value = default_value(field, op)
    elif value_problem(field, op, value) is not None:
        # A different kind of field (text -> time) starts over from its own default op.
        if old_spec is None or old_spec.kind != spec.kind:
            op = default_op(field)
        value = default_value(field, op)
    return _replace_condition(root, cond, field=field, op=op, value=value)


def convert_value(field: str, old_op: str, new_op: str, value: Any) -> Any:
    """The value to keep when a condition's op changes: a scalar becomes a one-item list
    for `in`, a list gives its first item back, `isnull` gets true; anything that no
    longer fits becomes the field's default."""
    if new_op == "isnull":
        return value if old_op == "isnull" and isinstance(value, bool) else True
    if old_op == "isnull":
        return default_value(field, new_op)
    if new_op == "in":
        if isinstance(value, list):
            return value
        return [] if value is None or value == "" else [value]
    if isinstance(value, list):
        value = value[0] if value else default_value(field, new_op)
    if field_spec(field) is not None and value_problem(field, new_op, value) is not None:
        return default_value(field, new_op)
    return value


def set_op(root: Node | None, cond_id: str, op: str) -> Node | None:
    """Change a condition's op, converting its value (see convert_value)."""
    cond = _condition(root, cond_id)
    value = convert_value(cond.field, cond.op, op, cond.value)
    return _replace_condition(root, cond, op=op, value=value)


def set_value(root: Node | None, cond_id: str, value: Any) -> Node | None:
    """Set a condition's value as given (a copy; validation says whether it fits)."""
    cond = _condition(root, cond_id)
    return _replace_condition(root, cond, value=copy.deepcopy(value))


# --- the builder's guesses for a new row --------------------------------------------------------
METRIC_VALUE_FIELD = "metric_evaluations.value"


def guess_op(field: str) -> str:
    """The op people mean when they pick a field: "is" for agents, metrics, yes/no and
    text (with a picker of known values), a lower bound for durations and times."""
    return default_op(field)


def guess_value(field: str, op: str) -> Any:
    """The value a new row starts with: none (the row says it needs one) unless the op
    or field has an obvious one. Never a placeholder such as 0 that could be saved
    without the user choosing it."""
    if op == "isnull":
        return True
    if op == "in":
        return []
    return None


def guess_condition(field: str) -> Condition:
    """A fresh row for `field`, with the op people mean and no value chosen yet."""
    op = guess_op(field)
    return Condition(field, op, guess_value(field, op))


def first_field_for(group: Group | None) -> str | None:
    """The field a new row in `group` starts on: "Metric is …" in a same-metric group
    without a metric, its score once the metric is there; None (the user picks) elsewhere."""
    if group is None or group.operator != "same_row":
        return None
    if group_metric(group) is None:
        return METRIC_ID_FIELD
    return METRIC_VALUE_FIELD


def group_metric(group: Group) -> int | None:
    """The metric a same_row group is about (`metric is X` among its conditions)."""
    if group.operator != "same_row":
        return None
    for child in group.conditions:
        if (
            isinstance(child, Condition)
            and child.field == METRIC_ID_FIELD
            and child.op == "eq"
            and isinstance(child.value, int)
            and not isinstance(child.value, bool)
        ):
            return child.value
    return None


def replace_node(root: Node | None, node_id: str, node: Node) -> Node | None:
    """Put `node` in the place of the node `node_id` (the edited copy of a row)."""
    return _rewrite(root, node_id, lambda _old: (node,))
