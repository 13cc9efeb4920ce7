"""The sidebar's connection block: where the data comes from, and a form to use your own
key. What it connects to, and how, is services/connection.py."""

from __future__ import annotations

import streamlit as st

from components.errors import error_message
from components.inert import inert
from services import state_keys as keys
from services.connection import (
    allowed_base_urls,
    connect_with_key,
    connection_error,
    current_connection,
    default_mode,
    disconnect,
)


def _on_connect() -> None:
    """Form callback: hand the pasted key to the service, and never show it again."""
    state = st.session_state
    api_key = str(state.get(keys.W_CONN_API_KEY) or "")
    base_url = str(state.get(keys.W_CONN_BASE_URL) or "")
    state[keys.W_CONN_API_KEY] = ""  # not even masked
    connect_with_key(api_key, base_url)


def connection_sidebar() -> None:
    """The sidebar block: where the data comes from, and how to use your own key."""
    with st.sidebar:
        try:
            conn = current_connection()
        except Exception as err:  # the page shows the same failure with a Retry button
            st.error(inert(error_message(err)))
            return
        st.markdown("**Connection**")
        if conn.mode == "demo":
            st.info(
                "You are looking at **demo data**: made-up dashboards on a small built-in "
                "server. Changes here do not touch any real Cekura account.",
                icon=":material/science:",
            )
        elif conn.mode == "configured":
            st.success("Using the Cekura API set up for this app", icon=":material/link:")
            st.caption("Address")
            st.text(conn.host)
        else:
            st.success("Connected with your API key", icon=":material/key:")
            st.caption("Address")
            st.text(conn.host)
            st.button(
                "Use demo data" if default_mode() == "demo" else "Disconnect my key",
                key=keys.W_CONN_DISCONNECT,
                on_click=disconnect,
                help="Forget the key you pasted. It was only kept for this browser tab.",
            )
        error = connection_error()
        if conn.mode != "pasted":
            _own_key_form(expanded=error is not None)
        if error:
            st.error(inert(error))  # may carry the server's words


def _own_key_form(*, expanded: bool) -> None:
    # The address is chosen from the operator's list, never typed (services/connection.py).
    allowed = allowed_base_urls()
    if st.session_state.get(keys.W_CONN_BASE_URL) not in allowed:
        st.session_state[keys.W_CONN_BASE_URL] = allowed[0]
    with st.expander("Use your own API key", expanded=expanded):
        with st.form(keys.W_CONN_FORM, border=False):
            st.text_input(
                "API key",
                key=keys.W_CONN_API_KEY,
                type="password",
                placeholder="Paste your Cekura API key",
                help="Kept only for this browser tab; never saved or shown again.",
            )
            st.selectbox(
                "API address",
                options=allowed,
                key=keys.W_CONN_BASE_URL,
                disabled=len(allowed) == 1,
                help="The addresses this app may send a key to, set by whoever runs it.",
            )
            st.form_submit_button("Connect", on_click=_on_connect)
