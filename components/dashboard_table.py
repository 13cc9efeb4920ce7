"""The dashboards list: one table row per dashboard, times in words. The writes the list
offers (create, duplicate, delete) are services/dashboards.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from services import state_keys as keys

UNTITLED = "(untitled)"
NO_PROJECT = "No project"

COLUMNS = ["Name", "Project", "Widgets", "Last update", "Updated (UTC)", "ID"]


def as_datetime(value: Any) -> datetime | None:
    """A timestamp from the API (datetime or ISO text) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def humanize_age(when: datetime | None, now: datetime | None = None) -> str:
    """'just now', '3 min ago', '5 h ago', 'yesterday', '4 days ago', else the date."""
    if when is None:
        return "unknown"
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "just now" if seconds > -60 else when.strftime("%d %b %Y")
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days == 1:
        return "yesterday"
    if days < 30:
        return f"{days} days ago"
    return when.strftime("%d %b %Y")


def exact_time(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else ""


def display_name(dashboard: Any) -> str:
    name = getattr(dashboard, "name", None)
    return name if isinstance(name, str) and name.strip() else UNTITLED


def project_label(project_id: int | None, names: Mapping[int, str]) -> str:
    if project_id is None:
        return NO_PROJECT
    return names.get(project_id, f"Project {project_id}")


def dashboards_frame(
    rows: Sequence[Any], names: Mapping[int, str], now: datetime | None = None
) -> pd.DataFrame:
    """The table's data. Every value is plain text or a number: nothing is rendered."""
    now = now or datetime.now(UTC)
    records = []
    for d in rows:
        updated = as_datetime(getattr(d, "updated_at", None))
        records.append(
            {
                "Name": display_name(d),
                "Project": project_label(getattr(d, "project", None), names),
                "Widgets": int(getattr(d, "widget_count", 0) or 0),
                "Last update": humanize_age(updated, now),
                "Updated (UTC)": exact_time(updated),
                "ID": int(d.id),
            }
        )
    return pd.DataFrame.from_records(records, columns=COLUMNS)


@dataclass(frozen=True)
class TableChoice:
    """What the person did in the table: the rows ticked (in table order) and the
    dashboard whose name they clicked (open it), if any."""

    selected: list[Any]
    opened: Any | None = None


def render_dashboard_table(
    rows: Sequence[Any], names: Mapping[int, str], *, on_select: Any = "rerun"
) -> TableChoice:
    """The table: the checkbox of a row selects it (several may be), a click on a name
    asks to open that dashboard."""
    frame = dashboards_frame(rows, names)
    event = st.dataframe(
        frame,
        key=table_key(),
        hide_index=True,
        width="stretch",
        height="content",  # the whole page of rows: no second scroll box above the pager
        on_select=on_select,
        # rows by their checkboxes; one cell by a click, which on a name opens it
        selection_mode=["multi-row", "single-cell"],
        # The ID stays in the data (tests and support find rows by it) but is not shown.
        column_order=["Name", "Project", "Widgets", "Last update", "Updated (UTC)"],
        column_config={
            "Name": st.column_config.TextColumn(
                "Name", width=340, help="Click a name to open that dashboard"
            ),
            "Project": st.column_config.TextColumn("Project", width=220),
            "Widgets": st.column_config.NumberColumn("Widgets", format="%d", width=80),
            "Last update": st.column_config.TextColumn(
                "Last update", width=120, help="How long ago it was last changed"
            ),
            "Updated (UTC)": st.column_config.TextColumn(
                "Updated (UTC)", width=150, help="Exact time of the last change, in UTC"
            ),
        },
    )
    selection = getattr(event, "selection", None)
    ticked = list(getattr(selection, "rows", None) or [])
    selected = [rows[i] for i in sorted(set(ticked)) if 0 <= i < len(rows)]
    opened = None
    for cell in list(getattr(selection, "cells", None) or []):
        row, column = cell[0], cell[1]
        if column == "Name" and 0 <= row < len(rows):
            opened = rows[row]
    return TableChoice(selected, opened)


def table_key() -> str:
    return keys.w_dash_table(st.session_state.get(keys.S_DASH_TABLE_GENERATION, 0))


def clear_table_selection() -> None:
    """Drop the row selection (row numbers mean other dashboards on another page).

    Popping the widget's state is not enough: the browser keeps the row ticked and sends
    that selection back with the next rerun (after a delete, the next dashboard in the
    list looked selected). A new key is a new table, with nothing ticked."""
    state = st.session_state
    state.pop(table_key(), None)
    state[keys.S_DASH_TABLE_GENERATION] = state.get(keys.S_DASH_TABLE_GENERATION, 0) + 1
