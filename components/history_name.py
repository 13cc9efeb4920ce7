"""The sidebar field "Your name (for the history)", shown when the app has no sign-in:
the journal then records that name as who made a change, instead of "anonymous"."""

from __future__ import annotations

import streamlit as st

from services import state_keys as keys
from services.signin import MAX_HISTORY_NAME, history_name, set_history_name


def _on_name() -> None:
    set_history_name(str(st.session_state.get(keys.W_HISTORY_NAME) or ""))


def history_name_sidebar() -> None:
    # the widget's state goes when its page is left; the stored name does not
    st.session_state[keys.W_HISTORY_NAME] = history_name() or ""
    with st.sidebar:
        st.text_input(
            "Your name (for the history)",
            key=keys.W_HISTORY_NAME,
            max_chars=MAX_HISTORY_NAME,
            on_change=_on_name,
            placeholder="anonymous",
            help="The History page shows this name beside the changes you save in this "
            "session. The app has no sign-in, so it is not checked.",
        )
