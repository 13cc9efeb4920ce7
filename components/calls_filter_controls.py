"""The Calls page's control bar and builder, each behind one small function so the merge
can point them at the shared components (the editor's control bar, the reusable builder)
without touching the page.

The control bar here is the minimal one: a quick date range or custom dates, and the
agents, written into the filter's top-level conditions with cekura_dashboards/control_bar.py
(so it says exactly what the editor's bar would). Whatever it cannot show is left to the
builder below, and said so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import streamlit as st

from cekura_dashboards.control_bar import (
    QUICK_RANGES,
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
from cekura_dashboards.filter_validation import Problem
from components.errors import escape_markdown
from components.filter_builder import render_builder
from services import state_keys as keys
from services.drafts import Draft

CUSTOM = "custom"
OTHER = "other"


def _sync(widget_key: str, value: Any) -> None:
    if widget_key not in st.session_state or st.session_state[widget_key] != value:
        st.session_state[widget_key] = value


def _apply(draft: Draft, change: Any) -> None:
    try:
        draft.edit_tree(change)
    except ControlBarError as err:
        st.toast(str(err), icon=":material/error:")


def _on_range(draft: Draft) -> None:
    choice = st.session_state[keys.W_CALLS_RANGE]
    if choice in (None, OTHER):
        return
    if choice == CUSTOM:
        today = datetime.now(UTC).date()
        value = custom_range(_start_of(today - timedelta(days=6)), _end_of(today))
    else:
        value = quick_range(choice)
    _apply(draft, lambda t: write_date_range(t, value))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _on_dates(draft: Draft) -> None:
    picked = st.session_state[keys.W_CALLS_DATES]
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        return  # the second date is not picked yet
    try:
        value = custom_range(_start_of(picked[0]), _end_of(picked[1]))
    except ControlBarError as err:
        st.toast(str(err), icon=":material/error:")
        return
    _apply(draft, lambda t: write_date_range(t, value))


def _on_agents(draft: Draft) -> None:
    chosen = [int(a) for a in st.session_state[keys.W_CALLS_AGENTS]]
    _apply(draft, lambda t: write_agents(t, chosen))


def _range_choice(current: DateRange | Unreadable | None) -> str:
    if isinstance(current, DateRange):
        if current.quick is not None:
            return current.quick.key
        if current.is_custom:
            return CUSTOM
    return OTHER


def render_control_bar(draft: Draft, agents: Mapping[int, str]) -> None:
    """Date range and agents of `draft`'s filter (top-level conditions only)."""
    current = read_date_range(draft.tree)
    choice = _range_choice(current)
    labels = {q.key: q.label for q in QUICK_RANGES} | {CUSTOM: "Custom dates…"}
    if choice == OTHER:
        labels[OTHER] = current.label if current is not None else "No date range (the last 30 days)"
    columns = st.columns([2, 2, 3])
    with columns[0]:
        _sync(keys.W_CALLS_RANGE, choice)
        st.selectbox(
            "Date range",
            options=list(labels),
            format_func=labels.__getitem__,
            key=keys.W_CALLS_RANGE,
            on_change=_on_range,
            args=(draft,),
            help="Call logs reach back 30 days at most.",
        )
    with columns[1]:
        if choice == CUSTOM and isinstance(current, DateRange):
            start = datetime.fromisoformat(str(current.start).replace("Z", "+00:00")).date()
            end = datetime.fromisoformat(str(current.end).replace("Z", "+00:00")).date()
            today = datetime.now(UTC).date()
            _sync(keys.W_CALLS_DATES, (start, end))
            st.date_input(
                "From – to (UTC)",
                key=keys.W_CALLS_DATES,
                min_value=today - timedelta(days=30),
                max_value=today,
                on_change=_on_dates,
                args=(draft,),
            )
        elif isinstance(current, Unreadable):
            st.caption(escape_markdown(current.label))
    with columns[2]:
        selected = read_agents(draft.tree)
        if isinstance(selected, Unreadable):
            st.caption(escape_markdown(selected.label))
            return
        options = sorted(agents, key=lambda a: agents[a].lower())
        options += [a for a in selected if a not in options]
        _sync(keys.W_CALLS_AGENTS, list(selected))
        st.multiselect(
            "Agents",
            options=options,
            format_func=lambda a: agents.get(a, f"Agent {a}"),
            key=keys.W_CALLS_AGENTS,
            on_change=_on_agents,
            args=(draft,),
            placeholder="All agents",
        )


def render_filter_editor(
    draft: Draft,
    *,
    problems: dict[str, list[Problem]],
    agents: dict[int, str],
    metrics: dict[int, str],
    metric_values: dict[int, list[str]] | None = None,
) -> None:
    """The filter builder on `draft` (THE one call of the builder from the Calls page)."""
    render_builder(
        draft,
        problems=problems,
        server_errors={},
        agents=agents,
        metrics=metrics,
        metric_values=metric_values,
    )
