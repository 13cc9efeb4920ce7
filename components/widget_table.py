"""The dashboard's widgets as one table, in words a person reads, plus the effective
filter of one widget on demand. One st.dataframe, so 200 widgets stay cheap."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_sentence import describe_filter
from cekura_dashboards.filter_tree import parse_filter
from services import state_keys as keys

_CHART_WORDS = {"line": "Line", "bar": "Bar", "pie": "Pie", "stat": "Summary numbers"}
_AGGREGATION_WORDS = {
    "count": "Count",
    "sum": "Sum",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "p50": "Median (p50)",
    "p95": "95th percentile",
    "p99": "99th percentile",
}
_PERIOD_WORDS = {"hour": "Hourly", "day": "Daily", "week": "Weekly", "month": "Monthly"}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def group_by_words(group_by: Any) -> str:
    if not group_by:
        return ""
    kind = _get(group_by, "type")
    if kind == "field":
        field = str(_get(group_by, "field") or "")
        spec = catalog.field_spec(field)
        if spec is not None:
            return spec.label
        return catalog.plottable_label(field)
    if kind == "bucket":
        interval = _get(group_by, "interval")
        try:
            ms = int(interval)
        except (TypeError, ValueError):
            return f"Buckets of {interval}"
        for size, unit in (
            (86_400_000, "day"),
            (3_600_000, "hour"),
            (60_000, "minute"),
            (1000, "second"),
        ):
            if ms >= size and ms % size == 0:
                count = ms // size
                return f"Buckets of {count} {unit}{'' if count == 1 else 's'}"
        return f"Buckets of {ms} ms"
    return str(group_by)


def filter_sentence(filters: Any, *, agents: Any = None, metrics: Any = None) -> str:
    """A stored filter as a sentence; a filter the app cannot read says so, not a crash."""
    if not filters:
        return "No filter of its own"
    try:
        return describe_filter(parse_filter(filters), agents=agents, metrics=metrics)
    except Exception:  # a malformed stored filter must not break the whole table
        return "A filter this app cannot read (see it as JSON on the API)"


def widget_rows(widgets: list[Any], *, agents: Any = None, metrics: Any = None) -> pd.DataFrame:
    rows = []
    for widget in widgets:
        chart = str(_get(widget, "chart_type") or "")
        field = str(_get(widget, "field") or "")
        rows.append(
            {
                "Name": str(_get(widget, "name") or "(no name)"),
                "Chart": _CHART_WORDS.get(chart, chart),
                "Plots": catalog.plottable_label(field) if (field or chart == "stat") else "",
                "Metric": str(_get(widget, "metric_name") or ""),
                "Aggregation": _AGGREGATION_WORDS.get(
                    str(_get(widget, "aggregation_function") or ""),
                    str(_get(widget, "aggregation_function") or ""),
                ),
                "Period": _PERIOD_WORDS.get(
                    str(_get(widget, "time_period") or ""), str(_get(widget, "time_period") or "")
                ),
                "Group by": group_by_words(_get(widget, "group_by")),
                "Its own filter": filter_sentence(
                    _get(widget, "filters"), agents=agents, metrics=metrics
                ),
            }
        )
    return pd.DataFrame(rows, columns=WIDGET_COLUMNS)


WIDGET_COLUMNS = [
    "Name",
    "Chart",
    "Plots",
    "Metric",
    "Aggregation",
    "Period",
    "Group by",
    "Its own filter",
]


COMPACT_COLUMNS = ["Name", "Chart", "Plots", "Counts as", "Group by", "Its own filter"]


def compact_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The details table in six columns, so it fits the page without scrolling sideways:
    the metric goes with what is plotted, the aggregation with its period."""
    if table.empty:
        return pd.DataFrame(columns=COMPACT_COLUMNS)
    plots = [
        f"{p}: {m}" if m and p else (p or m)
        for p, m in zip(table["Plots"], table["Metric"], strict=True)
    ]
    counts = [
        " · ".join(part for part in (a, p) if part)
        for a, p in zip(table["Aggregation"], table["Period"], strict=True)
    ]
    compact = table.assign(Plots=plots, **{"Counts as": counts})
    return compact[COMPACT_COLUMNS]


def effective_filter_json(dashboard_filters: Any, widget_filters: Any) -> dict[str, Any] | None:
    """Dashboard filter AND widget filter, the way widget data combines them (RULES.md)."""
    parts = [f for f in (dashboard_filters, widget_filters) if f]
    if not parts:
        return None
    if len(parts) == 1:
        return dict(parts[0])
    return {"operator": "and", "conditions": parts}


def render_widget_table(
    dashboard_id: int,
    widgets: list[Any],
    table: pd.DataFrame,
    draft_filters: dict[str, Any] | None,
    *,
    agents: Any = None,
    metrics: Any = None,
) -> None:
    """`table` is widget_rows(widgets), which the caller builds once per server copy."""
    st.subheader(f"Widget details ({len(widgets)})", anchor=False)
    if not widgets:
        st.caption("This dashboard has no widgets yet.")
        return
    st.dataframe(
        compact_rows(table),
        hide_index=True,
        width="stretch",
        key=keys.w_ed_widgets(dashboard_id),
        column_config={
            # wide enough for "Summary numbers" (auto-sizing cut it to "Summa…")
            "Chart": st.column_config.TextColumn(width=125),
            "Name": st.column_config.TextColumn(width="medium"),
            "Plots": st.column_config.TextColumn(width="medium"),
            "Counts as": st.column_config.TextColumn(width="small"),
            "Group by": st.column_config.TextColumn(width="small"),
            "Its own filter": st.column_config.TextColumn(width="large"),
        },
    )
    # The choice is a widget id, not a row number: a row number would name another
    # widget once the list changes (their copy loaded after a conflict).
    by_id = {_get(w, "id", i): (i, w) for i, w in enumerate(widgets)}
    choice = st.selectbox(
        "Show the full filter one widget uses",
        options=list(by_id),
        index=None,
        format_func=lambda wid: (
            f"{by_id[wid][0] + 1}. {str(_get(by_id[wid][1], 'name') or '(no name)')}"
        ),
        placeholder="Pick a widget",
        key=keys.w_ed_effective(dashboard_id),
        help="A widget shows calls that match the dashboard's filter (as in your draft) "
        "and its own filter.",
    )
    if choice in by_id:
        merged = effective_filter_json(draft_filters, _get(by_id[choice][1], "filters"))
        st.text(
            "Calls where: "
            + (
                filter_sentence(merged, agents=agents, metrics=metrics)
                if merged
                else "every call (no filter)"
            )
        )
