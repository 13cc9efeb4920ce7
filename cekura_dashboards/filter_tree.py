"""The filter tree: immutable `Condition` and `Group` nodes with stable ids.

`parse_filter` turns the API's filter JSON into nodes and `filter_to_json` turns them
back; for every filter the API accepts the round trip is exact (same keys in the same
order, `true` stays a boolean, `60` stays an integer, `60.0` stays a float).

Parsing checks only the *shape* (a condition has exactly `field`, `op`, `value`; a group
has exactly `operator`, `conditions`; values are JSON). Whether a field, op or value is
allowed is `filter_validation`'s job, so a user's JSON with an unknown field still
becomes a tree whose bad node can be pointed at.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from cekura_dashboards.catalog import MAX_GROUP_DEPTH, group_depth_problem
from cekura_dashboards.json_equality import json_fingerprint
from cekura_dashboards.json_equality import same_json as same_json  # re-exported by filters.py

CONDITION_KEYS: tuple[str, ...] = ("field", "op", "value")
GROUP_KEYS: tuple[str, ...] = ("operator", "conditions")
MAX_DEPTH = MAX_GROUP_DEPTH  # the server's limit (catalog), so the two never disagree

_ids = itertools.count(1)


def new_node_id() -> str:
    """A short id, unique within this process (`n17`). Safe in Streamlit widget keys."""
    return f"n{next(_ids)}"


class FilterParseError(ValueError):
    """The filter JSON is not a filter at all. `path` names the bad node
    (`""` for the whole filter, `conditions[1].op` for a part of a node)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Condition:
    """`{"field": F, "op": OP, "value": V}`. Equality compares content, not ids.

    Treat `value` as read-only (a list value is not frozen); change it with
    `filter_edit.set_value`, which stores a copy."""

    field: str
    op: str
    value: Any
    node_id: str = dc_field(default_factory=new_node_id, compare=False)
    # The key order the JSON came in, so dumping gives it back unchanged.
    key_order: tuple[str, ...] = dc_field(default=CONDITION_KEYS, compare=False, repr=False)


@dataclass(frozen=True)
class Group:
    """`{"operator": "and"|"or"|"same_row", "conditions": [...]}`."""

    operator: str
    conditions: tuple[Node, ...] = ()
    node_id: str = dc_field(default_factory=new_node_id, compare=False)
    key_order: tuple[str, ...] = dc_field(default=GROUP_KEYS, compare=False, repr=False)


Node = Condition | Group


# --- JSON -> tree ------------------------------------------------------------------------
def parse_filter(data: Any) -> Node | None:
    """The tree for a filter given as a dict (or as JSON text); None for no filter.

    Raises FilterParseError (and nothing else) when `data` is not a filter.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise FilterParseError(
                "", f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        except (RecursionError, ValueError) as exc:
            raise FilterParseError("", f"This is not valid JSON: {exc}.") from None
    if data is None:
        return None
    return _parse_node(data, "", 0)


def _join(path: str, part: str) -> str:
    if part.startswith("["):
        return f"{path}{part}"
    return f"{path}.{part}" if path else part


def _parse_node(data: Any, path: str, depth: int) -> Node:
    # `depth` counts the groups around this node; a group here is at level depth + 1.
    too_deep = (
        group_depth_problem(depth + 1)
        if isinstance(data, dict) and any(key in data for key in GROUP_KEYS)
        else None
    )
    if too_deep:
        raise FilterParseError(path, too_deep)
    if not isinstance(data, dict):
        raise FilterParseError(
            path,
            f"Expected a condition or a group (a JSON object), got {_json_kind(data)}.",
        )
    keys = set(data)
    is_condition = bool(keys & set(CONDITION_KEYS))
    is_group = bool(keys & set(GROUP_KEYS))
    if is_condition and is_group:
        raise FilterParseError(
            path,
            "A node is either a condition (field, op, value) or a group (operator, "
            "conditions), not both.",
        )
    if not is_condition and not is_group:
        raise FilterParseError(
            path,
            "Expected a condition with field, op and value, or a group with operator and conditions.",
        )
    expected = CONDITION_KEYS if is_condition else GROUP_KEYS
    for key in data:
        if not isinstance(key, str) or key not in expected:
            raise FilterParseError(
                path,
                f"Unexpected key {key!r}; a {'condition' if is_condition else 'group'} has "
                f"only {', '.join(expected)}.",
            )
    missing = [k for k in expected if k not in data]
    if missing:
        raise FilterParseError(path, f"Missing {' and '.join(repr(k) for k in missing)}.")
    order = tuple(data)
    if is_condition:
        for key in ("field", "op"):
            if not isinstance(data[key], str):
                raise FilterParseError(
                    _join(path, key), f"{key!r} must be a string, got {_json_kind(data[key])}."
                )
        value = _copy_json_value(data["value"], _join(path, "value"), 0)
        return Condition(data["field"], data["op"], value, key_order=order)
    operator, conditions = data["operator"], data["conditions"]
    if not isinstance(operator, str):
        raise FilterParseError(
            _join(path, "operator"), f"'operator' must be a string, got {_json_kind(operator)}."
        )
    if not isinstance(conditions, list):
        raise FilterParseError(
            _join(path, "conditions"),
            f"'conditions' must be a list, got {_json_kind(conditions)}.",
        )
    children = tuple(
        _parse_node(child, _join(path, f"conditions[{i}]"), depth + 1)
        for i, child in enumerate(conditions)
    )
    return Group(operator, children, key_order=order)


def _copy_json_value(value: Any, path: str, depth: int) -> Any:
    """A deep copy of `value` when it is JSON; FilterParseError when it is not."""
    if depth > MAX_DEPTH:
        raise FilterParseError(path, "The value is nested too deeply.")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:
        # Python writes no int of more than 4,300 digits as text, so it cannot be JSON.
        raise FilterParseError(path, "This number has too many digits to be a filter value.")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FilterParseError(path, f"{value} is not a number JSON can carry.")
        return value
    if isinstance(value, list):
        return [_copy_json_value(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise FilterParseError(path, f"Object keys must be strings, got {key!r}.")
            out[key] = _copy_json_value(item, f"{path}.{key}", depth + 1)
        return out
    raise FilterParseError(path, f"Expected a JSON value, got {_json_kind(value)}.")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


# --- tree -> JSON ------------------------------------------------------------------------
def filter_to_json(node: Node | None) -> dict[str, Any] | None:
    """The API's filter JSON for a tree (ids are never included); None for no filter."""
    if node is None:
        return None
    if isinstance(node, Condition):
        parts: dict[str, Any] = {
            "field": node.field,
            "op": node.op,
            "value": copy.deepcopy(node.value),
        }
    else:
        parts = {
            "operator": node.operator,
            "conditions": [filter_to_json(child) for child in node.conditions],
        }
    return {key: parts[key] for key in node.key_order}


def content_key(node: Node | None) -> str:
    """A strict, hashable fingerprint of a node's content (ignores ids and key order,
    but tells `true` from `1` and `60` from `60.0`: the rule of json_equality)."""
    return json_fingerprint(filter_to_json(node))


# --- navigation --------------------------------------------------------------------------
def iter_nodes(node: Node | None, path: str = "") -> Iterator[tuple[str, Node]]:
    """Every node with its path, parents before children."""
    if node is None:
        return
    yield path, node
    if isinstance(node, Group):
        for i, child in enumerate(node.conditions):
            yield from iter_nodes(child, _join(path, f"conditions[{i}]"))


def find(node: Node | None, node_id: str) -> Node | None:
    """The node with this id, or None."""
    for _, candidate in iter_nodes(node):
        if candidate.node_id == node_id:
            return candidate
    return None


def parent_of(node: Node | None, node_id: str) -> Group | None:
    """The group holding the node with this id (None for the root or an unknown id)."""
    for _, candidate in iter_nodes(node):
        if isinstance(candidate, Group) and any(
            child.node_id == node_id for child in candidate.conditions
        ):
            return candidate
    return None


_STEP = re.compile(r"conditions\[(\d+)\]")


def node_at_path(node: Node | None, path: str) -> Node | None:
    """The node a path points at, as the API's field errors name it
    (`conditions[1].conditions[0].op` -> that condition). A trailing part name such as
    `.op` or `.value` is ignored; None when the path leads nowhere."""
    current = node
    for step in path.split(".") if path else []:
        match = _STEP.fullmatch(step)
        if match is None:
            break  # a part of the node (op, value, ...) ends the walk
        if not isinstance(current, Group):
            return None
        index = int(match.group(1))
        if index >= len(current.conditions):
            return None
        current = current.conditions[index]
    return current
