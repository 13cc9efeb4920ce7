"""Filter objects (RULES.md "Filter object"): validation and compilation to SQLite.

`filter_problems` says what is wrong with a payload, keyed by the path of the bad node.
`compile_filter` turns a valid payload into a boolean SQL expression over `call_logs c`,
with every value a bound parameter. Call timestamps are stored on the demo data's own
clock, `offset` seconds behind the real one (seed.py): a moment a filter names is
compared as `moment - offset`, so the timestamp index still serves the window.

Semantics worth knowing (the property test's plain-Python evaluator states the same):
- `neq` matches rows whose value is missing (NULL) too, as Django's `exclude` does.
- contains/startswith/endswith use SQLite LIKE: case-insensitive for ASCII letters only.
- `regex` is an RE2 search (case-sensitive, matches anywhere; regex_dialect.py), which
  runs in time linear in the text whatever the pattern.
- A `metric_evaluations.*` condition outside `same_row` holds when SOME evaluation of the
  call satisfies it; `neq` and `isnull: true` are the negations ("no evaluation equals",
  "no evaluation has a value"). Inside `same_row` every condition is tested on one row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cekura_dashboards import catalog
from cekura_dashboards.filter_validation import fits_type, odd_value_problem
from cekura_dashboards.regex_dialect import compile_pattern, pattern_problem
from cekura_dashboards.relative_dates import (
    datetime_problem,
    day_range,
    means_whole_day,
    resolve_datetime,
)

_CONDITION_KEYS = frozenset({"field", "op", "value"})
_GROUP_KEYS = frozenset({"operator", "conditions"})

# A pattern over a name matches against the few rows of the names' table once, not
# once per call: fewer calls from SQLite into Python keep a regex filter from starving
# the requests beside it of the interpreter lock (bench/bench_neighbour.py).
_REGEX_OVER_IDS: dict[str, str] = {
    "agent.agent_name": "c.agent_id IN (SELECT a.id FROM agents a WHERE a.agent_name REGEXP {})",
    "metric_evaluations.metric.name": (
        "me.metric_id IN (SELECT m.id FROM metrics m WHERE m.name REGEXP {})"
    ),
}
# `{}` is SQL this module built from constants; every value in it is a bound parameter.
_SOME_EVALUATION = "EXISTS (SELECT 1 FROM metric_evaluations me WHERE me.call_log_id = c.id AND {})"
_COMPARISONS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class InvalidFilter(ValueError):
    """compile_filter was given a payload that filter_problems refuses."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(flatten_problems(problems)))


def flatten_problems(problems: dict[str, list[str]]) -> list[str]:
    """`{"conditions[1].op": ["..."]}` as `["conditions[1].op: ..."]` (root problems bare)."""
    return [f"{path}: {msg}" if path else msg for path, msgs in problems.items() for msg in msgs]


# --- Validation --------------------------------------------------------------------------


def _show(value: Any, limit: int = 60) -> str:
    """A value as a person reads it in a message; safe to encode as UTF-8 JSON."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'" if isinstance(value, str) else text


def _join(path: str, part: str) -> str:
    if not path:
        return part
    return f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


def _value_problems(spec: catalog.FieldSpec, op: str, value: Any) -> list[str]:
    if op == "isnull":
        if not isinstance(value, bool):
            return [f"'isnull' takes true or false, not {_show(value)}."]
        return []
    expected = catalog.value_type(spec.kind, op)
    kind_name = catalog.VALUE_TYPE_WORDS[expected]
    if op == "in":
        if not isinstance(value, list):
            return [f'\'in\' takes a list of values, for example ["a", "b"]; got {_show(value)}.']
        if not value:
            return ["'in' needs at least one value in its list."]
        too_many = catalog.in_list_problem(len(value))
        if too_many:
            return [too_many]
        for item in value:
            odd = odd_value_problem(item, op, expected)
            if odd:
                return [_capitalized(odd)]
        bad = [item for item in value if not fits_type(expected, item)]
        if bad:
            return [f"Every value of '{spec.name}' must be {kind_name}; {_show(bad[0])} is not."]
        return []
    problem = odd_value_problem(value, op, expected)
    if problem:
        return [_capitalized(problem)]
    if not fits_type(expected, value):
        return [f"The value of '{spec.name}' must be {kind_name}; got {_show(value)}."]
    if expected == "datetime":
        problem = datetime_problem(value, op, datetime.now(UTC))
    elif op == "regex":
        problem = pattern_problem(value)
    return [_capitalized(problem)] if problem else []


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]


def _field_spec_or_problem(field: Any) -> tuple[catalog.FieldSpec | None, str | None]:
    if not isinstance(field, str) or not field:
        return None, f"A condition needs a field name (text); got {_show(field)}."
    spec = catalog.field_spec(field)
    if spec is not None:
        return spec, None
    if field.startswith(catalog.METADATA_PREFIX):
        problem = catalog.metadata_key_problem(field[len(catalog.METADATA_PREFIX) :])
        if problem:
            return None, problem
    return None, f"Unknown field {_show(field)}."


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {}
        self.nodes = 0

    def add(self, path: str, message: str) -> None:
        self.problems.setdefault(path, []).append(message)

    def node(self, node: Any, path: str, depth: int, in_same_row: bool) -> None:
        if not isinstance(node, dict):
            self.add(path, f"Expected a condition or a group (an object); got {_show(node)}.")
            return
        keys = set(node)
        if keys & _GROUP_KEYS and keys & _CONDITION_KEYS:
            self.add(
                path,
                "A node is either a condition (field, op, value) or a group (operator, "
                "conditions), not both.",
            )
            return
        self.nodes += 1
        if keys & _GROUP_KEYS:
            self.group(node, path, depth, in_same_row)
        elif keys & _CONDITION_KEYS:
            self.condition(node, path, in_same_row)
        else:
            self.add(
                path,
                "Expected a condition {field, op, value} or a group {operator, conditions}"
                + (f"; unknown keys {', '.join(sorted(_show(k) for k in keys))}." if keys else "."),
            )

    def group(self, node: dict[str, Any], path: str, depth: int, in_same_row: bool) -> None:
        for key in sorted(set(node) - _GROUP_KEYS, key=str):
            self.add(
                path, f"Unknown key {_show(key)} in a group; a group has operator and conditions."
            )
        # `depth` counts the groups around this one: the outermost group is level 1.
        too_deep = catalog.group_depth_problem(depth + 1)
        if too_deep:
            self.add(path, too_deep)
            return
        operator = node.get("operator")
        if "operator" not in node:
            self.add(_join(path, "operator"), "A group needs an operator: and, or or same_row.")
        elif operator not in catalog.LOGICAL_OPERATORS:
            self.add(
                _join(path, "operator"),
                f"Unknown logical operator {_show(operator)}; use and, or or same_row.",
            )
        conditions = node.get("conditions")
        if not isinstance(conditions, list):
            self.add(
                _join(path, "conditions"),
                f"A group needs a list of conditions; got {_show(conditions)}.",
            )
            return
        if not conditions:
            self.add(_join(path, "conditions"), "A group needs at least one condition.")
            return
        inner_same_row = in_same_row or operator == "same_row"
        for index, child in enumerate(conditions):
            self.node(child, _join(path, f"conditions[{index}]"), depth + 1, inner_same_row)

    def condition(self, node: dict[str, Any], path: str, in_same_row: bool) -> None:
        for key in sorted(set(node) - _CONDITION_KEYS, key=str):
            self.add(
                path,
                f"Unknown key {_show(key)} in a condition; a condition has field, op and value.",
            )
        spec, field_problem = _field_spec_or_problem(node.get("field"))
        if field_problem:
            self.add(_join(path, "field"), field_problem)
        elif in_same_row and spec is not None and not catalog.is_metric_evaluation_field(spec.name):
            self.add(
                _join(path, "field"),
                f"A same_row group compares one metric evaluation; {_show(spec.name)} is not a "
                "metric_evaluations field.",
            )
        op = node.get("op")
        if "op" not in node:
            self.add(_join(path, "op"), "A condition needs an op, for example eq.")
            return
        if op not in catalog.ALL_OPS:
            self.add(
                _join(path, "op"),
                f"Unknown op {_show(op)}; use one of {', '.join(catalog.ALL_OPS)}.",
            )
            return
        if spec is None:
            return
        if op not in spec.ops:
            self.add(
                _join(path, "op"),
                f"{_show(spec.name)} does not accept {_show(op)}; use one of {', '.join(spec.ops)}.",
            )
            return
        if "value" not in node:
            self.add(_join(path, "value"), f"The condition on {_show(spec.name)} needs a value.")
            return
        for message in _value_problems(spec, op, node["value"]):
            self.add(_join(path, "value"), message)


def filter_problems(filters: Any) -> dict[str, list[str]]:
    """What is wrong with a filter payload, by node path; `{}` when it is valid.

    Paths: `""` for the root, `conditions[1]` for a node, `conditions[1].conditions[0].op`
    for one of its keys. `None` and `{}` mean "no filter" and are valid.
    """
    if filters is None or filters == {}:
        return {}
    checker = _Checker()
    checker.node(filters, "", 0, False)
    too_many = catalog.node_count_problem(checker.nodes)
    if not checker.problems and too_many:
        checker.add("", too_many)
    return checker.problems


# --- Compilation -------------------------------------------------------------------------


def _like_pattern(value: str, op: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op == "contains":
        return f"%{escaped}%"
    if op == "startswith":
        return f"{escaped}%"
    return f"%{escaped}"


def _balanced(parts: list[str], joiner: str) -> str:
    """`a AND b AND c ...` nested as a balanced tree: SQLite caps expression depth at 1000."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({_balanced(parts[:middle], joiner)} {joiner} {_balanced(parts[middle:], joiner)})"


def _metadata_path(field: str) -> str:
    # The key passed catalog.metadata_key_problem: letters, digits, '_' and '-' only.
    return f'$."{field[len(catalog.METADATA_PREFIX) :]}"'


class _Compiler:
    def __init__(self, now: datetime, offset: float = 0.0):
        self.now = now
        self.offset = offset
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def node(self, node: dict[str, Any], in_row: bool) -> str:
        if "operator" in node:
            operator = node["operator"]
            if operator == "same_row" and not in_row:
                inner = self.node({"operator": "and", "conditions": node["conditions"]}, True)
                return _SOME_EVALUATION.format(inner)
            joiner = "OR" if operator == "or" else "AND"
            return _balanced([self.node(child, in_row) for child in node["conditions"]], joiner)
        field = node["field"]
        if catalog.is_metric_evaluation_field(field) and not in_row:
            return self.evaluation_condition(node)
        return self.comparison(self.column(field), node)

    def column(self, field: str) -> str:
        """The catalog's column for the field; a metadata key is a bound JSON path."""
        spec = catalog.field_spec(field)
        if spec is None:
            raise ValueError(f"Unknown filter field {field!r}: not in the catalog.")
        if catalog.is_metadata_field(field):
            return f"json_extract(c.metadata, {self.bind(_metadata_path(field))})"
        return spec.column

    def evaluation_condition(self, node: dict[str, Any]) -> str:
        """Some evaluation satisfies it; neq and isnull:true are negations (module doc)."""
        negate = node["op"] == "neq" or (node["op"] == "isnull" and node["value"] is True)
        positive = dict(node)
        if node["op"] == "neq":
            positive["op"] = "eq"
        elif node["op"] == "isnull":
            positive["value"] = False
        inner = self.comparison(self.column(node["field"]), positive)
        exists = _SOME_EVALUATION.format(inner)
        return f"NOT {exists}" if negate else exists

    def comparison(self, column: str, node: dict[str, Any]) -> str:
        op, value = node["op"], node["value"]
        spec = catalog.field_spec(node["field"])
        kind = spec.kind if spec is not None else ""
        if op == "isnull":
            return f"{column} IS NULL" if value else f"{column} IS NOT NULL"
        if op in ("contains", "startswith", "endswith"):
            pattern = self.bind(_like_pattern(value, op))
            if kind == "dynamic":
                return f"(typeof({column}) = 'text' AND {column} LIKE {pattern} ESCAPE '\\')"
            return f"{column} LIKE {pattern} ESCAPE '\\'"
        if op == "regex":
            if node["field"] in _REGEX_OVER_IDS:
                return _REGEX_OVER_IDS[node["field"]].format(self.bind(value))
            return f"{column} REGEXP {self.bind(value)}"
        if op == "in":
            placeholder = self.bind(json.dumps(value))
            return f"{column} IN (SELECT value FROM json_each({placeholder}))"  # noqa: S608
        if kind == "datetime":
            return self.timestamp(column, op, value)
        if op == "neq":
            return f"{column} IS NOT {self.bind(value)}"
        if kind == "dynamic" and op != "eq":
            # The column holds numbers and text; SQLite ranks any text above any number.
            return f"({column} {_COMPARISONS[op]} {self.bind(value)} AND typeof({column}) IN ('integer', 'real'))"
        return f"{column} {_COMPARISONS[op]} {self.bind(value)}"

    def timestamp(self, column: str, op: str, value: str) -> str:
        if op == "eq" and means_whole_day(value):
            start, end = day_range(value, self.now)
            low, high = self.stored(start), self.stored(end)
            return f"({column} >= {self.bind(low)} AND {column} < {self.bind(high)})"
        moment = self.stored(resolve_datetime(value, op, self.now))
        return f"{column} {_COMPARISONS[op]} {self.bind(moment)}"

    def stored(self, moment: datetime) -> float:
        """A real moment as the stored timestamps count it."""
        return moment.timestamp() - self.offset


def compile_filter(filters: Any, *, now: datetime, offset: float = 0.0) -> tuple[str, list[Any]]:
    """A boolean SQL expression for `SELECT ... FROM call_logs c WHERE <expr>`, and its
    parameters. `None`/`{}` gives `1`. Raises InvalidFilter when filter_problems objects;
    the connection needs `register_functions` for `regex`. `offset`: seconds the stored
    timestamps lie behind the real clock (seed.data_offset)."""
    problems = filter_problems(filters)
    if problems:
        raise InvalidFilter(problems)
    if not filters:
        return "1", []
    compiler = _Compiler(now if now.tzinfo else now.replace(tzinfo=UTC), offset)
    return compiler.node(filters, False), compiler.params


class _PatternCache:
    """Compiled patterns of one connection, and what each said of the values it saw.

    A connection runs one query at a time and one filter holds at most MAX_FILTER_NODES
    patterns, so with room for twice that a query never evicts its own patterns (a small
    shared cache recompiled every pattern on every row once a filter held more distinct
    patterns than the cache). Answers are kept too: the columns patterns run over (agent
    and metric names, metadata) repeat few values over many rows."""

    def __init__(self, size: int = 2 * catalog.MAX_FILTER_NODES, answers: int = 100_000) -> None:
        self._compiled: dict[str, Any] = {}
        self._answers: dict[tuple[str, str], int] = {}
        self._size = size
        self._answer_room = answers

    def matches(self, pattern: str, text: str) -> int:
        key = (pattern, text)
        answer = self._answers.get(key)
        if answer is None:
            answer = 1 if self._compiled_pattern(pattern).search(text) else 0
            if len(self._answers) >= self._answer_room:
                self._answers.clear()
            self._answers[key] = answer
        return answer

    def _compiled_pattern(self, pattern: str) -> Any:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            if len(self._compiled) >= self._size:
                del self._compiled[next(iter(self._compiled))]  # the oldest
            compiled = self._compiled[pattern] = compile_pattern(pattern)
        return compiled


def _regexp_function(cache: _PatternCache) -> Callable[[str | None, Any], int | None]:
    def regexp(pattern: str | None, value: Any) -> int | None:
        if pattern is None or value is None:
            return None
        try:
            return cache.matches(pattern, str(value))
        except (ValueError, UnicodeError):
            return 0  # filter_problems refused such a pattern or value before this runs

    return regexp


def register_functions(conn: sqlite3.Connection) -> None:
    """Give a connection what compiled filters call: `X REGEXP pattern` (an RE2 search)."""
    conn.create_function("regexp", 2, _regexp_function(_PatternCache()), deterministic=True)
