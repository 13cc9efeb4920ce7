"""Edit as JSON: the draft's filter as text, two-way.

A valid filter replaces the builder's tree (one undo step). Text that is not a filter is
kept in the draft (a non-widget key, so leaving the page or switching to the builder
loses nothing) with a message that names the bad node; the builder keeps the last valid
filter until the text is fixed or thrown away.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from cekura_dashboards.filter_tree import FilterParseError, content_key, parse_filter
from cekura_dashboards.filter_validation import Problem
from components.draft import Draft, get_draft
from components.errors import escape_markdown
from components.value_editors import sync

_STEP = re.compile(r"conditions\[(\d+)\]")


def json_key(dashboard_id: int) -> str:
    return f"ed_json_{dashboard_id}"


def pretty(filters: object) -> str:
    return json.dumps(filters, indent=2, ensure_ascii=False)


def path_words(path: str) -> str:
    """`conditions[1].conditions[0].op` -> "the top group › condition 2 › condition 1 › op"."""
    if not path:
        return "the whole filter"
    words = ["the top group"]
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        words.append(f"item {int(match.group(1)) + 1}" if match else step)
    return " › ".join(words)


def _on_json(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    apply_json_text(draft, str(st.session_state[json_key(dashboard_id)] or ""))


def apply_json_text(draft: Draft, text: str) -> bool:
    """Apply typed JSON to the draft; False (text kept, problem noted) when it is not a
    filter. Blank text or `null` means no filter."""
    try:
        tree = None if text.strip() in ("", "null") else parse_filter(text)
    except FilterParseError as err:
        draft.json_text = text
        where = f"At {path_words(err.path)} ({err.path}): " if err.path else ""
        draft.json_problem = where + err.message
        return False
    draft.json_text = None
    draft.json_problem = None
    current = content_key(draft.tree) if draft.tree is not None else None
    if (content_key(tree) if tree is not None else None) != current:
        draft.change(tree=tree)
    return True


def _throw_away(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.json_text = None
        draft.json_problem = None
        st.session_state.pop(json_key(dashboard_id), None)


def render_json_editor(draft: Draft, problems: list[Problem]) -> None:
    dashboard_id = draft.dashboard_id
    pending = draft.json_text is not None
    text = draft.json_text if pending else pretty(draft.filters_json())
    widget_key = json_key(dashboard_id)
    sync(widget_key, text)
    st.text_area(
        "The filter as JSON",
        key=widget_key,
        height=320,
        on_change=_on_json,
        args=(dashboard_id,),
        help="Edit the filter here; click outside the box (or press Ctrl+Enter) to apply it. "
        "The builder and the sentence above follow. Text that is not a valid filter is "
        "kept here and not applied.",
    )
    if pending:
        st.error(
            "Not applied: " + escape_markdown(draft.json_problem or "this is not a filter."),
            icon=":material/data_object:",
        )
        st.caption(
            "Your text is kept here. The builder still shows the last valid filter; "
            "fix the text, or go back to it."
        )
        st.button(
            "Throw away my JSON edits",
            key=f"ed_json_discard_{dashboard_id}",
            on_click=_throw_away,
            args=(dashboard_id,),
            icon=":material/undo:",
        )
    if pending and problems:
        # the paths below point into the applied filter, not into the text in the box
        st.caption("The last applied filter (the one the builder shows) also has these problems:")
    for problem in problems:
        where = f"At {path_words(problem.path)}" + (f" ({problem.path})" if problem.path else "")
        text = escape_markdown(f"{where}: {problem.message}")
        if problem.severity == "error":
            st.error(text, icon=":material/error:")
        else:
            st.warning(text, icon=":material/warning:")
