"""One way to show an API failure: the client's plain message and a Retry button.
Never a traceback, never raw server text rendered as markdown."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from cekura_dashboards.errors import CekuraError
from components.inert import inert
from services import state_keys as keys

log = logging.getLogger(__name__)

GENERIC_MESSAGE = "Something went wrong while talking to the Cekura API. Please try again."


def error_message(err: BaseException) -> str:
    """The words to show a person for this failure."""
    if isinstance(err, CekuraError):
        message = getattr(err, "user_message", "") or ""
        return str(message) or GENERIC_MESSAGE
    return GENERIC_MESSAGE


def show_error(
    err: BaseException,
    *,
    retry: Callable[[], None] | bool = True,
    key: str = keys.W_ERROR_RETRY,
    context: str | None = None,
) -> None:
    """Show `err.user_message` (plain text) and, unless `retry=False`, a Retry button.

    `retry` may be a callback run before the rerun (e.g. to forget a cached read).
    `key` must be unique on the page when several errors can show at once.
    `context` is a short sentence of ours saying what failed ("Could not load the list").
    """
    if not isinstance(err, CekuraError):
        log.exception("Unexpected error in the app", exc_info=err)
    with st.container(border=True, key=f"{key}_box"):
        if context:
            st.markdown(f"**{context}**")
        # st.error renders markdown; server words go through st.text-like escaping.
        st.error(inert(error_message(err)), icon=":material/error:")
        if retry is not False:
            st.button(
                "Retry",
                key=key,
                icon=":material/refresh:",
                on_click=retry if callable(retry) else None,
            )


def show_server_reason(message: str) -> None:
    """One reason the API gave for refusing a save, shown beside what it concerns."""
    st.error("The server said: " + inert(message), icon=":material/dns:")


def escape_markdown(text: str) -> str:
    """Kept for the code that calls it: the same as `components.inert.inert` (server
    words, like names, must neither format nor autolink)."""
    return inert(text)
