"""The embedded demo API: one per process, started on first use on a free loopback port.

Only the demo *server* is a process-wide resource (its key is random and made for this
process); every client, the demo's included, lives in its user's session.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_DB = ROOT / "data" / "demo.sqlite3"


@dataclass(frozen=True)
class DemoServer:
    url: str
    api_key: str
    running: Any  # demo_api's RunningServer: `.stop()` ends it


@st.cache_resource(show_spinner="Starting the demo data server (the first start takes a moment)…")
def demo_server() -> DemoServer:
    """One embedded demo API per process, with a random key made for this process."""
    import demo_api  # imported lazily: a configured app never needs FastAPI

    db_path = Path(os.environ.get("CEKURA_DEMO_DB") or DEFAULT_DEMO_DB)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    options: dict[str, Any] = {}
    if os.environ.get("CEKURA_DEMO_CALLS"):  # a smaller seed for tests
        options["calls"] = int(os.environ["CEKURA_DEMO_CALLS"])
    server = demo_api.serve_in_thread(str(db_path), key, host="127.0.0.1", port=0, **options)
    atexit.register(server.stop)
    log.info("Demo API for the app at %s (database %s)", server.url, db_path)
    return DemoServer(url=str(server.url).rstrip("/"), api_key=key, running=server)
