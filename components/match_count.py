"""How many calls the draft's filter selects, beside how many the saved one does:
"1,120 calls match · 5,234 with the saved filter". From the call-logs list's `count`, in
the scope the widgets use (the saved dashboard's project)."""

from __future__ import annotations

import streamlit as st

from cekura_dashboards.charts import format_count
from components.errors import escape_markdown
from services.reads import Answer


def _calls(n: int) -> str:
    return f"{format_count(n)} call{'' if n == 1 else 's'}"


def count_line(saved: Answer, draft: Answer | None, *, draft_blocked: str | None = None) -> str:
    """The sentence. `draft` is None when the draft's filter is the saved one;
    `draft_blocked` says why the draft's count was not asked for."""
    saved_words = (
        f"{format_count(saved.value)} with the saved filter"
        if saved.error is None
        else "the saved filter's count could not be read"
    )
    if draft_blocked:
        return f"Fix the filter to see how many calls match · {saved_words}"
    if draft is None:
        if saved.error is not None:
            return "Could not count the calls the filter matches: " + saved.error
        return f"{_calls(saved.value)} match the saved filter"
    if draft.error is not None:
        return f"Could not count the calls your filter matches ({draft.error}) · {saved_words}"
    verb = "matches" if draft.value == 1 else "match"
    return f"{_calls(draft.value)} {verb} · {saved_words}"


def render_match_count(
    saved: Answer | None, draft: Answer | None, *, draft_blocked: str | None = None
) -> None:
    if saved is None:
        st.caption("Call count not loaded.")
        return
    line = count_line(saved, draft, draft_blocked=draft_blocked)
    st.markdown(
        f":material/call: **{escape_markdown(line)}**",
        help="Calls in the dashboard's project that the filter selects, as the call logs "
        "list counts them. Widgets' own filters can narrow this further.",
    )
