"""The embedded demo API: one per process, on a free loopback port.

Only the demo *server* is a process-wide resource (its key is random and made for this
process); every client, the demo's included, lives in its user's session.

`make run` starts it before Streamlit accepts its first page (services/launch.py calls
`start_early`), after another process has seeded a new database on the other core, so no
page run seeds or starts anything: the first page finds the server ready, or shows
"Preparing demo data…" until it is. Started any other way (`streamlit run app.py`), the
first page starts it, under the same words.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future
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


PREPARING = "Preparing demo data…"

_early: Future[DemoServer] | None = None
_early_lock = threading.Lock()


def demo_db_path() -> Path:
    return Path(os.environ.get("CEKURA_DEMO_DB") or DEFAULT_DEMO_DB)


def start_early(after: Callable[[], object] | None = None) -> None:
    """Start the demo server in a background thread now (once `after` returns, e.g. the
    seeding process has ended); `demo_server` takes it over."""
    global _early
    with _early_lock:
        if _early is not None:
            return
        future: Future[DemoServer] = Future()
        _early = future

    def run() -> None:
        try:
            if after is not None:
                after()
            future.set_result(_start())
        except BaseException as err:  # handed to the page, which says it could not start
            future.set_exception(err)

    threading.Thread(target=run, name="demo-api-start", daemon=True).start()


def _take_early() -> Future[DemoServer] | None:
    """The early start, once: after `demo_server.clear()` a new server is started."""
    global _early
    with _early_lock:
        future, _early = _early, None
    return future


@st.cache_resource(show_spinner=PREPARING)
def demo_server() -> DemoServer:
    """One embedded demo API per process, with a random key made for this process."""
    early = _take_early()
    return early.result() if early is not None else _start()


def _start() -> DemoServer:
    import demo_api  # imported lazily: a configured app never needs FastAPI

    db_path = demo_db_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    options: dict[str, Any] = {}
    if os.environ.get("CEKURA_DEMO_CALLS"):  # a smaller seed for tests
        options["calls"] = int(os.environ["CEKURA_DEMO_CALLS"])
    server = demo_api.serve_in_thread(str(db_path), key, host="127.0.0.1", port=0, **options)
    atexit.register(server.stop)
    log.info("Demo API for the app at %s (database %s)", server.url, db_path)
    return DemoServer(url=str(server.url).rstrip("/"), api_key=key, running=server)
