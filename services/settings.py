"""Where the app's settings come from: the environment, else `.streamlit/secrets.toml`.

A module of its own, importing nothing but Streamlit, so `make run`'s launcher can tell
demo mode from a configured key before Streamlit starts without importing the API client.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.cekura.ai"


def setting(name: str) -> str | None:
    """A setting from the environment, else from `st.secrets` (absent file: no crash)."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    try:
        if st.secrets.load_if_toml_exists():
            found = st.secrets.get(name)
            if isinstance(found, str) and found.strip():
                return found.strip()
    except Exception:  # a malformed secrets file must not take the app down
        log.warning("Could not read .streamlit/secrets.toml; ignoring it")
    return None


def configured_settings() -> tuple[str, str] | None:
    """(base_url, api_key) from the environment or secrets, or None for demo mode."""
    key = setting("CEKURA_API_KEY")
    if not key:
        return None
    return (setting("CEKURA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"), key
