"""What is wrong with a filter tree, in words a person understands.

Errors are what the API refuses (unknown field, op not allowed, wrong value type, an
empty `in`, bad regex, same_row over fields that are not metric evaluations, empty
groups, the API's limits: origin "api"), what the widget data endpoints refuse (a start
more than 30 days back: "widget_data") and what can match no call (contradictions,
a window that ends before it starts: "app"). Warnings are allowed to save. The value
checks (`odd_value_problem`, `fits_type`, `regex_dialect.pattern_problem`,
`relative_dates.datetime_problem`) and the catalog's limits are the demo API's too, so
the two cannot disagree on a value or a size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cekura_dashboards.catalog import (
    ALL_OPS,
    INTEGER_RANGE,
    LOGICAL_OPERATORS,
    MAX_GROUP_DEPTH,
    MAX_WIDGET_DATA_DAYS,
    METADATA_PREFIX,
    TEXT_OPS,
    VALUE_TYPE_WORDS,
    FieldSpec,
    field_spec,
    group_depth_problem,
    in_list_problem,
    is_metric_evaluation_field,
    metadata_key_problem,
    node_count_problem,
    op_label,
    text_length_problem,
    value_type,
)
from cekura_dashboards.filter_tree import Condition, Group, Node, content_key, iter_nodes
from cekura_dashboards.regex_dialect import pattern_problem
from cekura_dashboards.relative_dates import (
    LOWER_OPS,
    UPPER_OPS,
    calendar_limit_problem,
    datetime_problem,
    earliest_start,
    format_moment,
    is_datetime_value,
    oldest_allowed_start,
    resolve_datetime,
)

Severity = Literal["error", "warning"]
# Who refuses what an error names: "api" the API, wherever the filter is sent (a 400 on
# save); "widget_data" only the widget data endpoints (the 30-day rule); "app" nobody but
# this app, which blocks a filter no call can match. Warnings are "app".
Origin = Literal["api", "widget_data", "app"]


@dataclass(frozen=True)
class Problem:
    node_id: str
    path: str  # "" for the root, "conditions[1].conditions[0]"
    severity: Severity
    message: str
    part: str | None = None  # "field" | "op" | "value" | "operator" | "conditions" | None
    origin: Origin = "api"


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def problems_by_node(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by node id, for showing each beside its row."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.node_id, []).append(problem)
    return grouped


def field_label(field: str) -> str:
    """The field in words ("Call duration (seconds)"); the raw name when unknown."""
    spec = field_spec(field)
    return spec.label if spec else field


def shown(value: Any) -> str:
    """A value as a message quotes it: 'billing', 60, true, ['a', 'b']."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        if len(value) > _SHOWN_TEXT:  # a message quotes the start of a long text
            return f"{value[: _SHOWN_TEXT - 1]!r}… ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, list):
        if len(value) > _SHOWN_ITEMS:
            head = ", ".join(shown(v) for v in value[:_SHOWN_ITEMS])
            return f"[{head}, … ({len(value):,} values)]"
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, int) and value.bit_length() > 100:  # ~30 digits and more
        return f"a number of {len(str(abs(value))):,} digits"
    return repr(value)


_SHOWN_TEXT = 80
_SHOWN_ITEMS = 10


def id_names(items: Any, name_key: str) -> dict[int, str] | None:
    """{id: name} from a mapping, or from a list of models/dicts with `id` and a name
    (`agent_name` for agents, `name` for metrics/projects). None stays None."""
    if items is None:
        return None
    if isinstance(items, Mapping):
        return {int(k): str(v) for k, v in items.items()}
    names: dict[int, str] = {}
    for item in items:
        get = item.get if isinstance(item, Mapping) else lambda k, _i=item: getattr(_i, k, None)
        item_id = get("id")
        name = get(name_key) or get("name") or get("agent_name")
        if isinstance(item_id, int):
            names[item_id] = str(name) if name is not None else f"#{item_id}"
    return names


# --- one value ------------------------------------------------------------------------
def fits_type(expected: str, value: Any) -> bool:
    """Whether one value has the type `catalog.value_type` asks for. Integers must fit
    the API's database and text must be encodable (a lone surrogate is not); the demo API
    checks values with this same function."""
    if expected == "integer":
        low, high = INTEGER_RANGE
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if expected == "number":
        if isinstance(value, float):
            return math.isfinite(value)
        return fits_type("integer", value)
    if expected == "string":
        if not isinstance(value, str):
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "datetime":
        return is_datetime_value(value)
    # dynamic: a metric's value is text, a number or true/false
    return isinstance(value, bool) or fits_type("number", value) or fits_type("string", value)


def odd_value_problem(value: Any, op: str, expected: str) -> str | None:
    """Why one value (each item, for `in`) can be neither sent nor stored, whatever its
    type should be: text that is not valid Unicode or too long, NaN or infinity, a whole
    number beyond the API's integers, an ISO date outside the calendar once its offset is
    applied. None when none of these. Checked before `fits_type`, so the message names
    what is odd rather than the type; the demo API asks the same."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (
                f"{shown(value)} holds a character that is not valid Unicode "
                "(a lone surrogate such as \\ud800); remove it."
            )
        if op != "regex":  # a pattern has its own limit (regex_dialect.pattern_problem)
            too_long = text_length_problem(value)
            if too_long:
                return too_long
        return calendar_limit_problem(value) if expected == "datetime" else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{shown(value)} is not a number the API can store."
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = INTEGER_RANGE
        if not low <= value <= high:
            return f"{shown(value)} is too large; whole numbers go from {low} to {high}."
    return None


def value_problem(field: str, op: str, value: Any) -> str | None:
    """Why `value` does not suit `field` with `op` (both assumed known), or None."""
    spec = field_spec(field)
    if spec is None or op not in ALL_OPS:
        return None
    label = spec.label
    words = op_label(op, spec.kind)
    expected = value_type(spec.kind, op)
    if op == "isnull":
        if not isinstance(value, bool):
            return f"{label} '{words}' needs true or false, not {shown(value)}."
        return None
    if op == "in":
        if not isinstance(value, list):
            return f"{label} '{words}' needs a list of values, not {shown(value)}."
        if not value:
            return f"{label} '{words}' needs at least one value."
        too_many = in_list_problem(len(value))
        if too_many:
            return f"{label}: {too_many}"
        for item in value:
            odd = odd_value_problem(item, op, expected)
            if odd:
                return f"{label}: {odd}"
            if not fits_type(expected, item):
                return f"{label}: {shown(item)} in the list is not {VALUE_TYPE_WORDS[expected]}."
        return None
    if value is None:
        return f"{label} '{words}' needs a value."
    odd = odd_value_problem(value, op, expected)
    if odd:
        return f"{label}: {odd}"
    if not fits_type(expected, value):
        if op == "regex":
            return f"{label} '{words}' needs a pattern as text, not {shown(value)}."
        if op in TEXT_OPS:
            return f"{label} '{words}' needs text, not {shown(value)}."
        return f"{label} needs {VALUE_TYPE_WORDS[expected]}, not {shown(value)}."
    if op == "regex":
        problem = pattern_problem(value)  # RE2's dialect, the server's own test
        return f"{label}: {problem}" if problem else None
    if expected == "datetime":
        problem = datetime_problem(value, op)
        return f"{label} {shown(value)}: {problem}" if problem else None
    return None


def condition_problems(cond: Condition) -> list[tuple[str, str]]:
    """(part, message) for what the API would refuse in this one condition."""
    spec = field_spec(cond.field)
    if spec is None:
        if not cond.field:
            return [("field", "Choose a field.")]
        if cond.field.startswith(METADATA_PREFIX):
            key_problem = metadata_key_problem(cond.field[len(METADATA_PREFIX) :])
            return [("field", key_problem or f"There is no field '{cond.field}'.")]
        return [("field", f"There is no field '{cond.field}'.")]
    if cond.op not in ALL_OPS:
        return [("op", f"'{cond.op}' is not a comparison the API knows.")]
    if cond.op not in spec.ops:
        choices = ", ".join(f"'{op_label(op, spec.kind)}'" for op in spec.ops)
        return [
            (
                "op",
                f"{spec.label} cannot use '{op_label(cond.op, spec.kind)}' ({cond.op}); "
                f"choose one of {choices}.",
            )
        ]
    problem = value_problem(cond.field, cond.op, cond.value)
    return [("value", problem)] if problem else []


# --- the whole tree ---------------------------------------------------------------------
def validate_filter(
    node: Node | None,
    *,
    now: datetime | None = None,
    agents: Any = None,
    metrics: Any = None,
) -> list[Problem]:
    """Every problem in the tree, parents before children, in tree order.

    `agents`/`metrics`: lists of Agent/Metric models or dicts, or {id: name} mappings;
    when given, ids not among them are warned about. `now` defaults to the current time.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    agent_names = id_names(agents, "agent_name")
    metric_names = id_names(metrics, "name")
    problems: list[Problem] = []
    for path, current in iter_nodes(node):
        if isinstance(current, Group):
            problems.extend(_group_problems(current, path, moment))
        else:
            problems.extend(
                _condition_all_problems(current, path, moment, agent_names, metric_names)
            )
    problems.extend(_same_row_problems(node))
    problems.extend(_too_many_nodes(node, problems))
    problems.extend(_too_far_back(node, moment))
    order = {n.node_id: i for i, (_, n) in enumerate(iter_nodes(node))}
    problems.sort(key=lambda p: order.get(p.node_id, 0))  # stable: keeps per-node order
    return problems


def _condition_all_problems(
    cond: Condition,
    path: str,
    now: datetime,
    agent_names: dict[int, str] | None,
    metric_names: dict[int, str] | None,
) -> list[Problem]:
    found = [
        Problem(cond.node_id, path, "error", msg, part) for part, msg in condition_problems(cond)
    ]
    if found:
        return found
    label = field_label(cond.field)
    if cond.op == "in" and isinstance(cond.value, list) and len(cond.value) == 1:
        found.append(
            Problem(
                cond.node_id,
                path,
                "warning",
                f"{label} 'is one of' has only {shown(cond.value[0])}; use 'is' instead.",
                "op",
                "app",
            )
        )
    spec = field_spec(cond.field)
    what = spec.refers_to if spec is not None and spec.editor == "id_picker" else None
    names = {"agent": agent_names, "metric": metric_names}.get(what or "")
    if what is None or names is None or cond.op not in ("eq", "neq", "in"):
        return found
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    for value in values:
        if value not in names:
            found.append(
                Problem(
                    cond.node_id,
                    path,
                    "warning",
                    f"There is no {what} with ID {value} in this project.",
                    "value",
                    "app",
                )
            )
    return found


def _child_path(path: str, index: int) -> str:
    return f"{path}.conditions[{index}]" if path else f"conditions[{index}]"


def _group_problems(group: Group, path: str, now: datetime) -> list[Problem]:
    found: list[Problem] = []
    # The outermost group is level 1. Like the server, name the first group too deep on
    # each branch, not every group inside it.
    level = path.count("conditions[") + 1
    too_deep = group_depth_problem(level) if level == MAX_GROUP_DEPTH + 1 else None
    if too_deep:
        found.append(Problem(group.node_id, path, "error", too_deep, "conditions"))
    if group.operator not in LOGICAL_OPERATORS:
        found.append(
            Problem(
                group.node_id,
                path,
                "error",
                f"'{group.operator}' is not a way to combine conditions; use and, or, or same_row.",
                "operator",
            )
        )
    if not group.conditions:
        found.append(
            Problem(
                group.node_id,
                path,
                "error",
                "This group has no conditions; add one or remove the group.",
                "conditions",
            )
        )
    seen: dict[str, int] = {}
    for index, child in enumerate(group.conditions):
        key = content_key(child)
        if key in seen:
            what = "condition" if isinstance(child, Condition) else "group"
            found.append(
                Problem(
                    child.node_id,
                    _child_path(path, index),
                    "warning",
                    f"This {what} is the same as item {seen[key] + 1} of its group.",
                    None,
                    "app",
                )
            )
        else:
            seen[key] = index
    if group.operator in ("and", "same_row"):
        found.extend(_contradictions(group, path, now))
    return found


def _same_row_problems(node: Node | None) -> list[Problem]:
    found: list[Problem] = []
    for path, current in iter_nodes(node):
        if not (isinstance(current, Group) and current.operator == "same_row"):
            continue
        for sub_path, inner in iter_nodes(current, path):
            if isinstance(inner, Condition) and not is_metric_evaluation_field(inner.field):
                found.append(
                    Problem(
                        inner.node_id,
                        sub_path,
                        "error",
                        f"{field_label(inner.field)} is not part of a metric evaluation, so it "
                        "cannot be in a 'same metric evaluation' group.",
                        "field",
                    )
                )
    # A condition inside two nested same_row groups is reported once.
    unique: dict[tuple[str, str], Problem] = {}
    for problem in found:
        unique.setdefault((problem.node_id, problem.message), problem)
    return list(unique.values())


# --- contradictions inside one `and` ------------------------------------------------------
def _comparable(spec: FieldSpec, cond: Condition, now: datetime) -> Any:
    """The value as something `<` works on, or None when it cannot be ordered."""
    if spec.kind == "datetime":
        return resolve_datetime(cond.value, cond.op, now)
    if isinstance(cond.value, int | float) and not isinstance(cond.value, bool):
        return cond.value
    return None


def _bound_words(spec: FieldSpec, cond: Condition) -> str:
    if cond.op == "eq":
        return shown(cond.value)
    return f"{op_label(cond.op, spec.kind)} {shown(cond.value)}"


def _conflict(spec: FieldSpec, a: Condition, b: Condition, now: datetime) -> str | None:
    """Why `a` and `b` (same field, both valid) cannot both hold, or None."""
    label = spec.label
    ops = {a.op, b.op}
    if a.op == "eq" and b.op == "eq":
        va, vb = _comparable(spec, a, now), _comparable(spec, b, now)
        same = va == vb if va is not None and vb is not None else a.value == b.value
        if not same or isinstance(a.value, bool) != isinstance(b.value, bool):
            return f"{label} cannot be both {shown(a.value)} and {shown(b.value)}; no call matches."
        return None
    if ops == {"eq", "neq"}:
        if a.value == b.value and isinstance(a.value, bool) == isinstance(b.value, bool):
            return f"{label} cannot be {shown(a.value)} and not {shown(a.value)}; no call matches."
        return None
    if ops == {"eq", "in"}:
        eq, among = (a, b) if a.op == "eq" else (b, a)
        if eq.value not in among.value:
            return (
                f"{label} is {shown(eq.value)} but must also be one of {shown(among.value)}; "
                "no call matches."
            )
        return None
    if a.op == "in" and b.op == "in":
        if not [v for v in a.value if v in b.value]:
            return (
                f"{label} must be one of {shown(a.value)} and one of {shown(b.value)}, which "
                "share no value; no call matches."
            )
        return None
    bounds = {"eq", *LOWER_OPS, *UPPER_OPS}
    if not ops <= bounds:
        return None
    va, vb = _comparable(spec, a, now), _comparable(spec, b, now)
    if va is None or vb is None:
        return None
    pairs = [(a, va, b, vb), (b, vb, a, va)]
    for low, low_v, high, high_v in pairs:
        low_is_lower = low.op in LOWER_OPS or low.op == "eq"
        high_is_upper = high.op in UPPER_OPS or high.op == "eq"
        if not (low_is_lower and high_is_upper) or {low.op, high.op} == {"eq"}:
            continue
        strict = low.op == "gt" or high.op == "lt"
        if low_v > high_v or (strict and low_v == high_v):
            if spec.kind == "datetime":
                return (
                    f"The time window starts ({format_moment(low_v)} UTC, "
                    f"{_bound_words(spec, low)}) after it ends ({format_moment(high_v)} UTC, "
                    f"{_bound_words(spec, high)}); no call matches."
                )
            return (
                f"{label} cannot be {_bound_words(spec, low)} and {_bound_words(spec, high)} "
                "at once; no call matches."
            )
    return None


def _op_class(op: str) -> str:
    if op in LOWER_OPS:
        return "lower"
    if op in UPPER_OPS:
        return "upper"
    return op


# Which kinds of comparison on one field can contradict each other (_conflict finds
# nothing for any other pair, e.g. two lower bounds): a child is compared only with the
# earlier conditions that could contradict it, so a long `and` of lower bounds (or of
# anything else that cannot clash) costs one step per condition, not one per pair.
_CAN_CLASH: dict[str, frozenset[str]] = {
    "eq": frozenset({"eq", "neq", "in", "lower", "upper"}),
    "neq": frozenset({"eq"}),
    "in": frozenset({"eq", "in"}),
    "lower": frozenset({"eq", "upper"}),
    "upper": frozenset({"eq", "lower"}),
}


def _contradictions(group: Group, path: str, now: datetime) -> list[Problem]:
    found: list[Problem] = []
    # (field, op class) -> the earlier valid conditions, with their place in the group
    earlier: dict[tuple[str, str], list[tuple[int, Condition]]] = {}
    for index, child in enumerate(group.conditions):
        if not isinstance(child, Condition) or condition_problems(child):
            continue
        spec = field_spec(child.field)
        assert spec is not None  # condition_problems found the field
        kind = _op_class(child.op)
        rivals = sorted(
            (place, other)
            for other_kind in _CAN_CLASH.get(kind, ())
            for place, other in earlier.get((child.field, other_kind), ())
        )
        for _, other in rivals:  # in the group's order: the first clash is the one said
            reason = _conflict(spec, other, child, now)
            if reason:
                found.append(
                    Problem(
                        child.node_id, _child_path(path, index), "error", reason, "value", "app"
                    )
                )
                break
        earlier.setdefault((child.field, kind), []).append((index, child))
    return found


def _too_many_nodes(node: Node | None, found: list[Problem]) -> list[Problem]:
    """The API counts nodes (conditions and groups) only in a filter it found nothing
    else wrong with."""
    if node is None or any(p.severity == "error" and p.origin == "api" for p in found):
        return []
    too_many = node_count_problem(sum(1 for _ in iter_nodes(node)))
    return [Problem(node.node_id, "", "error", too_many)] if too_many else []


def _too_far_back(node: Node | None, now: datetime) -> list[Problem]:
    """The API refuses widget data whose start lies more than 30 days back."""
    bound = earliest_start(node, now)
    if bound is None or bound[0] >= oldest_allowed_start(now):
        return []
    start, cond = bound
    path = next(p for p, n in iter_nodes(node) if n.node_id == cond.node_id)
    return [
        Problem(
            cond.node_id,
            path,
            "error",
            f"{field_label(cond.field)} {shown(cond.value)} starts on {format_moment(start)} "
            f"UTC, more than {MAX_WIDGET_DATA_DAYS} days ago. Cekura charts cover at most the "
            f"last {MAX_WIDGET_DATA_DAYS} days, so every widget would show an error instead of "
            "data. Choose a later start, for example 'Last 30 days'.",
            "value",
            "widget_data",
        )
    ]
