"""The calls behind a clicked point, in a panel right under its chart.

A panel, not `st.dialog` (Cekura's side sheet): the chart's own selection is then the one
thing that says which calls are open. Clicking another point shows its calls, clicking
the same point again (or empty space) closes the panel, and nothing reopens on a later
rerun as a dialog would while its chart still holds the selection; the saved and the
draft side of a widget can each show their calls at once for comparison; and its page
buttons and export work like the Calls page's (a dialog is one at a time and cannot be
opened from an `on_select` callback).

Use: `event = st.altair_chart(view.chart, on_select="rerun", key=...)` and then
`render_point_calls(widget, view, event, ...)` (or, from an `on_select` callback, keep
`st.session_state[key]` and pass it as `event` on the run that follows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from cekura_dashboards.call_table import compact_json
from cekura_dashboards.charts import WidgetView, selected_points, widget_title
from cekura_dashboards.models import Widget
from components.calls_export import render_export
from components.calls_table import render_calls_table
from components.errors import escape_markdown
from services import state_keys as keys
from services.drilldown import point_calls

CALLS_PAGE = "pages/calls.py"


def open_calls_for_point(
    widget: Widget,
    point: Mapping[str, Any],
    effective_filter_json: Mapping[str, Any] | None,
    project_id: int | None,
    *,
    data_type: str | None = None,
    side: str = "saved",
    agents: Mapping[int, str] | None = None,
    metrics: Mapping[int, str] | None = None,
    calls_page: Any = CALLS_PAGE,
) -> None:
    """The panel of the calls behind `point`: a window the call logs would refuse, or a
    point that is no filter, is explained before any request; else one call-logs request
    for the page shown. `calls_page`: the Calls page as the app's navigation knows it
    (its path from app.py, or the `st.Page`)."""
    found = point_calls(widget, point, effective_filter_json, project_id, data_type=data_type)
    table = f"w{int(widget.id)}_{side}"
    with st.container(border=True, key=f"calls_panel_{table}"):
        st.markdown(f"#### Calls behind this point of “{escape_markdown(widget_title(widget))}”")
        if found.reason is not None:
            st.warning(
                escape_markdown(found.reason) + " Nothing was asked of the API.",
                icon=":material/block:",
            )
            return
        render_calls_table(table, project_id, found.filters, agents=agents, metrics=metrics)
        params = {"filters": compact_json(found.filters)}
        if project_id is not None:
            params["project"] = str(project_id)
        st.page_link(
            calls_page,
            label="Open these calls on the Calls page",
            icon=":material/call:",
            query_params=params,
        )
        reveal = bool(st.session_state.get(keys.w_calls(table, "reveal"), False))
        render_export(table, project_id, found.filters, reveal=reveal)


def render_point_calls(
    widget: Widget,
    view: WidgetView,
    event: Any,
    effective_filter_json: Mapping[str, Any] | None,
    project_id: int | None,
    *,
    data_type: str | None = None,
    side: str = "saved",
    agents: Mapping[int, str] | None = None,
    metrics: Mapping[int, str] | None = None,
    calls_page: Any = CALLS_PAGE,
) -> bool:
    """Under a chart drawn from `view`: the calls of the point its selection `event`
    picked (the last one clicked); nothing when no point is picked. A stat widget has no
    points. True when a panel was drawn."""
    points = selected_points(view, event)
    if not points:
        return False
    open_calls_for_point(
        widget,
        points[-1],
        effective_filter_json,
        project_id,
        data_type=data_type,
        side=side,
        agents=agents,
        metrics=metrics,
        calls_page=calls_page,
    )
    return True
