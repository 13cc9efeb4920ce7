"""The demo API application: `create_app` for in-process use, `serve_in_thread` to run
it on a loopback port from another program (the Streamlit app's demo mode, tests)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI

from demo_api import db
from demo_api.auth import require_api_key
from demo_api.calls_ready import CallsReady
from demo_api.errors import install_error_handlers
from demo_api.faults import FaultMiddleware, FaultState
from demo_api.faults import router as faults_router
from demo_api.no_etags import NoETags
from demo_api.prepare import prepare_database
from demo_api.request_budget import DEFAULT_BUDGET_SECONDS, install_request_budget
from demo_api.routers import agents, call_logs, dashboards, metrics, projects, widgets

logger = logging.getLogger(__name__)


class DemoAPI(FastAPI):
    """FastAPI with an optional fault layer in front of everything (see faults.py)."""

    fault_layer: FaultMiddleware | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.fault_layer is not None:
            await self.fault_layer(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def _call_without_faults(self, scope: Any, receive: Any, send: Any) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    db_path: str | Path,
    api_key: str,
    *,
    seed: int = 0,
    calls: int = 50_000,
    enable_fault_api: bool = False,
    now: datetime | None = None,
    request_budget: float = DEFAULT_BUDGET_SECONDS,
    send_etags: bool = True,
    honour_search: bool = True,
    calls_in_background: bool = False,
) -> FastAPI:
    """The demo API over the SQLite file `db_path`, accepting only `api_key`.

    `now` fixes the clock of the demo data (seed anchor and relative filters such as
    `now-7d`); without it the wall clock is used. `request_budget`: the seconds one
    request may take before its database work is stopped (request_budget.py).
    `send_etags=False` answers without ETags (see no_etags.py). `honour_search=False`
    makes the list ignore `search`, as the public API may: the client's fallback is
    tested against it. `calls_in_background=True` (the app's demo server): a fresh
    database's calls are seeded after this returns, while the server answers what needs
    no calls; requests that read them wait for them (calls_ready.py). By default they are
    seeded before, so a server that answers has all its data."""
    if not api_key:
        raise ValueError("The demo API needs a non-empty API key.")
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    calls_ready = CallsReady()
    offset = prepare_database(
        db_path,
        seed_value=seed,
        calls=calls,
        now=now or datetime.now(UTC),
        calls_ready=calls_ready if calls_in_background else None,
    )
    if not calls_in_background:
        calls_ready.set()
    pool = db.ConnectionPool(db_path)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = DemoAPI(
        title="Cekura demo API",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,  # like Cekura: every route ends in "/", none is added
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.api_key_bytes = api_key.encode("utf-8", "surrogateescape")
    app.state.fixed_now = now
    app.state.data_offset = offset
    app.state.calls_ready = calls_ready
    app.state.honour_search = honour_search
    install_error_handlers(app)
    install_request_budget(app, request_budget)
    if not send_etags:
        app.add_middleware(NoETags)
    authenticated = [Depends(require_api_key)]
    for module in (dashboards, widgets, projects, metrics, agents, call_logs):
        app.include_router(module.router, dependencies=authenticated)
    if enable_fault_api:
        state = FaultState()
        app.state.faults = state
        app.include_router(faults_router, dependencies=authenticated)
        app.fault_layer = FaultMiddleware(app._call_without_faults, state)
    return app


# --- running it -------------------------------------------------------------------------


class ListeningServer(uvicorn.Server):
    """A uvicorn server that knows its bound address (port 0 -> the real port)."""

    on_listening: Any = None

    @property
    def bound(self) -> tuple[str, int]:
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_listening is not None:
            self.on_listening(*self.bound)


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # query strings hold filters; keep the logs quiet and short
        proxy_headers=False,
        server_header=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


@dataclass
class RunningServer:
    url: str
    server: ListeningServer
    thread: threading.Thread

    def stop(self, timeout: float = 10) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_thread(
    db_path: str | Path,
    api_key: str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    startup_timeout: float = 60,
    **kw: Any,
) -> RunningServer:
    """Start the demo API in a daemon thread and wait until it listens. `kw` goes to
    `create_app` (seed, calls, enable_fault_api, now)."""
    app = create_app(db_path, api_key, **kw)
    server = ListeningServer(server_config(app, host, port))
    thread = threading.Thread(target=server.run, name="demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("The demo API stopped while starting (is the port free?).")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError("The demo API did not start in time.")
        time.sleep(0.02)
    bound_host, bound_port = server.bound
    url = f"http://{bound_host}:{bound_port}"
    logger.info("demo_api listening on %s", url)
    return RunningServer(url, server, thread)
