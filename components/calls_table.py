"""The calls of a filter: the filter as a sentence, "N calls", one page of the call logs
as a table (sortable within the page), and the page buttons.

One call-logs request per page shown (services/reads.load_call_page caches it, so a sort,
the reveal toggle or any other rerun costs none); pages are asked for one at a time,
never all at once. Before any request the filter is checked (services.calls.blocker): a
window the call logs would refuse is explained instead of sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from cekura_dashboards import call_table
from cekura_dashboards.charts import format_count
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.filter_sentence import describe_filter
from cekura_dashboards.filter_tree import Node, parse_filter
from components.errors import escape_markdown, show_error
from services import reads
from services import state_keys as keys
from services.calls import blocker

PAGE_SIZES = (25, 50, 100)
# The sorts a page offers: (column, ascending). Duration sorts by its seconds, not its text.
SORTS: dict[str, tuple[str, bool]] = {
    "Newest first": ("Time (UTC)", False),
    "Oldest first": ("Time (UTC)", True),
    "Longest first": ("_seconds", False),
    "Shortest first": ("_seconds", True),
    "Agent (A–Z)": ("Agent", True),
    "Failures first": ("Success", True),
    "Ended reason (A–Z)": ("Ended reason", True),
}


def _page_state(table: str, filter_text: str) -> int:
    """The page shown: back to 1 whenever the filter changes."""
    stored = st.session_state.get(keys.s_calls_page(table))
    if not stored or stored[0] != filter_text:
        st.session_state[keys.s_calls_page(table)] = (filter_text, 1)
        return 1
    return int(stored[1])


def _go(table: str, filter_text: str, page: int) -> None:
    st.session_state[keys.s_calls_page(table)] = (filter_text, max(1, page))


def _frame(calls: list[Any], reveal: bool, agents: Mapping[int, str], sort: str) -> pd.DataFrame:
    rows = call_table.call_rows(calls, reveal=reveal, agents=agents)
    frame = pd.DataFrame(rows, columns=list(call_table.COLUMNS))
    frame["_seconds"] = [c.duration_seconds for c in calls]
    column, ascending = SORTS.get(sort, SORTS["Newest first"])
    frame = frame.sort_values(column, ascending=ascending, kind="stable", na_position="last")
    return frame.drop(columns=["_seconds"])


def render_calls_table(
    table: str,
    project_id: int | None,
    filters: Mapping[str, Any] | None,
    *,
    agents: Mapping[int, str] | None = None,
    metrics: Mapping[int, str] | None = None,
) -> Any:
    """Draw the calls of `filters` (filter JSON) in `project_id`. `table` names this table
    (its widget keys). Returns the page drawn (a `Page[CallLog]`), or None when nothing
    was asked for (a blocked filter, an error)."""
    agents = dict(agents or {})
    metrics = dict(metrics or {})
    tree: Node | None = parse_filter(dict(filters)) if filters else None
    st.info(
        escape_markdown(describe_filter(tree, agents=agents, metrics=metrics)) + ".",
        icon=":material/notes:",
    )
    reason = blocker(tree, agents=agents, metrics=metrics)
    if reason is not None:
        st.warning(
            escape_markdown(reason) + " Nothing was asked of the API.", icon=":material/block:"
        )
        return None
    size = int(st.session_state.get(keys.w_calls(table, "size"), PAGE_SIZES[0]))
    # another filter or page size starts again at page 1
    filter_text = f"{size}|" + call_table.compact_json(dict(filters) if filters else None)
    page_number = _page_state(table, filter_text)
    try:
        page = reads.load_call_page(
            project_id=project_id,
            filters=dict(filters) if filters else None,
            page=page_number,
            page_size=size,
        )
    except CekuraError as err:
        show_error(err, key=keys.w_calls(table, "retry"), context="Could not list the calls.")
        return None
    pages = max(1, math.ceil(page.count / size))
    count_words = f"{format_count(page.count)} call{'' if page.count == 1 else 's'}"
    st.markdown(f"### {count_words}")
    if page.count == 0:
        st.info("No calls match this filter.", icon=":material/hourglass_empty:")
        return page
    with st.container(horizontal=True, vertical_alignment="bottom"):
        reveal = st.toggle(
            "Show full customer numbers",
            key=keys.w_calls(table, "reveal"),
            help="Numbers show only their last 4 digits until you choose to see them.",
        )
        sort = st.selectbox(
            "Sort this page",
            options=list(SORTS),
            key=keys.w_calls(table, "sort"),
            help="Sorts the calls shown on this page; pages come newest first.",
        )
        st.selectbox(
            "Calls per page",
            options=PAGE_SIZES,
            key=keys.w_calls(table, "size"),
        )
    st.dataframe(
        _frame(page.results, bool(reveal), agents, str(sort)),
        hide_index=True,
        width="stretch",
    )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            "Previous page",
            key=keys.w_calls(table, "prev"),
            icon=":material/chevron_left:",
            disabled=page_number <= 1,
            on_click=_go,
            args=(table, filter_text, page_number - 1),
        )
        first = (page_number - 1) * size + 1
        last = first + len(page.results) - 1
        st.caption(
            f"Page {page_number} of {format_count(pages)} · calls {format_count(first)}–"
            f"{format_count(last)} of {count_words}"
        )
        st.button(
            "Next page",
            key=keys.w_calls(table, "next"),
            icon=":material/chevron_right:",
            disabled=page.next is None,
            on_click=_go,
            args=(table, filter_text, page_number + 1),
        )
    return page
