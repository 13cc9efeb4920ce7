"""Cekura Dashboards Admin: the router. Page config, the connection in
the sidebar, and the pages. Pages are short scripts in pages/, rendering in components/,
state and services in services/."""

from __future__ import annotations

import logging

import streamlit as st

from components.connection import connection_sidebar
from components.history_name import history_name_sidebar
from services.signin import gate

st.set_page_config(
    page_title="Cekura Dashboards Admin",
    page_icon=":material/dashboard:",
    layout="wide",
)
actor = gate()  # with sign-in configured, nothing below runs until someone with a role signs in

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

pages = [
    st.Page(
        "pages/dashboards.py",
        title="Dashboards",
        icon=":material/dashboard:",
        url_path="dashboards",
        default=True,
    ),
    st.Page("pages/editor.py", title="Edit dashboard", icon=":material/edit:", url_path="editor"),
    st.Page("pages/history.py", title="History", icon=":material/history:", url_path="history"),
    st.Page("pages/bulk.py", title="Bulk change", icon=":material/done_all:", url_path="bulk"),
    st.Page(
        "pages/connection.py", title="Connection", icon=":material/link:", url_path="connection"
    ),
]

current = st.navigation(pages)
connection_sidebar()
if not actor.signed_in:
    history_name_sidebar()
current.run()
