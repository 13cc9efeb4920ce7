"""Every widget of the dashboard drawn as its chart, and, while the draft's filter differs
from the saved one, the same widget under the draft beside it with a one-line delta.

Renders only: the data comes in (services/reads.py ChartReads), the chart specs come from
cekura_dashboards/charts.py. A widget whose data failed shows the API's words in its own
box; the others still draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from cekura_dashboards.charts import (
    NO_CALLS,
    build_view,
    format_count,
    headline,
    widget_delta,
    widget_title,
)
from cekura_dashboards.models import Widget
from components.errors import escape_markdown
from components.point_calls import render_point_calls
from services import state_keys as keys
from services.reads import Answer, ChartReads

CHART_HEIGHT = 260  # room for a long y axis title ("Average call duration (seconds)")
SAVED_SIDE = "Saved dashboard"
DRAFT_SIDE = "With your unsaved changes"
CHANGE = "change in "  # "· change in calls: 5,234 → 1,120 (−79 %)"
COLUMNS = 2  # widgets per row when there is only one side to show


def _group_names(widget: Widget, agents: Mapping[int, str]) -> Mapping[Any, str] | None:
    """Words for group values and pie labels: agent names where the widget is about agents."""
    group = widget.group_by if isinstance(widget.group_by, dict) else {}
    about_agents = widget.field == "agent_id" or group.get("field") in ("agent.id", "agent_id")
    return agents if about_agents else None


def _draw(
    widget: Widget,
    answer: Answer | None,
    agents: Mapping[int, str],
    *,
    total: bool = False,
    titled: bool = True,
    side: str = "saved",
    effective: Mapping[str, Any] | None = None,
    project_id: int | None = None,
) -> None:
    """One side of one widget: its chart, its stat line, "no calls", or why not; with
    `total`, a caption under a chart says how many calls it counts; `titled`: the
    widget's name first (the before/after box names it once, above both sides).
    A click on a bar, slice or line point opens its calls under the chart: `effective`
    is this side's filter (the widget's effective one, or the draft's AND the widget's)."""
    if answer is None or answer.error is not None:
        if titled:
            st.markdown(f"**{escape_markdown(widget_title(widget))}**")
        st.error(
            escape_markdown((answer.error if answer else None) or "Not loaded."),
            icon=":material/error:",
        )
        return
    view = build_view(widget, answer.value, _group_names(widget, agents))
    # The title is drawn as text above the chart rather than by Vega, whose title the
    # chart's fixed height cut off at the top.
    if titled:
        st.markdown(f"**{escape_markdown(view.title)}**")
    if view.chart is not None:
        event = st.altair_chart(
            view.chart.properties(title="", height=CHART_HEIGHT),
            width="stretch",
            on_select="rerun",
            key=keys.w_chart(int(widget.id), side),
        )
        if total:
            count, what = headline(widget, answer.value)
            st.caption(f"{format_count(count)} {what}")
        render_point_calls(
            widget,
            view,
            event,
            effective,
            project_id,
            data_type=answer.value.metadata.data_type,
            side=side,
            agents=agents,
        )
    elif view.text == NO_CALLS:
        st.info(NO_CALLS, icon=":material/hourglass_empty:")
    else:
        st.markdown(escape_markdown(view.text or ""))


def draft_effective(
    draft_filters: Mapping[str, Any] | None, widget: Widget
) -> dict[str, Any] | None:
    """The draft side's filter of a widget: the draft's dashboard filter AND the widget's
    own (what preview_data merges)."""
    parts = [dict(f) for f in (draft_filters, widget.filters) if f]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"operator": "and", "conditions": parts}


def _delta(widget: Widget, before: Answer | None, after: Answer | None) -> str | None:
    if before is None or after is None or before.value is None or after.value is None:
        return None
    return widget_delta(widget, before.value, after.value)


def render_widget_charts(
    dashboard_id: int,
    widgets: list[Widget],
    reads: ChartReads | None,
    *,
    agents: Mapping[int, str],
    draft_differs: bool,
    draft_blocked: str | None = None,
    project_id: int | None = None,
    draft_filters: Mapping[str, Any] | None = None,
) -> None:
    """`reads`: the loaded data (None: nothing loaded, e.g. the API cannot be reached).
    `draft_differs`: the draft's dashboard filter is not the saved one, so each widget
    shows its "after" side. `draft_blocked`: why that side cannot be asked for (the
    draft has problems); the server is not asked then. `project_id` and `draft_filters`
    (the draft's dashboard filter): what a clicked point's calls are listed with."""
    st.subheader("What the dashboard shows", anchor=False)
    if not widgets:
        st.caption("This dashboard has no widgets yet, so there is nothing to draw.")
        return
    if draft_differs:
        st.caption(
            "Each widget as saved, and as it would look with your unsaved filter. "
            "Nothing is saved to show you this. Click a bar, slice or point to see its calls."
        )
    else:
        st.caption(
            "Each widget with the saved filter. Click a bar, slice or point to see its calls."
        )
    saved = reads.saved if reads is not None else {}
    draft = reads.draft if reads is not None else {}
    if not draft_differs:
        for start in range(0, len(widgets), COLUMNS):
            row = widgets[start : start + COLUMNS]
            for column, widget in zip(st.columns(COLUMNS), row, strict=False):
                with column, st.container(border=True, key=f"chart_box_{widget.id}"):
                    _draw(
                        widget,
                        saved.get(int(widget.id)),
                        agents,
                        total=True,
                        effective=widget.effective_filters,
                        project_id=project_id,
                    )
        return
    for widget in widgets:
        wid = int(widget.id)
        with st.container(border=True, key=f"chart_box_{wid}"):
            before, after = saved.get(wid), draft.get(wid)
            delta = None if draft_blocked else _delta(widget, before, after)
            title = escape_markdown(widget_title(widget))
            st.markdown(f"**{title}**" + (f" · {CHANGE}{escape_markdown(delta)}" if delta else ""))
            left, right = st.columns(2)
            with left:
                st.caption(SAVED_SIDE)
                _draw(
                    widget,
                    before,
                    agents,
                    titled=False,
                    effective=widget.effective_filters,
                    project_id=project_id,
                )
            with right:
                st.caption(DRAFT_SIDE)
                if draft_blocked:
                    st.warning(escape_markdown(draft_blocked), icon=":material/block:")
                else:
                    _draw(
                        widget,
                        after,
                        agents,
                        titled=False,
                        side="draft",
                        effective=draft_effective(draft_filters, widget),
                        project_id=project_id,
                    )
