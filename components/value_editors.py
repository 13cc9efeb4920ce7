"""The value part of one condition row: an editor that fits the field and the op.

Each editor renders from the draft (its widget state is set from the condition's value
before it is drawn) and reports changes through `on_value(node_id, value)`, which the
builder turns into one draft edit. Keys are `flt_<node_id>_<part>`, never positions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import streamlit as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_tree import Condition
from cekura_dashboards.relative_dates import (
    LOWER_OPS,
    PRESETS,
    describe_relative,
    format_moment,
    parse_absolute,
    parse_relative,
    preset_for,
    resolve_datetime,
)
from services.state_keys import w_filter as key  # flt_<node_id>_<part>

OnValue = Callable[[str, Any], None]

# Datetime editor modes besides the presets.
CUSTOM = "custom"
ABSOLUTE = "absolute"
NOW = "now"  # the usual end of a window: "on or before now"
_CUSTOM_HELP = (
    "Type a time relative to now: now-2h (2 hours ago), now-30m, today (midnight UTC), "
    "today-7d (midnight 7 days ago). Units: s m h d w M y."
)


def sync(widget_key: str, value: Any) -> None:
    """Make the widget show `value` from the draft (only before the widget is drawn)."""
    state = st.session_state
    if widget_key not in state or not _same(state[widget_key], value):
        state[widget_key] = value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


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


# --- the editor -------------------------------------------------------------------------------
def render_value_editor(
    cond: Condition,
    *,
    on_value: OnValue,
    agents: dict[int, str],
    metrics: dict[int, str],
    time_modes: dict[str, str],
    on_time_mode: Callable[[str, str], None],
    choices: list[str] | None = None,
) -> None:
    """`choices`: known values to offer (an enum metric's values for its score)."""
    spec = catalog.field_spec(cond.field)
    editor = spec.editor if spec else "text"
    known = agents if spec is not None and spec.refers_to == "agent" else metrics
    picks = cond.op in ("eq", "neq", "in")
    if cond.op == "isnull":
        _isnull_editor(cond, on_value)
    elif editor == "toggle":
        _toggle_editor(cond, on_value)
    elif editor == "id_picker" and spec is not None and picks and _ids_only(cond.value):
        _id_picker(cond, known, spec.refers_to or "item", on_value)
    elif editor == "name_choices" and picks:
        _text_choices(cond, sorted(set(known.values())), on_value)
    elif choices and picks:
        _text_choices(cond, choices, on_value)
    elif cond.op == "in":
        _text_choices(cond, [], on_value)
    elif editor == "datetime":
        _datetime_editor(cond, on_value, time_modes.get(cond.node_id), on_time_mode)
    elif editor in ("number", "id_picker") and spec is not None and _fits_number_input(cond.value):
        _number_editor(cond, on_value, integer=spec.kind == "integer", unit=spec.unit)
    else:
        _text_editor(cond, on_value, dynamic=editor == "score")


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


def _isnull_editor(cond: Condition, on_value: OnValue) -> None:
    widget_key = key(cond.node_id, "isnull")
    value = cond.value if isinstance(cond.value, bool) else True
    sync(widget_key, value)
    st.segmented_control(
        "Empty or not",
        options=[True, False],
        # beside the op "is empty": "is empty · yes", not "is empty · not empty"
        format_func=lambda v: "yes" if v else "no (has a value)",
        required=True,
        key=widget_key,
        on_change=_report,
        args=(cond.node_id, widget_key, on_value),
        label_visibility="collapsed",
    )


def _toggle_editor(cond: Condition, on_value: OnValue) -> None:
    widget_key = key(cond.node_id, "bool")
    sync(widget_key, cond.value is True)
    st.toggle(
        "Yes" if cond.value is True else "No",
        key=widget_key,
        on_change=_report,
        args=(cond.node_id, widget_key, on_value),
        help="On means yes, off means no.",
    )


def _report(node_id: str, widget_key: str, on_value: OnValue) -> None:
    on_value(node_id, st.session_state[widget_key])


def _id_picker(cond: Condition, names: dict[int, str], what: str, on_value: OnValue) -> None:
    """Agents and metrics by name; the JSON keeps their ids."""
    options: list[Any] = sorted(names, key=lambda i: (names[i].lower(), i))
    current = cond.value if isinstance(cond.value, list) else [cond.value]
    for value in current:  # an id not in this project (or not a number) stays visible
        if value not in options and value is not None:
            options.append(value)

    def label(value: Any) -> str:
        if value in names:
            return names[value]
        return f"{what.capitalize()} #{shown_text(value)} (not in this project)"

    if cond.op == "in":
        widget_key = key(cond.node_id, "ids")
        sync(widget_key, [v for v in current if v is not None])
        st.multiselect(
            f"Which {what}s",
            options=options,
            format_func=label,
            key=widget_key,
            on_change=_report,
            args=(cond.node_id, widget_key, on_value),
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
        on_change=_report,
        args=(cond.node_id, widget_key, on_value),
        placeholder=f"Pick a{'n' if what[0] in 'aeiou' else ''} {what}",
        label_visibility="collapsed",
    )


def _text_choices(cond: Condition, suggestions: list[str], on_value: OnValue) -> None:
    """Several values (`in`), or one value picked from known names (typing a new one is
    allowed). For numeric fields the typed values become numbers."""
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
            args=(cond.node_id, widget_key, kind, on_value),
            placeholder="Type a value and press Enter",
            label_visibility="collapsed",
        )
        return
    widget_key = key(cond.node_id, "choice")
    sync(widget_key, texts[0] if texts and texts[0] in options else None)
    st.selectbox(
        "Value",
        options=options,
        index=None,
        key=widget_key,
        accept_new_options=True,
        on_change=_report,
        args=(cond.node_id, widget_key, on_value),
        placeholder="Pick or type a name",
        label_visibility="collapsed",
    )


def _report_many(node_id: str, widget_key: str, kind: str, on_value: OnValue) -> None:
    texts = list(st.session_state[widget_key] or [])
    if kind in ("integer", "number", "dynamic"):
        on_value(node_id, [parse_number(t, integer=kind == "integer") for t in texts])
    else:
        on_value(node_id, texts)


def _number_editor(cond: Condition, on_value: OnValue, *, integer: bool, unit: str) -> None:
    widget_key = key(cond.node_id, "number")
    value = cond.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = None
    elif integer and isinstance(value, float):
        value = None
    sync(widget_key, value)
    label = {"s": "seconds"}.get(unit, unit) or "Number"
    if integer:
        st.number_input(
            label,
            key=widget_key,
            step=1,
            format="%d",
            on_change=_report_number,
            args=(cond.node_id, widget_key, on_value),
            placeholder="A whole number",
            label_visibility="collapsed",
        )
    else:
        st.number_input(
            label,
            key=widget_key,
            min_value=0.0 if unit else None,
            step=1.0,
            format="%g",
            on_change=_report_number,
            args=(cond.node_id, widget_key, on_value),
            placeholder="A number",
            label_visibility="collapsed",
        )
        if unit:
            st.caption(f"in {label}")


def _report_number(node_id: str, widget_key: str, on_value: OnValue) -> None:
    value = st.session_state[widget_key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 60, not 60.0, like a person would type it
    on_value(node_id, value)


def _text_editor(cond: Condition, on_value: OnValue, *, dynamic: bool) -> None:
    widget_key = key(cond.node_id, "text")
    sync(widget_key, shown_text(cond.value))
    placeholder = {
        "regex": "A pattern, e.g. ^billing",
        "contains": "Some text",
        "startswith": "The beginning",
        "endswith": "The end",
    }.get(cond.op, "A number or some text" if dynamic else "Some text")
    st.text_input(
        "Value",
        key=widget_key,
        on_change=_report_text,
        args=(cond.node_id, widget_key, dynamic, on_value),
        placeholder=placeholder,
        label_visibility="collapsed",
    )


def _report_text(node_id: str, widget_key: str, dynamic: bool, on_value: OnValue) -> None:
    text = str(st.session_state[widget_key] or "")
    on_value(node_id, parse_dynamic(text) if dynamic else text)


# --- dates and times ----------------------------------------------------------------------------
def time_mode_of(value: Any, remembered: str | None) -> str:
    """Which datetime editor shows a value: a preset, custom relative text, or an
    absolute date and time. A mode the user picked wins while the value still fits it."""
    if remembered == CUSTOM:
        return CUSTOM
    if remembered == ABSOLUTE and parse_absolute(value) is not None:
        return ABSOLUTE
    if value == NOW:
        return NOW
    preset = preset_for(value)
    if preset is not None:
        return preset.value
    if parse_absolute(value) is not None:
        return ABSOLUTE
    return CUSTOM


_MODE_LABELS = {
    **{p.value: p.label for p in PRESETS},
    NOW: "Now",
    CUSTOM: "Custom (e.g. now-3h, today-2d)",
    ABSOLUTE: "Exact date and time",
}


_AGO_LABELS = {p.value: describe_relative(p.value).replace("1 hour", "an hour") for p in PRESETS}


def _datetime_editor(
    cond: Condition,
    on_value: OnValue,
    remembered: str | None,
    on_time_mode: Callable[[str, str], None],
) -> None:
    node_id = cond.node_id
    mode = time_mode_of(cond.value, remembered)
    mode_key = key(node_id, "when")
    sync(mode_key, mode)
    # "on or after Last 7 days" reads well; "before Last 7 days" does not: "7 days ago"
    labels = _MODE_LABELS if cond.op in LOWER_OPS else {**_MODE_LABELS, **_AGO_LABELS}
    st.selectbox(
        "When",
        options=list(_MODE_LABELS),
        format_func=labels.__getitem__,
        key=mode_key,
        on_change=_report_time_mode,
        args=(cond, mode_key, on_value, on_time_mode),
        label_visibility="collapsed",
    )
    if mode == CUSTOM:
        text_key = key(node_id, "relative")
        sync(text_key, shown_text(cond.value))
        st.text_input(
            "Relative time",
            key=text_key,
            on_change=_report,
            args=(node_id, text_key, on_value),
            placeholder="now-3h",
            help=_CUSTOM_HELP,
            label_visibility="collapsed",
        )
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
            args=(node_id, date_key, time_key, on_value),
            format="YYYY-MM-DD",
            label_visibility="collapsed",
        )
        time_col.time_input(
            "Time (UTC)",
            key=time_key,
            on_change=_report_absolute,
            args=(node_id, date_key, time_key, on_value),
            step=60,
            label_visibility="collapsed",
        )
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
    cond: Condition, mode_key: str, on_value: OnValue, on_time_mode: Callable[[str, str], None]
) -> None:
    mode = st.session_state[mode_key]
    on_time_mode(cond.node_id, mode)
    if mode == CUSTOM:
        return  # keep the value; the text box shows it for editing
    if mode == ABSOLUTE:
        try:
            moment = resolve_datetime(cond.value, cond.op)
        except ValueError:
            moment = datetime.now(UTC)
        on_value(cond.node_id, iso_utc(moment.replace(microsecond=0)))
        return
    on_value(cond.node_id, mode)


def _report_absolute(node_id: str, date_key: str, time_key: str, on_value: OnValue) -> None:
    day = st.session_state.get(date_key)
    clock = st.session_state.get(time_key) or time(0, 0)
    if not isinstance(day, date):
        return
    on_value(node_id, iso_utc(datetime.combine(day, clock, tzinfo=UTC)))


def iso_utc(moment: datetime) -> str:
    """`2026-11-07T14:00:00Z`: the absolute form the API takes."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
