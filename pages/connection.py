"""Connection help: where the data comes from and how to use a real API key."""

from __future__ import annotations

import streamlit as st

from services.connection import current_connection

st.title("Connection")

conn = current_connection()
if conn.mode == "demo":
    st.info(
        "This app is showing **demo data** from a small server built into the app. "
        "The dashboards, calls and agents are made up, and nothing you change here "
        "reaches a real Cekura account.",
        icon=":material/science:",
    )
elif conn.mode == "configured":
    st.success("This app is connected to a Cekura API set up by your administrator.")
else:
    st.success("This browser tab is connected with the API key you pasted.")
if conn.mode != "demo":
    st.caption("API address")
    st.text(conn.base_url)

st.subheader("Use your own Cekura data")
st.markdown(
    """
**Just for you, in this browser tab:** open **Use your own API key** in the sidebar, paste
the key, choose the API address and press **Connect**. Only the addresses whoever runs the
app has allowed are offered (`CEKURA_ALLOWED_BASE_URLS`, comma-separated; by default only
`https://api.cekura.ai`). The key stays only in this tab's session: it is not saved,
not shown again, and not shared with anyone else using the app. Closing the tab, or pressing
**Use demo data** / **Disconnect my key** in the sidebar, forgets it.

**For everyone using this app** (set up by whoever runs it): set `CEKURA_API_KEY` (and, for
an address other than `https://api.cekura.ai`, `CEKURA_BASE_URL`) in the environment, or put
them in `.streamlit/secrets.toml` — see `.streamlit/secrets.toml.example`. Then restart the app.

Ask your Cekura administrator for an API key if you do not have one.
"""
)
