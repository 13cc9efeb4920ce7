"""What the Cekura API accepts, in one table: filter fields (with everything the app and
the demo API know about each), their ops, the limits of a filter, widget combinations,
relative dates. Straight from contract/RULES.md.

Both the client side (builder, value editors, validation, sentences) and the embedded
demo API (filter SQL, widget data, widget checks) read this module, so the two can never
disagree about a rule; tests/test_rules_agreement.py checks that they do not.
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

# The value editor a condition row shows for the field (components/value_editors.py).
EditorKind = Literal["toggle", "number", "text", "datetime", "id_picker", "name_choices", "score"]


@dataclass(frozen=True)
class FieldSpec:
    """Everything the app and the demo API know about one filter field.

    `label` names it in messages and captions ("Call duration (seconds)"); `picker` in
    the field picker, where the choices are ordered by `group` ("Call duration");
    `noun` inside a sentence ("whose duration is ..."). `column` is the SQL the demo API
    reads, over the call row `c` or, for a metric-evaluation field, the evaluation row
    `me`. `plots_as` is the widget data type when a widget can plot it, under the name
    `widget_field` (the field's own name unless widgets spell it otherwise);
    `groups_by` says a line or bar chart can split its series by it. `refers_to` names
    what the value identifies ("agent", "metric"), for pickers and unknown-id warnings.
    `verb`/`verb_not` make a sentence say what the calls did ("lasted at least 60 s",
    "did not succeed", "were handled by Billing Bot") instead of "whose <noun> ...".
    """

    name: str
    kind: FieldKind
    label: str
    group: str  # "Call", "Agent", "Metadata", "Metric evaluation": how the picker groups it
    ops: tuple[str, ...]
    unit: str = ""
    picker: str = ""
    noun: str = ""
    editor: EditorKind = "text"
    column: str = ""
    plots_as: str | None = None
    widget_field: str = ""
    groups_by: bool = False
    refers_to: Literal["agent", "metric"] | None = None
    verb: str = ""  # what the calls did, when that reads better than "whose <noun>"
    verb_not: str = ""


FIELD_GROUPS: tuple[str, ...] = ("Call", "Agent", "Metadata", "Metric evaluation")

TIMESTAMP_FIELD = "timestamp"
AGENT_ID_FIELD = "agent.id"
METRIC_ID_FIELD = "metric_evaluations.metric.id"
METRIC_VALUE_FIELD = "metric_evaluations.value"
_AGENT_NAME_SQL = "(SELECT a.agent_name FROM agents a WHERE a.id = c.agent_id)"
_METRIC_NAME_SQL = "(SELECT m.name FROM metrics m WHERE m.id = me.metric_id)"

# To add a call field: one FieldSpec here, and its column in demo_api/db.py (and seed.py).
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "id",
            "integer",
            "Call ID",
            "Call",
            ("eq", "in", "gt", "gte", "lt", "lte"),
            picker="Call ID",
            noun="call ID",
            editor="number",
            column="c.id",
        ),
        FieldSpec(
            "success",
            "boolean",
            "Call succeeded",
            "Call",
            ("eq", "neq", "isnull"),
            picker="Call succeeded",
            noun="success result",
            editor="toggle",
            column="c.success",
            plots_as="boolean",
            groups_by=True,
            verb="succeeded",
            verb_not="did not succeed",
        ),
        FieldSpec(
            "duration",
            "number",
            "Call duration (seconds)",
            "Call",
            ("eq", "gt", "gte", "lt", "lte"),
            unit="s",
            picker="Call duration",
            noun="duration",
            editor="number",
            column="c.duration",
            plots_as="numeric",
            groups_by=True,
            verb="lasted",
        ),
        FieldSpec(
            "customer_number",
            "string",
            "Customer phone number",
            "Call",
            ("eq", "neq", "contains", "startswith", "in"),
            picker="Customer phone number",
            noun="customer number",
            column="c.customer_number",
            groups_by=True,
        ),
        FieldSpec(
            "call_ended_reason",
            "string",
            "Why the call ended",
            "Call",
            ("eq", "neq", "contains", "in"),
            picker="Why the call ended",
            noun="end reason",
            column="c.call_ended_reason",
            plots_as="string",
            groups_by=True,
        ),
        FieldSpec(
            "dropoff_point",
            "string",
            "Drop-off point",
            "Call",
            ("eq", "neq", "contains", "in", "isnull"),
            picker="Drop-off point",
            noun="drop-off point",
            column="c.dropoff_point",
            plots_as="string",
            groups_by=True,
        ),
        FieldSpec(
            "topic",
            "string",
            "Call topic",
            "Call",
            ("eq", "neq", "contains", "in", "isnull"),
            picker="Call topic",
            noun="topic",
            column="c.topic",
            plots_as="string",
            groups_by=True,
        ),
        FieldSpec(
            TIMESTAMP_FIELD,
            "datetime",
            "Call time",
            "Call",
            ("eq", "gt", "gte", "lt", "lte"),
            picker="Call time",
            noun="call time",
            editor="datetime",
            column="c.timestamp",
            verb="were made",
        ),
        FieldSpec(
            "is_reviewed",
            "boolean",
            "Reviewed by a person",
            "Call",
            ("eq",),
            picker="Reviewed by a person",
            noun="review status",
            editor="toggle",
            column="c.is_reviewed",
            plots_as="boolean",
            groups_by=True,
            verb="were reviewed by a person",
            verb_not="were not reviewed by a person",
        ),
        FieldSpec(
            AGENT_ID_FIELD,
            "integer",
            "Agent",
            "Agent",
            _INTEGER_OPS,
            picker="Agent",
            noun="agent",
            editor="id_picker",
            column="c.agent_id",
            plots_as="numeric",
            widget_field="agent_id",
            groups_by=True,
            refers_to="agent",
            verb="were handled by",
            verb_not="were not handled by",
        ),
        FieldSpec(
            "agent.agent_name",
            "string",
            "Agent name",
            "Agent",
            _STRING_OPS,
            picker="Agent name",
            noun="agent name",
            editor="name_choices",
            column=_AGENT_NAME_SQL,
            groups_by=True,
            refers_to="agent",
        ),
        FieldSpec(
            METRIC_ID_FIELD,
            "integer",
            "Metric",
            "Metric evaluation",
            _INTEGER_OPS,
            picker="Metric",
            noun="metric",
            editor="id_picker",
            column="me.metric_id",
            refers_to="metric",
        ),
        FieldSpec(
            "metric_evaluations.metric.name",
            "string",
            "Metric name",
            "Metric evaluation",
            _STRING_OPS,
            picker="Metric name",
            noun="metric name",
            editor="name_choices",
            column=_METRIC_NAME_SQL,
            refers_to="metric",
        ),
        FieldSpec(
            METRIC_VALUE_FIELD,
            "dynamic",
            "Metric score",
            "Metric evaluation",
            _DYNAMIC_OPS,
            picker="Metric score",
            noun="score",
            editor="score",
            column="me.value",
            plots_as="dynamic",
        ),
    )
}

METADATA_PREFIX = "metadata."
METADATA_OPS = _STRING_OPS
METADATA_PICKER = "Metadata (a key you type)"
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
    (a nested metadata key is unknown). A metadata key's column is empty: its SQL path
    is a bound parameter the demo API adds."""
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith(METADATA_PREFIX):
        key = name[len(METADATA_PREFIX) :]
        if metadata_key_problem(key) is None:
            return FieldSpec(
                name,
                "string",
                f"Metadata: {key}",
                "Metadata",
                METADATA_OPS,
                picker=METADATA_PICKER,
                noun=f"metadata '{key}'",
                plots_as="string",
                groups_by=True,
            )
    return None


def is_metadata_field(name: str) -> bool:
    return name.startswith(METADATA_PREFIX)


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

# --- Limits of a filter the API refuses beyond ------------------------------------------
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
INTEGER_RANGE = (-(2**63), 2**63 - 1)  # what the API's database stores as an integer


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


ORDERING_OPS: tuple[str, ...] = ("gt", "gte", "lt", "lte")
TEXT_OPS: tuple[str, ...] = ("contains", "startswith", "endswith", "regex")


# A value type (see value_type) as messages name it.
VALUE_TYPE_WORDS: dict[str, str] = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "datetime": "a date and time (for example 2026-11-07T14:00:00Z, now-7d or today)",
    "dynamic": "a number, text or true/false",
}


def value_type(kind: str, op: str) -> str:
    """The type one value of a condition must have (each item, for `in`): text for the
    text ops, a number when a metric score is ordered (`gt 'happy'` compares nothing),
    the field's own kind otherwise. `isnull` takes true or false whatever the field."""
    if op == "isnull":
        return "boolean"
    if op in TEXT_OPS:
        return "string"
    if kind == "dynamic" and op in ORDERING_OPS:
        return "number"
    return kind


# --- Widgets ---------------------------------------------------------------------------
CHART_TYPES: tuple[str, ...] = ("line", "bar", "pie", "stat")
DATA_TYPES: tuple[str, ...] = ("numeric", "boolean", "string", "datetime", "dynamic")
AGGREGATIONS: tuple[str, ...] = ("count", "sum", "avg", "min", "max", "p50", "p95", "p99")
TIME_PERIODS: tuple[str, ...] = ("hour", "day", "week", "month")
EVAL_TYPES: tuple[str, ...] = ("binary", "continuous_qualitative", "numeric", "enum")

# Widget field name -> the filter field it plots or groups by (agent.id plots as agent_id).
WIDGET_FIELDS: dict[str, FieldSpec] = {
    (spec.widget_field or spec.name): spec
    for spec in FIELDS.values()
    if spec.plots_as or spec.groups_by
}
# Fields a widget may plot, with their data type. `metadata.<key>` is a string too.
PLOTTABLE_FIELDS: dict[str, str] = {
    name: spec.plots_as for name, spec in WIDGET_FIELDS.items() if spec.plots_as
}
SUMMARY_LABEL = "Call summary (total, success rate, average and p95 duration)"
PLOTTABLE_LABELS: dict[str, str] = {"": SUMMARY_LABEL} | {
    name: WIDGET_FIELDS[name].label for name in PLOTTABLE_FIELDS
}
# Fields a line or bar chart can split its series by, under either name.
GROUP_BY_FIELDS: frozenset[str] = frozenset(
    [name for name, spec in WIDGET_FIELDS.items() if spec.groups_by]
    + [spec.name for spec in WIDGET_FIELDS.values() if spec.groups_by]
)

# data type -> (chart types, aggregations) that make sense for it
WIDGET_COMBINATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "numeric": (("line", "bar"), ("count", "sum", "avg", "min", "max", "p50", "p95", "p99")),
    "boolean": (("pie", "bar"), ("count", "avg")),
    "string": (("pie", "bar"), ("count",)),
    "datetime": (("line", "bar"), ("count", "min", "max")),
}

# chart type -> the only aggregations it takes (others: those of the data type): a pie
# slice counts calls. Line and bar are the charts that can split by a group_by.
CHART_AGGREGATIONS: dict[str, tuple[str, ...]] = {"pie": ("count",)}
GROUPABLE_CHARTS: tuple[str, ...] = ("line", "bar")

# metric eval_type -> (data type the value plots as, chart types allowed)
METRIC_PLOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "enum": ("string", ("pie",)),
    "numeric": ("numeric", ("line", "bar", "pie")),
    "continuous_qualitative": ("numeric", ("line", "bar", "pie")),
    "binary": ("boolean", ("pie", "bar")),
}


def widget_field_spec(field: str) -> FieldSpec | None:
    """The filter field behind a widget's `field` or group_by field (`agent_id` is
    agent.id), including `metadata.<key>`; None when widgets cannot use it."""
    if field in WIDGET_FIELDS:
        return WIDGET_FIELDS[field]
    if field in GROUP_BY_FIELDS:
        return FIELDS[field]
    if is_metadata_field(field):
        return field_spec(field)
    return None


def plottable_data_type(field: str) -> str | None:
    """The data type a widget field plots as, or None when it cannot be plotted."""
    if field in PLOTTABLE_FIELDS:
        return PLOTTABLE_FIELDS[field]
    spec = field_spec(field) if is_metadata_field(field) else None
    return spec.plots_as if spec is not None else None


def can_group_by(field: str) -> bool:
    """Whether a line or bar chart can split its series by this widget field."""
    spec = widget_field_spec(field)
    return spec is not None and spec.groups_by


def plottable_label(field: str) -> str:
    if field in PLOTTABLE_LABELS:
        return PLOTTABLE_LABELS[field]
    spec = widget_field_spec(field)
    return spec.label if spec is not None else field
