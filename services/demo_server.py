"""The embedded demo API: one per app process, in a process of its own on a free loopback
port (`python -m demo_api`), so its start-up, its seeding and its queries run on the other
core and never hold this process's interpreter lock while Streamlit boots or a page runs.

Only the demo *server* is a process-wide resource (its key is random and made for this
process, and handed to the child in its environment, never on its command line); every
client, the demo's included, lives in its user's session. The child stops when this
process ends, however it ends: it watches the pipe to its standard input.

`make run` starts it before Streamlit accepts its first page (services/launch.py calls
`start_early`): a fresh clone's database is seeded by it while Streamlit boots, so no page
run seeds or starts anything: the first page finds the server ready, or shows
"Preparing demo data…" until it is. With `--calls-in-background` it listens as soon as
the dashboards and the other small tables are in; the calls follow in a low-priority
process, and only requests that read calls wait for them. Started any other way (`streamlit run app.py`), the
first page starts it, under the same words.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import subprocess
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_DB = ROOT / "data" / "demo.sqlite3"


@dataclass(frozen=True)
class DemoServer:
    url: str
    api_key: str
    running: DemoProcess  # `.stop()` ends it


PREPARING = "Preparing demo data…"

_early: Future[DemoServer] | None = None
_early_lock = threading.Lock()


def demo_db_path() -> Path:
    return Path(os.environ.get("CEKURA_DEMO_DB") or DEFAULT_DEMO_DB)


def start_early() -> None:
    """Start the demo server now, waiting for it in a background thread; `demo_server`
    takes it over."""
    global _early
    with _early_lock:
        if _early is not None:
            return
        future: Future[DemoServer] = Future()
        _early = future

    def run() -> None:
        try:
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


LISTENING = "demo_api listening on "
STARTUP_TIMEOUT_S = 300.0  # a fresh 500,000-call seed included


class DemoProcess:
    """The running child: `stop()` ends it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc

    def stop(self, timeout: float = 10) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdin is not None:
            self.proc.stdin.close()


def _start() -> DemoServer:
    db_path = demo_db_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    cmd = [sys.executable, "-m", "demo_api", "--db", str(db_path), "--port", "0"]
    # A fresh clone's calls are seeded after it listens: the list page needs none of them.
    cmd += ["--host", "127.0.0.1", "--stop-with-stdin", "--calls-in-background"]
    if os.environ.get("CEKURA_DEMO_CALLS"):  # a smaller seed for tests
        cmd += ["--calls", str(int(os.environ["CEKURA_DEMO_CALLS"]))]
    env = {**os.environ, "DEMO_API_KEY": key}
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    child = DemoProcess(proc)
    atexit.register(child.stop)
    try:
        url = _wait_until_listening(proc)
    except BaseException:
        child.stop()
        raise
    log.info("Demo API for the app at %s (database %s)", url, db_path)
    return DemoServer(url=url, api_key=key, running=child)


def _wait_until_listening(proc: subprocess.Popen[bytes]) -> str:
    """The child's address, from the line it prints once it accepts connections; then its
    further output goes to this log (read on, so a full pipe never stalls it)."""
    assert proc.stderr is not None
    found: Future[str] = Future()
    said: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if not found.done():
                said.append(line)
                if line.startswith(LISTENING):
                    found.set_result(line[len(LISTENING) :].strip().rstrip("/"))
            else:
                log.info("demo API: %s", line)
        if not found.done():
            last = " / ".join(said[-3:]) or "no output"
            found.set_exception(RuntimeError(f"The demo API stopped while starting: {last}"))

    threading.Thread(target=read, name="demo-api-output", daemon=True).start()
    return found.result(timeout=STARTUP_TIMEOUT_S)
