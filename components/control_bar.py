"""The control bar above the builder, as Cekura users know it: a date range (quick picks
and a custom from/to inside the last 30 days) and an agent multi-select.

Both read and write the TOP-LEVEL `timestamp` and `agent.id` conditions of the draft
through cekura_dashboards/control_bar.py, so the bar and the builder show one filter:
a change here is a draft edit (one undo step), and a builder edit shows here on the next
page run. When the tree is shaped so the bar cannot show a part without guessing, that
part says why and "set in the builder below".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import streamlit as st

from cekura_dashboards.control_bar import (
    ALL_AGENTS,
    QUICK_RANGES,
    SET_IN_BUILDER,
    ControlBarError,
    DateRange,
    Unreadable,
    custom_range,
    quick_range,
    read_agents,
    read_date_range,
    write_agents,
    write_date_range,
)
from cekura_dashboards.relative_dates import oldest_allowed_start, parse_absolute
from components.errors import escape_markdown
from components.value_editors import sync
from services import state_keys as keys
from services.drafts import get_draft

CUSTOM = "custom"
AS_WRITTEN = "as_written"  # a range that is neither a quick pick nor a custom from/to
NO_RANGE = "none"
CUSTOM_LABEL = "Custom dates…"
NO_RANGE_LABEL = "No date range (charts need one)"

state = st.session_state


def _follow() -> None:
    """After the bar changed the tree: the whole page reruns, so the builder, the count and
    the charts show the change (the bar may be drawn in a fragment of its own)."""
    st.rerun()


def _refused(dashboard_id: int, err: ControlBarError | None) -> None:
    state[keys.s_control_bar_error(dashboard_id)] = str(err) if err is not None else None


def _today() -> date:
    return datetime.now(UTC).date()


def _custom_from_dates(start: date, end: date) -> DateRange:
    return custom_range(
        datetime.combine(start, time(0, 0, 0), UTC),
        datetime.combine(end, time(23, 59, 59), UTC),
    )


def _default_dates(current: DateRange | None) -> tuple[date, date]:
    """The from/to the custom pickers start at: the current absolute range, or the last
    7 days."""
    if current is not None:
        start, end = parse_absolute(current.start), parse_absolute(current.end)
        if start is not None and end is not None:
            return start.date(), end.date()
    today = _today()
    return today - timedelta(days=6), today


def _on_range(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    chosen = state.get(keys.w_ed_range(dashboard_id))
    if draft is None or chosen in (None, AS_WRITTEN, NO_RANGE):
        return
    current = read_date_range(draft.tree)
    try:
        if chosen == CUSTOM:
            start, end = _default_dates(current if isinstance(current, DateRange) else None)
            value = _custom_from_dates(start, end)
        else:
            value = quick_range(str(chosen))
        draft.change(tree=write_date_range(draft.tree, value))
        _refused(dashboard_id, None)
    except ControlBarError as err:
        _refused(dashboard_id, err)
    _follow()


def _on_dates(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    picked = state.get(keys.w_ed_range_dates(dashboard_id))
    if draft is None or not isinstance(picked, tuple | list) or len(picked) != 2:
        return  # the first of two clicks in the range picker: wait for the second
    try:
        draft.change(tree=write_date_range(draft.tree, _custom_from_dates(picked[0], picked[1])))
        _refused(dashboard_id, None)
    except ControlBarError as err:
        _refused(dashboard_id, err)
    _follow()


def _on_agents(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    chosen = state.get(keys.w_ed_agents(dashboard_id)) or []
    if draft is None:
        return
    try:
        draft.change(tree=write_agents(draft.tree, [int(a) for a in chosen]))
        _refused(dashboard_id, None)
    except ControlBarError as err:
        _refused(dashboard_id, err)
    _follow()


def _range_choice(current: DateRange | None) -> str:
    if current is None:
        return NO_RANGE
    if current.quick is not None:
        return current.quick.key
    return CUSTOM if current.is_custom else AS_WRITTEN


def _date_range(draft: Any) -> None:
    dashboard_id = draft.dashboard_id
    current = read_date_range(draft.tree)
    if isinstance(current, Unreadable):
        st.text_input(
            "Date range",
            value=f"{SET_IN_BUILDER.capitalize()}: {current.reason}",
            disabled=True,
            help=current.label,
        )
        return
    choice = _range_choice(current)
    labels = {q.key: q.label for q in QUICK_RANGES} | {CUSTOM: CUSTOM_LABEL}
    options = [q.key for q in QUICK_RANGES] + [CUSTOM]
    if choice == AS_WRITTEN and current is not None:
        labels[AS_WRITTEN] = current.label
        options.append(AS_WRITTEN)
    if choice == NO_RANGE:
        labels[NO_RANGE] = NO_RANGE_LABEL
        options.append(NO_RANGE)
    sync(keys.w_ed_range(dashboard_id), choice)
    st.selectbox(
        "Date range",
        options=options,
        format_func=lambda k: labels.get(k, k),
        key=keys.w_ed_range(dashboard_id),
        on_change=_on_range,
        args=(dashboard_id,),
        help="Which calls the widgets count, by call time (UTC). Cekura charts go back "
        "30 days at most.",
    )
    if choice == CUSTOM and current is not None:
        today = _today()
        sync(keys.w_ed_range_dates(dashboard_id), _default_dates(current))
        st.date_input(
            "From – to (UTC)",
            min_value=oldest_allowed_start().date(),
            max_value=today,
            key=keys.w_ed_range_dates(dashboard_id),
            on_change=_on_dates,
            args=(dashboard_id,),
            help="Whole days, from the start of the first to the end of the last, inside "
            "the last 30 days.",
        )


def _agents(draft: Any, agents: Mapping[int, str]) -> None:
    dashboard_id = draft.dashboard_id
    current = read_agents(draft.tree)
    if isinstance(current, Unreadable):
        st.text_input(
            "Agents",
            value=f"{SET_IN_BUILDER.capitalize()}: {current.reason}",
            disabled=True,
            help=current.label,
        )
        return
    options = sorted(agents, key=lambda a: agents[a].lower())
    options += [a for a in current if a not in agents]
    sync(keys.w_ed_agents(dashboard_id), list(current))
    st.multiselect(
        "Agents",
        options=options,
        format_func=lambda a: agents.get(a, f"Agent {a}"),
        key=keys.w_ed_agents(dashboard_id),
        on_change=_on_agents,
        args=(dashboard_id,),
        placeholder=ALL_AGENTS,
        help=f"Leave empty for {ALL_AGENTS.lower()}.",
    )


def render_control_bar(draft: Any, agents: Mapping[int, str]) -> None:
    """The date range and agents of `draft`, editable; `agents` maps id -> name."""
    with st.container(border=True, key=f"ed_control_bar_{draft.dashboard_id}"):
        range_col, agents_col = st.columns([2, 3])
        with range_col:
            _date_range(draft)
        with agents_col:
            _agents(draft, agents)
        refused = state.get(keys.s_control_bar_error(draft.dashboard_id))
        if refused:
            st.error(escape_markdown(str(refused)), icon=":material/error:")
