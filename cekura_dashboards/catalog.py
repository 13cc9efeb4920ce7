"""What the Cekura API accepts, in one table: filter fields and their ops, widget
combinations, relative dates. Straight from contract/RULES.md.

Both the client side (builder, validation, sentences) and the embedded demo API read
this module, so the two can never disagree about a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["integer", "number", "string", "boolean", "datetime", "dynamic"]

ALL_OPS: tuple[str, ...] = (
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "startswith",
    "endswith",
    "in",
    "isnull",
    "regex",
)

LOGICAL_OPERATORS: tuple[str, ...] = ("and", "or", "same_row")

LOGICAL_LABELS: dict[str, str] = {
    "and": "all of these are true",
    "or": "any of these is true",
    "same_row": "all true for the same metric evaluation",
}

# The project's rule for fields the guide lists no ops for (RULES.md).
_STRING_OPS = ("eq", "neq", "contains", "startswith", "endswith", "in", "isnull", "regex")
_INTEGER_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "isnull")
_DYNAMIC_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "isnull", "contains")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    label: str
    group: str  # "Call", "Agent", "Metadata", "Metric evaluation": how the picker groups it
    ops: tuple[str, ...]
    unit: str = ""


FIELD_GROUPS: tuple[str, ...] = ("Call", "Agent", "Metadata", "Metric evaluation")

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("id", "integer", "Call ID", "Call", ("eq", "in", "gt", "gte", "lt", "lte")),
        FieldSpec("success", "boolean", "Call succeeded", "Call", ("eq", "neq", "isnull")),
        FieldSpec(
            "duration",
            "number",
            "Call duration (seconds)",
            "Call",
            ("eq", "gt", "gte", "lt", "lte"),
            unit="s",
        ),
        FieldSpec(
            "customer_number",
            "string",
            "Customer phone number",
            "Call",
            ("eq", "neq", "contains", "startswith", "in"),
        ),
        FieldSpec(
            "call_ended_reason",
            "string",
            "Why the call ended",
            "Call",
            ("eq", "neq", "contains", "in"),
        ),
        FieldSpec(
            "dropoff_point",
            "string",
            "Drop-off point",
            "Call",
            ("eq", "neq", "contains", "in", "isnull"),
        ),
        FieldSpec(
            "topic", "string", "Call topic", "Call", ("eq", "neq", "contains", "in", "isnull")
        ),
        FieldSpec("timestamp", "datetime", "Call time", "Call", ("eq", "gt", "gte", "lt", "lte")),
        FieldSpec("is_reviewed", "boolean", "Reviewed by a person", "Call", ("eq",)),
        FieldSpec("agent.id", "integer", "Agent", "Agent", _INTEGER_OPS),
        FieldSpec("agent.agent_name", "string", "Agent name", "Agent", _STRING_OPS),
        FieldSpec(
            "metric_evaluations.metric.id",
            "integer",
            "Metric",
            "Metric evaluation",
            _INTEGER_OPS,
        ),
        FieldSpec(
            "metric_evaluations.metric.name",
            "string",
            "Metric name",
            "Metric evaluation",
            _STRING_OPS,
        ),
        FieldSpec(
            "metric_evaluations.value",
            "dynamic",
            "Metric score",
            "Metric evaluation",
            _DYNAMIC_OPS,
        ),
    )
}

METADATA_PREFIX = "metadata."
METADATA_OPS = _STRING_OPS
METRIC_EVALUATION_PREFIX = "metric_evaluations."
_METADATA_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def metadata_key_problem(key: str) -> str | None:
    """Why `key` cannot follow `metadata.`, or None when it can."""
    if not key:
        return "Metadata needs a key, for example metadata.region."
    if "." in key:
        return f"Only top-level metadata keys can be filtered on; 'metadata.{key}' is nested."
    if not _METADATA_KEY.match(key):
        return f"Metadata key '{key}' may use only letters, digits, '_' and '-'."
    return None


def field_spec(name: str) -> FieldSpec | None:
    """The spec of a filter field, including any `metadata.<key>`; None when unknown
    (a nested metadata key is unknown)."""
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith(METADATA_PREFIX):
        key = name[len(METADATA_PREFIX) :]
        if metadata_key_problem(key) is None:
            return FieldSpec(name, "string", f"Metadata: {key}", "Metadata", METADATA_OPS)
    return None


def is_metric_evaluation_field(name: str) -> bool:
    return name.startswith(METRIC_EVALUATION_PREFIX)


def op_label(op: str, kind: FieldKind | str = "string") -> str:
    """An op in words, as a person reads it after the field's label."""
    if kind == "datetime":
        words = {
            "eq": "is",
            "gt": "after",
            "gte": "on or after",
            "lt": "before",
            "lte": "on or before",
        }
        if op in words:
            return words[op]
    if kind in ("number", "integer", "dynamic"):
        words = {"gt": "more than", "gte": "at least", "lt": "less than", "lte": "at most"}
        if op in words:
            return words[op]
    return {
        "eq": "is",
        "neq": "is not",
        "gt": "more than",
        "gte": "at least",
        "lt": "less than",
        "lte": "at most",
        "contains": "contains",
        "startswith": "starts with",
        "endswith": "ends with",
        "in": "is one of",
        "isnull": "is empty",
        "regex": "matches the pattern",
    }[op]


# --- Relative datetimes: now, today, now-2h, today-7d ---------------------------------
RELATIVE_DATE = re.compile(r"^(now|today)(?:-(\d+)([smhdwMy]))?$")
RELATIVE_UNITS: dict[str, str] = {
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "w": "week",
    "M": "month",
    "y": "year",
}
MAX_WIDGET_DATA_DAYS = 30
TOO_FAR_IN_THE_PAST = (
    "Timestamp filter value is too far in the past. Maximum allowed range is 30 days."
)

# --- Widgets ---------------------------------------------------------------------------
CHART_TYPES: tuple[str, ...] = ("line", "bar", "pie", "stat")
DATA_TYPES: tuple[str, ...] = ("numeric", "boolean", "string", "datetime", "dynamic")
AGGREGATIONS: tuple[str, ...] = ("count", "sum", "avg", "min", "max", "p50", "p95", "p99")
TIME_PERIODS: tuple[str, ...] = ("hour", "day", "week", "month")
EVAL_TYPES: tuple[str, ...] = ("binary", "continuous_qualitative", "numeric", "enum")

# Fields a widget may plot, with their data type. `metadata.<key>` is a string too.
PLOTTABLE_FIELDS: dict[str, str] = {
    "duration": "numeric",
    "success": "boolean",
    "is_reviewed": "boolean",
    "call_ended_reason": "string",
    "dropoff_point": "string",
    "topic": "string",
    "agent_id": "numeric",
    "metric_evaluations.value": "dynamic",
}

PLOTTABLE_LABELS: dict[str, str] = {
    "": "Call summary (total, success rate, average and p95 duration)",
    "duration": "Call duration (seconds)",
    "success": "Call succeeded",
    "is_reviewed": "Reviewed by a person",
    "call_ended_reason": "Why the call ended",
    "dropoff_point": "Drop-off point",
    "topic": "Call topic",
    "agent_id": "Agent",
    "metric_evaluations.value": "Metric score",
}

# data type -> (chart types, aggregations) that make sense for it
WIDGET_COMBINATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "numeric": (("line", "bar"), ("count", "sum", "avg", "min", "max", "p50", "p95", "p99")),
    "boolean": (("pie", "bar"), ("count", "avg")),
    "string": (("pie", "bar"), ("count",)),
    "datetime": (("line", "bar"), ("count", "min", "max")),
}

# metric eval_type -> (data type the value plots as, chart types allowed)
METRIC_PLOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "enum": ("string", ("pie",)),
    "numeric": ("numeric", ("line", "bar", "pie")),
    "continuous_qualitative": ("numeric", ("line", "bar", "pie")),
    "binary": ("boolean", ("pie", "bar")),
}


def plottable_data_type(field: str) -> str | None:
    """The data type a widget field plots as, or None when it cannot be plotted."""
    if field in PLOTTABLE_FIELDS:
        return PLOTTABLE_FIELDS[field]
    if (
        field.startswith(METADATA_PREFIX)
        and metadata_key_problem(field[len(METADATA_PREFIX) :]) is None
    ):
        return "string"
    return None


def plottable_label(field: str) -> str:
    if field in PLOTTABLE_LABELS:
        return PLOTTABLE_LABELS[field]
    if field.startswith(METADATA_PREFIX):
        return f"Metadata: {field[len(METADATA_PREFIX) :]}"
    return field


# --- Limits ------------------------------------------------------------------------------
# One set of size limits for a filter, read by the builder's validation and by the demo
# API's, so a filter the builder lets through is never refused for its size on Save.
# They bound the work one filter can cause: every node is SQL, every `in` value a bound
# parameter, every pattern a compiled regex.
MAX_GROUP_DEPTH = 32  # groups inside groups, the outermost counting as 1
MAX_FILTER_NODES = 1000  # conditions and groups together
MAX_IN_VALUES = 10_000  # values in one `in` list
MAX_TEXT_LENGTH = 1000  # characters in one text value
MAX_PATTERN_LENGTH = 500  # characters in one regex pattern
MAX_BODY_BYTES = 1024 * 1024  # one request body (1 MiB)


def group_depth_problem(levels: int) -> str | None:
    """Why `levels` groups nested inside each other are too many, or None."""
    if levels <= MAX_GROUP_DEPTH:
        return None
    return (
        f"Groups may nest at most {MAX_GROUP_DEPTH} levels deep; this group is nested more "
        f"than {MAX_GROUP_DEPTH} deep (level {levels}). Flatten some groups."
    )


def node_count_problem(nodes: int) -> str | None:
    if nodes <= MAX_FILTER_NODES:
        return None
    return (
        f"A filter may hold at most {MAX_FILTER_NODES} conditions and groups together; "
        f"this one holds {nodes}."
    )


def in_list_problem(count: int) -> str | None:
    if count <= MAX_IN_VALUES:
        return None
    return f"'is one of' takes at most {MAX_IN_VALUES} values; this list has {count}."


def text_length_problem(text: str, *, pattern: bool = False) -> str | None:
    limit = MAX_PATTERN_LENGTH if pattern else MAX_TEXT_LENGTH
    if len(text) <= limit:
        return None
    what = "A pattern" if pattern else "A text value"
    return f"{what} may be at most {limit} characters long; this one has {len(text)}."


def body_size_problem(size: int) -> str | None:
    if size <= MAX_BODY_BYTES:
        return None
    return (
        f"The request body is too large: at most {MAX_BODY_BYTES // (1024 * 1024)} MiB "
        f"({MAX_BODY_BYTES} bytes) is accepted."
    )
