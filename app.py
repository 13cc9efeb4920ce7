"""Cekura Dashboards Admin: the router. Page config, the connection in
the sidebar, and the pages. Pages are short scripts in pages/, rendering in components/,
state and services in services/."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from components.connection import connection_sidebar
from components.history_name import history_name_sidebar
from services.signin import gate

# A file shipped in the repo: a `:material/…` icon makes the browser fetch the favicon from
# a Google font host, and pages must work (and leak nothing) without the internet.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"

st.set_page_config(
    page_title="Cekura Dashboards Admin",
    page_icon=str(FAVICON),
    layout="wide",
)
actor = gate()  # with sign-in configured, nothing below runs until someone with a role signs in

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

# No page icons: the current page's icon would replace the favicon with a `:material/…`
# one, fetched from the internet.
pages = [
    st.Page("pages/dashboards.py", title="Dashboards", url_path="dashboards", default=True),
    st.Page("pages/editor.py", title="Edit dashboard", url_path="editor"),
    st.Page("pages/calls.py", title="Calls", url_path="calls"),
    st.Page("pages/history.py", title="History", url_path="history"),
    st.Page("pages/bulk.py", title="Bulk change", url_path="bulk"),
    st.Page("pages/connection.py", title="Connection", url_path="connection"),
]

current = st.navigation(pages)
connection_sidebar()
if not actor.signed_in:
    history_name_sidebar()
current.run()
