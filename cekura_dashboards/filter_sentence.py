"""A filter in plain words: "Calls from the last 7 days that lasted at least 60 s and were
handled by Billing Bot". Deterministic: the same tree and lists give the same text.

Field words (label, noun, verb) come from the catalog's FieldSpec; op words from
catalog.op_label. Fields the catalog gives a verb read as what the calls did ("lasted",
"succeeded", "were handled by"); the rest read "whose <noun> <op> <value>".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cekura_dashboards.catalog import (
    RELATIVE_UNITS,
    TIMESTAMP_FIELD,
    FieldSpec,
    field_spec,
    op_label,
)
from cekura_dashboards.filter_tree import Condition, Group, Node
from cekura_dashboards.filter_validation import id_names, shown
from cekura_dashboards.relative_dates import (
    LOWER_OPS,
    UPPER_OPS,
    format_moment,
    parse_absolute,
    parse_relative,
    resolve_datetime,
)

# Group operators as the change list and captions name them.
GROUP_WORDS: dict[str, str] = {
    "and": "all of",
    "or": "any of",
    "same_row": "same metric evaluation",
}


class _Names:
    def __init__(self, agents: Any, metrics: Any, now: datetime | None) -> None:
        self.agents = id_names(agents, "agent_name") or {}
        self.metrics = id_names(metrics, "name") or {}
        self.now = now


def group_words(operator: str) -> str:
    """`and` -> "all of" (the change list's name for a group)."""
    return GROUP_WORDS.get(operator, operator)


def short_label(field: str) -> str:
    """The catalog label without its unit note: "Call duration"."""
    spec = field_spec(field)
    if spec is None:
        return field
    return spec.label.split(" (")[0]


def _noun(field: str) -> str:
    """What a field is called inside a sentence ("whose topic is 'billing'")."""
    spec = field_spec(field)
    return spec.noun if spec is not None and spec.noun else field


# --- values ---------------------------------------------------------------------------------
def _moment_words(value: Any, op: str, names: _Names) -> str:
    """A datetime value as words: "7 days ago", "today", "7 Nov 2026 14:00 UTC"."""
    relative = parse_relative(value)
    if relative is not None:
        if not relative.amount:
            if relative.anchor == "today":
                return "the end of today" if op in UPPER_OPS else "today"
            return "now"
        unit = RELATIVE_UNITS[relative.unit] + ("" if relative.amount == 1 else "s")
        if relative.anchor == "today":
            edge = "the end of" if op in UPPER_OPS else "the start of"
            return f"{edge} the day {relative.amount} {unit} ago"
        return f"{relative.amount} {unit} ago"
    absolute = parse_absolute(value)
    if absolute is not None:
        return f"{format_moment(resolve_datetime(value, op))} UTC"
    return shown(value)


def _one_value(field: str, spec: FieldSpec | None, value: Any, names: _Names) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec is not None and spec.editor == "id_picker" and isinstance(value, int):
        known = names.agents if spec.refers_to == "agent" else names.metrics
        return known.get(value, f"{spec.refers_to} #{value}")
    if spec is not None and spec.kind == "datetime" and isinstance(value, str):
        return _moment_words(value, "gte", names)
    if isinstance(value, int | float) and spec is not None and spec.unit:
        return f"{value} {spec.unit}"
    return shown(value)


def _or_list(items: list[str]) -> str:
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _value_words(field: str, op: str, value: Any, names: _Names) -> str:
    spec = field_spec(field)
    if spec is not None and spec.kind == "datetime" and isinstance(value, str):
        return _moment_words(value, op, names)
    if op == "in" and isinstance(value, list):
        return _or_list([_one_value(field, spec, v, names) for v in value])
    return _one_value(field, spec, value, names)


# --- one condition ------------------------------------------------------------------------
def _op_words(op: str, kind: str, value: Any) -> str:
    if op == "isnull":
        return "is empty" if value is True else "is not empty"
    try:
        return op_label(op, kind)
    except KeyError:
        return repr(op)


def describe_condition(
    cond: Condition, *, agents: Any = None, metrics: Any = None, now: datetime | None = None
) -> str:
    """A row caption: "Call duration at least 60 s", "Agent is Billing Bot",
    "Call time on or after 7 days ago (7 Nov 2026 14:00 UTC)" (the absolute time only when
    `now` is given)."""
    names = _Names(agents, metrics, now)
    spec = field_spec(cond.field)
    kind = spec.kind if spec else "string"
    label = short_label(cond.field)
    if kind == "boolean" and cond.op == "eq" and isinstance(cond.value, bool):
        return f"{label}: {'yes' if cond.value else 'no'}"
    if cond.op == "isnull":
        return f"{label} {_op_words(cond.op, kind, cond.value)}"
    text = f"{label} {_op_words(cond.op, kind, cond.value)} {_value_words(cond.field, cond.op, cond.value, names)}"
    if kind == "datetime" and now is not None and parse_relative(cond.value) is not None:
        try:
            moment = resolve_datetime(cond.value, cond.op, now)
        except ValueError:
            return text
        text += f" ({format_moment(moment)} UTC)"
    return text


def _predicate(cond: Condition, names: _Names) -> str:
    """ "is at least 0.9", "contains 'pay'", "is not empty": what follows the noun."""
    spec = field_spec(cond.field)
    kind = spec.kind if spec else "string"
    words = _op_words(cond.op, kind, cond.value)
    if cond.op in (*LOWER_OPS, *UPPER_OPS) and kind != "datetime":
        words = f"is {words}"
    if cond.op == "isnull":
        return words
    return f"{words} {_value_words(cond.field, cond.op, cond.value, names)}"


def _noun_clause(cond: Condition, names: _Names) -> str:
    """ "the score is at least 0.9": a condition inside "where ..."."""
    return f"the {_noun(cond.field)} {_predicate(cond, names)}"


def _whose_clause(cond: Condition, names: _Names) -> str:
    """ "whose topic is 'billing'": a condition right after "Calls"."""
    return f"whose {_noun(cond.field)} {_predicate(cond, names)}"


def _have_clause(cond: Condition, names: _Names) -> str:
    """ "have a topic that is 'billing'": a condition among verbs."""
    noun = _noun(cond.field)
    article = "an" if noun[:1] in "aeiou" else "a"
    return f"have {article} {noun} that {_predicate(cond, names)}"


def _time_words(cond: Condition, names: _Names) -> str:
    """ "in the last 7 days", "since 7 Nov 2026 14:00 UTC", "before 2 hours ago"."""
    relative = parse_relative(cond.value)
    if (
        cond.op in LOWER_OPS
        and relative is not None
        and relative.anchor == "now"
        and relative.amount
    ):
        unit = RELATIVE_UNITS[relative.unit]
        span = unit if relative.amount == 1 else f"{relative.amount} {unit}s"
        return f"in the last {span}"
    if (
        cond.op == "gte"
        and relative is not None
        and relative.anchor == "today"
        and not relative.amount
    ):
        return "today"
    moment = _moment_words(cond.value, cond.op, names)
    lead = {"gt": "after", "gte": "since", "lt": "before", "lte": "up to", "eq": "at"}
    return f"{lead.get(cond.op, cond.op)} {moment}"


def _is_time_bound(node: Node) -> bool:
    return (
        isinstance(node, Condition)
        and node.field == TIMESTAMP_FIELD
        and node.op in ("eq", *LOWER_OPS, *UPPER_OPS)
        and isinstance(node.value, str)
    )


def _special_verb(cond: Condition, names: _Names) -> str | None:
    """What the calls did, for fields the catalog gives a verb: "lasted at least 60 s",
    "were handled by Billing Bot"; None for the rest."""
    spec = field_spec(cond.field)
    if spec is None or not spec.verb:
        return None
    op, value = cond.op, cond.value
    if op == "isnull" and isinstance(value, bool):
        article = "an" if spec.noun[:1] in "aeiou" else "a"
        return f"have no {spec.noun}" if value else f"have {article} {spec.noun}"
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.kind == "number" and is_number:
        if op == "eq":
            return f"{spec.verb} exactly {value} {spec.unit}"
        if op in (*LOWER_OPS, *UPPER_OPS):
            return f"{spec.verb} {op_label(op, spec.kind)} {value} {spec.unit}"
    if spec.kind == "boolean" and isinstance(value, bool) and op in ("eq", "neq"):
        return spec.verb if (op == "eq") == value else spec.verb_not
    if spec.editor == "id_picker" and op in ("eq", "in", "neq"):
        verb = spec.verb_not if op == "neq" else spec.verb
        return f"{verb} {_value_words(cond.field, op, value, names)}"
    if spec.kind == "datetime" and _is_time_bound(cond):
        return f"{spec.verb} {_time_words(cond, names)}"
    return None


def _verb_clause(cond: Condition, names: _Names) -> str:
    return _special_verb(cond, names) or _have_clause(cond, names)


# --- groups ------------------------------------------------------------------------------
def _where_clause(node: Node, names: _Names) -> str:
    """Inside a same_row group: "the metric is Accuracy and the score is at least 0.9"."""
    if isinstance(node, Condition):
        return _noun_clause(node, names)
    parts = [_where_clause(child, names) for child in node.conditions]
    if not parts:
        return "(nothing)"
    if node.operator == "or":
        return "either " + _or_list(parts) if len(parts) > 1 else parts[0]
    return _and_list(parts)


def _same_row_clause(group: Group, names: _Names) -> str:
    if not group.conditions:
        return "one metric evaluation (with no condition yet)"
    return f"one metric evaluation where {_where_clause(group, names)}"


def _verb(node: Node, names: _Names, *, nested: bool = False) -> str:
    """A node as what the calls did, for "Calls that ...". A nested group of several
    parts is put in brackets, so "(either A or B) and C" cannot read as "either A or
    (B and C)"."""
    if isinstance(node, Condition):
        return _verb_clause(node, names)
    if node.operator == "same_row":
        return "have " + _same_row_clause(node, names)
    parts = [_verb(child, names, nested=True) for child in node.conditions]
    if not parts:
        return "match an empty group"
    if len(parts) == 1:
        return parts[0]
    if node.operator == "or":
        words = "either " + _or_list(parts)
    elif len(parts) == 2:
        words = f"both {parts[0]} and {parts[1]}"
    else:
        words = _and_list(parts)
    return f"({words})" if nested else words


def _window_phrase(bounds: list[Condition], names: _Names) -> str:
    """How the root's timestamp bounds read right after "Calls"."""
    if len(bounds) == 2:
        low = next((b for b in bounds if b.op == "gte"), None)
        high = next((b for b in bounds if b.op == "lte"), None)
        if low is not None and high is not None:
            return (
                f"from {_moment_words(low.value, 'gte', names)} "
                f"to {_moment_words(high.value, 'lte', names)}"
            )
    phrases = []
    for bound in bounds:
        words = _time_words(bound, names)
        phrases.append(
            "from " + words.removeprefix("in ") if words.startswith("in the last") else words
        )
    return _and_list(phrases)


def describe_filter(
    node: Node | None, *, agents: Any = None, metrics: Any = None, now: datetime | None = None
) -> str:
    """The filter as one plain sentence: "Calls from the last 7 days that lasted at least
    60 s and were handled by Billing Bot". `agents`/`metrics` (models, dicts or {id: name})
    turn ids into names. No filter reads "All calls"."""
    names = _Names(agents, metrics, now)
    if node is None:
        return "All calls"
    if isinstance(node, Group) and node.operator == "same_row":
        return "Calls with " + _same_row_clause(node, names)
    if isinstance(node, Group) and node.operator == "or":
        return "Calls that " + _verb(node, names) if node.conditions else "Calls (an empty group)"
    children: tuple[Node, ...] = node.conditions if isinstance(node, Group) else (node,)
    if not children:
        return "Calls (an empty group)"
    bounds = [c for c in children if _is_time_bound(c) and isinstance(c, Condition)]
    rows = [c for c in children if isinstance(c, Group) and c.operator == "same_row"]
    taken = {c.node_id for c in bounds} | {g.node_id for g in rows}
    rest = [c for c in children if c.node_id not in taken]
    text = "Calls"
    if bounds:
        text += " " + _window_phrase(bounds, names)
    if rows:
        text += " with " + " and with ".join(
            _same_row_clause(g, names) for g in rows if isinstance(g, Group)
        )
    verbs: list[str] = []
    whose: list[str] = []
    for child in rest:
        special = _special_verb(child, names) if isinstance(child, Condition) else None
        if isinstance(child, Condition) and special is None:
            whose.append(_whose_clause(child, names))
        else:
            verbs.append(special or _verb(child, names, nested=len(rest) > 1))
    if verbs:
        text += ("," if rows else "") + " that " + _and_list(verbs)
    if whose:
        text += (" and " if verbs else ("," if rows else "") + " ") + _and_list(whose)
    return text


def condition_words(
    cond: Condition, *, agents: Any = None, metrics: Any = None, now: datetime | None = None
) -> str:
    """A builder row as a sentence: "Call duration is at least 60 s", "Agent is Billing
    Bot", "Call time is in the last 14 days", "Call topic is … (needs a value)"."""
    spec = field_spec(cond.field)
    kind = spec.kind if spec else "string"
    label = short_label(cond.field)
    missing = cond.op != "isnull" and (cond.value is None or cond.value == "" or cond.value == [])
    if missing:
        return f"{label} {_row_op(cond.op, kind, cond.value)} … (needs a value)"
    if kind == "datetime" and _is_time_bound(cond):
        names = _Names(agents, metrics, now)
        return f"{label} is {_time_words(cond, names)}"
    if kind == "boolean" and cond.op == "eq" and isinstance(cond.value, bool):
        return f"{label}: {'yes' if cond.value else 'no'}"
    if cond.op == "isnull":
        return f"{label} {_op_words(cond.op, kind, cond.value)}"
    names = _Names(agents, metrics, now)
    value = _value_words(cond.field, cond.op, cond.value, names)
    return f"{label} {_row_op(cond.op, kind, cond.value)} {value}"


def _row_op(op: str, kind: str, value: Any) -> str:
    words = _op_words(op, kind, value)
    if op in (*LOWER_OPS, *UPPER_OPS) and kind != "datetime":
        return f"is {words}"  # "Call duration is at least", not "Call duration at least"
    return words
