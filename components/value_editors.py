"""The value part of the one condition row being edited: an editor that fits the field,
the op and what is known about it (the project's agents and metrics, the metric's scale,
values seen in recent calls).

An editor draws from the row's pending condition (its widget state is set from the value
before it is drawn) and reports through `report(value, complete)`. `complete` says the
choice finishes the row (an agent picked, "Last 14 days" clicked, Enter in a box), so the
builder applies it at once; other changes only update the pending row. A picker closed
without a choice (Escape, or a click elsewhere) reports nothing and keeps the value it
had. Keys are `flt_<node_id>_<part>`, never positions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import streamlit as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_tree import Condition
from cekura_dashboards.relative_dates import (
    LOWER_OPS,
    PRESETS,
    format_moment,
    parse_absolute,
    parse_relative,
    preset_for,
    resolve_datetime,
)
from services.state_keys import w_filter as key  # flt_<node_id>_<part>

Report = Callable[[Any, bool], None]

# Datetime editor modes besides the quick choices.
CUSTOM = "custom"
ABSOLUTE = "absolute"
DAYS = "days"  # "Last N days"
NOW = "now"  # the usual end of a window: "on or before now"
QUICK_STARTS: tuple[tuple[str, str], ...] = (
    ("now-1h", "Last hour"),
    ("now-24h", "Last 24 hours"),
    ("now-7d", "Last 7 days"),
    ("now-14d", "Last 14 days"),
    ("now-30d", "Last 30 days"),
)
QUICK_ENDS: tuple[tuple[str, str], ...] = (
    (NOW, "Now"),
    ("now-1h", "An hour ago"),
    ("now-24h", "24 hours ago"),
    ("now-7d", "7 days ago"),
    ("today", "The end of today"),
)
RELATIVE_WORDS = (
    "“now-N” counts back from the moment the dashboard is looked at: now-3h is 3 hours "
    "ago, now-30m 30 minutes ago. “today-N” counts whole days from midnight (UTC): today "
    "is since midnight, today-2d since midnight two days ago. Units: s (seconds), "
    "m (minutes), h (hours), d (days), w (weeks), M (months), y (years)."
)
_DAYS_VALUE = re.compile(r"^now-(\d+)d$")


@dataclass(frozen=True)
class ScoreHint:
    """What the value of one metric's evaluations can be (for "Metric score")."""

    metric: str  # its name
    eval_type: str  # binary, enum, numeric, continuous_qualitative
    values: tuple[str, ...] = ()  # an enum metric's values
    low: float | None = None  # a numeric metric's scale, when its description says it
    high: float | None = None


@dataclass(frozen=True)
class ValueHints:
    """What the editors may offer: names by id (only the dashboard's project), the score
    of the row's metric, and values seen in the project's recent calls by field."""

    agents: dict[int, str] = field(default_factory=dict)
    metrics: dict[int, str] = field(default_factory=dict)
    score: ScoreHint | None = None
    seen: dict[str, tuple[str, ...]] = field(default_factory=dict)


_SCALE = re.compile(
    r"(?:from|between|scale of|range of)?\s*(-?\d+(?:\.\d+)?)\s*(?:to|-|–|and)\s*(-?\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


def scale_from_description(text: str | None) -> tuple[float, float] | None:
    """`Estimated CSAT score from 1 to 5.` -> (1, 5); None when no scale is said."""
    if not text:
        return None
    match = _SCALE.search(text)
    if match is None:
        return None
    low, high = float(match.group(1)), float(match.group(2))
    return (low, high) if low < high else None


def sync(widget_key: str, value: Any) -> None:
    """Make the widget show `value` (only before the widget is drawn).

    Set every time, even when the session state already holds `value`: only a value set
    this run goes to the browser with the widget. The session state can hold a value the
    browser has forgotten: a keyed widget that leaves the page in a run of a fragment
    other than the one that drew it (a new row's editor is drawn in its group's end, the
    applied row in a fragment of its own) is not stale to Streamlit, so its value stays,
    while the browser drops it. Drawn again without its value, the widget shows and
    sends back its default (a field picker: its first option, "Call time"), which reads
    as a change the person never made."""
    st.session_state[widget_key] = value


# --- turning typed text into JSON values -----------------------------------------------------
def parse_number(text: str, *, integer: bool) -> Any:
    """'60' -> 60, '1.5' -> 1.5; text that is no number stays text (validation says so)."""
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    if integer:
        return stripped
    try:
        number = float(stripped)
    except ValueError:
        return stripped
    return number if math.isfinite(number) else stripped


def parse_dynamic(text: str) -> Any:
    """A metric score typed as text: a number when it is one, else the text itself."""
    return parse_number(text, integer=False)


def shown_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _a(word: str) -> str:
    return f"a{'n' if word[:1].lower() in 'aeiou' else ''} {word}"


# --- the editor -------------------------------------------------------------------------------
def render_value_editor(
    cond: Condition,
    report: Report,
    hints: ValueHints,
    *,
    mode: str | None,
    on_mode: Callable[[str], None],
) -> None:
    """The value inputs of the pending condition `cond`. `mode`: the datetime editor the
    user picked for it (None: worked out from the value)."""
    spec = catalog.field_spec(cond.field)
    editor = spec.editor if spec else "text"
    picks = cond.op in ("eq", "neq", "in")
    if cond.op == "isnull":
        _yes_no(cond, report, yes="is empty", no="has a value")
    elif editor == "toggle":
        _yes_no(cond, report, yes="Yes", no="No")
    elif editor == "id_picker" and spec is not None and picks and _ids_only(cond.value):
        known = hints.agents if spec.refers_to == "agent" else hints.metrics
        _id_picker(cond, known, spec.refers_to or "item", report)
    elif editor == "name_choices" and picks:
        known = hints.agents if spec is not None and spec.refers_to == "agent" else hints.metrics
        _text_choices(cond, sorted(set(known.values())), report, what="name")
    elif editor == "score":
        _score_editor(cond, report, hints.score)
    elif cond.field in hints.seen and picks:
        _text_choices(cond, list(hints.seen[cond.field]), report, what="value")
    elif cond.op == "in":
        _text_choices(cond, [], report, what="value")
    elif editor == "datetime":
        _datetime_editor(cond, report, mode, on_mode)
    elif editor in ("number", "id_picker") and spec is not None and _fits_number_input(cond.value):
        _number_editor(cond, report, integer=spec.kind == "integer", unit=spec.unit)
    else:
        _text_editor(cond, report, dynamic=False)


# Streamlit's number input holds what a browser's number can: beyond that it raises
JS_SAFE_INTEGER = 2**53 - 1


def _fits_number_input(value: Any) -> bool:
    """Whether a number input can show `value` (a huge or non-finite number shows as text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True  # shown empty, to be typed
    if isinstance(value, int):
        return abs(value) <= JS_SAFE_INTEGER
    return math.isfinite(value)


def _ids_only(value: Any) -> bool:
    """Whether a picker by name can show this value (ids, or nothing picked yet)."""
    values = value if isinstance(value, list) else [value]
    return all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values)


def _yes_no(cond: Condition, report: Report, *, yes: str, no: str) -> None:
    widget_key = key(cond.node_id, "bool")
    sync(widget_key, cond.value if isinstance(cond.value, bool) else None)
    st.segmented_control(
        "Yes or no",
        options=[True, False],
        format_func=lambda v: yes if v else no,
        key=widget_key,
        on_change=_report_choice,
        args=(widget_key, cond.value, report),
        label_visibility="collapsed",
    )


def _report_choice(widget_key: str, before: Any, report: Report) -> None:
    """A choice made finishes the row; a picker closed empty (Escape, clicking the chosen
    item off, a click elsewhere) keeps the value it had."""
    chosen = st.session_state[widget_key]
    if chosen is None or chosen == []:
        st.session_state[widget_key] = before if not isinstance(before, list) else before
        return
    report(chosen, True)


def _report_many(widget_key: str, report: Report, kind: str) -> None:
    chosen = list(st.session_state[widget_key] or [])
    if kind in ("integer", "number"):
        chosen = [parse_number(str(v), integer=kind == "integer") for v in chosen]
    elif kind == "dynamic":
        chosen = [parse_dynamic(str(v)) for v in chosen]
    report(chosen, False)  # more may follow: the row is applied with Enter or Apply


def _id_picker(cond: Condition, names: dict[int, str], what: str, report: Report) -> None:
    """Agents and metrics of the dashboard's project, by name; the JSON keeps their ids.
    An id that is not in the project stays visible only when the filter already has it."""
    options: list[Any] = sorted(names, key=lambda i: (names[i].lower(), i))
    current = cond.value if isinstance(cond.value, list) else [cond.value]
    for value in current:
        if value not in options and value is not None:
            options.append(value)

    def label(value: Any) -> str:
        if value in names:
            return names[value]
        return f"{what.capitalize()} #{shown_text(value)} (not in this project)"

    if not names and not [v for v in current if v is not None]:
        st.caption(f"This dashboard's project has no {what}s to pick from.")
    if cond.op == "in":
        widget_key = key(cond.node_id, "ids")
        sync(widget_key, [v for v in current if v is not None])
        st.multiselect(
            f"Which {what}s",
            options=options,
            format_func=label,
            key=widget_key,
            on_change=_report_many,
            args=(widget_key, report, "other"),
            placeholder=f"Pick one or more {what}s",
            label_visibility="collapsed",
        )
        return
    widget_key = key(cond.node_id, "id")
    sync(widget_key, cond.value if cond.value in options else None)
    st.selectbox(
        f"Which {what}",
        options=options,
        index=None,
        format_func=label,
        key=widget_key,
        on_change=_report_choice,
        args=(widget_key, cond.value if cond.value in options else None, report),
        placeholder=f"Pick {_a(what)}",
        label_visibility="collapsed",
    )


def _text_choices(cond: Condition, suggestions: list[str], report: Report, *, what: str) -> None:
    """One value, or several for `is one of`, picked from known ones or typed."""
    spec = catalog.field_spec(cond.field)
    kind = spec.kind if spec else "string"
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    texts = [shown_text(v) for v in values if v is not None]
    options = list(dict.fromkeys([*texts, *suggestions]))
    if cond.op == "in":
        widget_key = key(cond.node_id, "values")
        sync(widget_key, texts)
        st.multiselect(
            "Values",
            options=options,
            key=widget_key,
            accept_new_options=True,
            on_change=_report_many,
            args=(widget_key, report, kind),
            placeholder=f"Pick or type {_a(what)}, then Enter",
            label_visibility="collapsed",
        )
        return
    widget_key = key(cond.node_id, "choice")
    current = texts[0] if texts and texts[0] in options else None
    sync(widget_key, current)
    st.selectbox(
        "Value",
        options=options,
        index=None,
        key=widget_key,
        accept_new_options=True,
        on_change=_report_text_choice,
        args=(widget_key, current, kind, report),
        placeholder=f"Pick or type {_a(what)}",
        label_visibility="collapsed",
    )
    if suggestions and what == "value":
        st.caption("Values seen in this project's recent calls; you can type another.")


def _report_text_choice(widget_key: str, before: Any, kind: str, report: Report) -> None:
    chosen = st.session_state[widget_key]
    if chosen is None:
        st.session_state[widget_key] = before
        return
    report(parse_dynamic(str(chosen)) if kind == "dynamic" else chosen, True)


def _score_editor(cond: Condition, report: Report, hint: ScoreHint | None) -> None:
    """A metric's score as the metric gives it: its values (enum), yes/no (binary), a
    number on its scale (numeric)."""
    if hint is not None and hint.eval_type == "binary" and cond.op in ("eq", "neq"):
        _yes_no(cond, report, yes="Yes (passed)", no="No (failed)")
        return
    if (
        hint is not None
        and hint.eval_type == "enum"
        and hint.values
        and cond.op in ("eq", "neq", "in")
    ):
        _text_choices(cond, list(hint.values), report, what="value")
        return
    if (
        hint is not None
        and hint.eval_type in ("numeric", "continuous_qualitative")
        and _fits_number_input(cond.value)
    ):
        _number_editor(cond, report, integer=False, unit="", low=hint.low, high=hint.high)
        if hint.low is not None and hint.high is not None:
            st.caption(f"{hint.metric} scores from {_num(hint.low)} to {_num(hint.high)}.")
        return
    _text_editor(cond, report, dynamic=True)
    if hint is None:
        st.caption("Pick the metric in this group first to see its scale.")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _number_editor(
    cond: Condition,
    report: Report,
    *,
    integer: bool,
    unit: str,
    low: float | None = None,
    high: float | None = None,
) -> None:
    widget_key = key(cond.node_id, "number")
    value = cond.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = None
    elif integer and isinstance(value, float):
        value = None
    sync(widget_key, value)
    label = {"s": "seconds"}.get(unit, unit) or "Number"
    placeholder = (
        f"{_num(low)} to {_num(high)}"
        if low is not None and high is not None
        else ("A whole number" if integer else "A number")
    )
    if unit:
        placeholder += f", in {label}"
    st.number_input(
        label,
        key=widget_key,
        step=1 if integer else 1.0,
        format="%d" if integer else "%g",
        min_value=None if integer else (0.0 if unit else None),
        on_change=_report_number,
        args=(widget_key, report),
        placeholder=placeholder + " (Enter applies)",
        label_visibility="collapsed",
    )


def _report_number(widget_key: str, report: Report) -> None:
    value = st.session_state[widget_key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 60, not 60.0, like a person would type it
    report(value, value is not None)


def _text_editor(cond: Condition, report: Report, *, dynamic: bool) -> None:
    widget_key = key(cond.node_id, "text")
    sync(widget_key, shown_text(cond.value))
    placeholder = {
        "regex": "A pattern, e.g. ^billing",
        "contains": "Some text",
        "startswith": "The beginning",
        "endswith": "The end",
    }.get(cond.op, "A number or a word the metric gives" if dynamic else "Some text")
    st.text_input(
        "Value",
        key=widget_key,
        on_change=_report_text,
        args=(widget_key, dynamic, report),
        placeholder=placeholder + " (Enter applies)",
        label_visibility="collapsed",
    )


def _report_text(widget_key: str, dynamic: bool, report: Report) -> None:
    text = str(st.session_state[widget_key] or "")
    report(parse_dynamic(text) if dynamic else text, True)


# --- dates and times ----------------------------------------------------------------------------
def time_mode_of(value: Any, remembered: str | None) -> str:
    """Which datetime editor shows a value: a quick choice, "Last N days", custom relative
    text, or an absolute date and time. A mode the user picked wins while it still fits."""
    if remembered in (CUSTOM, DAYS):
        return remembered
    if remembered == ABSOLUTE and parse_absolute(value) is not None:
        return ABSOLUTE
    if value == NOW:
        return NOW
    if any(value == v for v, _ in QUICK_STARTS) or preset_for(value) is not None:
        return str(value)
    if parse_absolute(value) is not None:
        return ABSOLUTE
    if isinstance(value, str) and _DAYS_VALUE.match(value):
        return DAYS
    return CUSTOM


def _mode_labels(op: str) -> dict[str, str]:
    quick = QUICK_STARTS if op in LOWER_OPS else QUICK_ENDS
    return {
        **dict(quick),
        DAYS: "Last N days" if op in LOWER_OPS else "N days ago",
        CUSTOM: "Custom (now-N, today-N)",
        ABSOLUTE: "Exact date and time",
    }


def _datetime_editor(
    cond: Condition, report: Report, remembered: str | None, on_mode: Callable[[str], None]
) -> None:
    node_id = cond.node_id
    labels = _mode_labels(cond.op)
    mode = time_mode_of(cond.value, remembered) if cond.value is not None else remembered
    if mode is not None and mode not in labels:
        labels = {mode: f"{mode}", **labels} if mode not in (CUSTOM, ABSOLUTE, DAYS) else labels
    mode_key = key(node_id, "when")
    sync(mode_key, mode)
    st.pills(
        "When",
        options=list(labels),
        format_func=labels.__getitem__,
        key=mode_key,
        on_change=_report_time_mode,
        args=(cond, mode_key, report, on_mode),
        label_visibility="collapsed",
    )
    if mode == DAYS:
        match = _DAYS_VALUE.match(str(cond.value or ""))
        days_key = key(node_id, "days")
        sync(days_key, int(match.group(1)) if match else None)
        st.number_input(
            "How many days",
            key=days_key,
            min_value=1,
            max_value=catalog.MAX_WIDGET_DATA_DAYS,
            step=1,
            on_change=_report_days,
            args=(days_key, report),
            placeholder=f"Days, 1 to {catalog.MAX_WIDGET_DATA_DAYS} (Enter applies)",
        )
    elif mode == CUSTOM:
        text_key = key(node_id, "relative")
        sync(text_key, shown_text(cond.value))
        st.text_input(
            "Relative time",
            key=text_key,
            on_change=_report_text,
            args=(text_key, False, report),
            placeholder="e.g. now-3h or today-2d (Enter applies)",
            label_visibility="collapsed",
        )
        st.caption(RELATIVE_WORDS)
    elif mode == ABSOLUTE:
        moment = parse_absolute(cond.value) or datetime.now(UTC).replace(second=0, microsecond=0)
        date_key, time_key = key(node_id, "date"), key(node_id, "time")
        sync(date_key, moment.date())
        sync(time_key, moment.time().replace(microsecond=0, tzinfo=None))
        date_col, time_col = st.columns(2)
        date_col.date_input(
            "Date (UTC)",
            key=date_key,
            on_change=_report_absolute,
            args=(date_key, time_key, report),
            format="YYYY-MM-DD",
        )
        time_col.time_input(
            "Time (UTC)",
            key=time_key,
            on_change=_report_absolute,
            args=(date_key, time_key, report),
            step=60,
        )
    if cond.value is not None:
        st.caption(resolved_words(cond))


def resolved_words(cond: Condition, now: datetime | None = None) -> str:
    """`= 19 Nov 2026 16:00 UTC`: what the value means right now, as an absolute time."""
    try:
        moment = resolve_datetime(cond.value, cond.op, now)
    except ValueError:
        return "Not a time yet."
    text = f"= {format_moment(moment)} UTC"
    if parse_relative(cond.value) is not None:
        text += " (moves with the clock)"
    return text


def _report_time_mode(
    cond: Condition, mode_key: str, report: Report, on_mode: Callable[[str], None]
) -> None:
    mode = st.session_state[mode_key]
    if mode is None:  # the chosen pill clicked off: keep what was chosen
        st.session_state[mode_key] = time_mode_of(cond.value, None) if cond.value else None
        return
    on_mode(mode)
    if mode in (CUSTOM, DAYS):
        return  # the box below takes the value
    if mode == ABSOLUTE:
        try:
            moment = resolve_datetime(cond.value, cond.op)
        except ValueError:
            moment = datetime.now(UTC)
        report(iso_utc(moment.replace(second=0, microsecond=0)), False)
        return
    report(mode, True)


def _report_days(days_key: str, report: Report) -> None:
    days = st.session_state[days_key]
    if isinstance(days, int | float) and days >= 1:
        report(f"now-{int(days)}d", True)


def _report_absolute(date_key: str, time_key: str, report: Report) -> None:
    day = st.session_state.get(date_key)
    clock = st.session_state.get(time_key) or time(0, 0)
    if not isinstance(day, date):
        return
    report(iso_utc(datetime.combine(day, clock, tzinfo=UTC)), False)


def iso_utc(moment: datetime) -> str:
    """`2026-11-07T14:00:00Z`: the absolute form the API takes."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


__all__ = [
    "ABSOLUTE",
    "CUSTOM",
    "DAYS",
    "PRESETS",
    "QUICK_STARTS",
    "ScoreHint",
    "ValueHints",
    "iso_utc",
    "parse_number",
    "render_value_editor",
    "resolved_words",
    "scale_from_description",
    "sync",
    "time_mode_of",
]
