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

from cekura_dashboards.filter_validation import Problem
from components.inert import inert
from components.value_editors import sync
from services import state_keys as keys
from services.drafts import Draft, PendingJson, get_draft

_STEP = re.compile(r"conditions\[(\d+)\]")


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
    draft.apply_json(str(st.session_state[keys.w_ed_json(dashboard_id)] or ""))


def pending_problem(pending: PendingJson) -> str:
    """What is wrong with JSON that was not applied, and where."""
    where = f"At {path_words(pending.path)} ({pending.path}): " if pending.path else ""
    return where + pending.message


def _throw_away(dashboard_id: int) -> None:
    draft = get_draft(dashboard_id)
    if draft is not None:
        draft.drop_pending_json()
        st.session_state.pop(keys.w_ed_json(dashboard_id), None)


def render_json_editor(draft: Draft, problems: list[Problem]) -> None:
    dashboard_id = draft.dashboard_id
    pending = draft.pending_json
    text = pending.text if pending is not None else pretty(draft.filters_json())
    widget_key = keys.w_ed_json(dashboard_id)
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
    if pending is not None:
        st.error(
            "Not applied: " + inert(pending_problem(pending)),
            icon=":material/data_object:",
        )
        st.caption(
            "Your text is kept here. The builder still shows the last valid filter; "
            "fix the text, or go back to it."
        )
        st.button(
            "Throw away my JSON edits",
            key=keys.w_ed_json_discard(dashboard_id),
            on_click=_throw_away,
            args=(dashboard_id,),
            icon=":material/undo:",
        )
    if pending is not None and problems:
        # the paths below point into the applied filter, not into the text in the box
        st.caption("The last applied filter (the one the builder shows) also has these problems:")
    for problem in problems:
        where = f"At {path_words(problem.path)}" + (f" ({problem.path})" if problem.path else "")
        text = inert(f"{where}: {problem.message}")
        if problem.severity == "error":
            st.error(text, icon=":material/error:")
        else:
            st.warning(text, icon=":material/warning:")
