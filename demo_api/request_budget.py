"""Every request gets a time budget, a body cap, and stops working when its client leaves.

Why: eight requests with an expensive filter once held all eight database connections for
minutes while every other request waited. Now
- a request's SQLite work is interrupted once its budget is spent (a progress handler on
  its connection), and answered 503 `{"detail": ...}`;
- the same handler stops the work as soon as the client has hung up: a watcher task waits
  for the ASGI `http.disconnect` message, which uvicorn sends when the socket closes;
- waiting for a free connection counts against the budget too, so one slow request delays
  another by at most the budget;
- a body over catalog.MAX_BODY_BYTES is refused 413 before it is read into memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cekura_dashboards.catalog import MAX_BODY_BYTES, body_size_problem

if TYPE_CHECKING:  # db.py needs this module, and preparing the data needs no FastAPI
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

DEFAULT_BUDGET_SECONDS = 5.0
# SQLite calls the handler every this many virtual-machine steps: about every millisecond,
# so a stop still takes effect at once. (Every 1,000 steps the calls into Python were ~5 %
# of a dashboard's widget data, measured with py-spy.)
PROGRESS_STEPS = 20_000


class RequestBudget:
    """The time one request may take, and whether its client is still there. Read from
    worker threads (the progress handler), set from the event loop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._client_gone = threading.Event()

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    @property
    def client_gone(self) -> bool:
        return self._client_gone.is_set()

    def mark_client_gone(self) -> None:
        self._client_gone.set()

    @property
    def spent(self) -> bool:
        return self.client_gone or time.monotonic() >= self.deadline

    def progress(self) -> int:
        """sqlite3's progress handler: non-zero interrupts the running statement."""
        return 1 if self.spent else 0

    def message(self) -> str:
        if self.client_gone:
            return "The client closed the connection, so the request was stopped."
        return (
            f"This request needed more than its {self.seconds:g} s and was stopped so that it "
            "does not hold up other requests. Narrow the filter (fewer or simpler patterns, "
            "a shorter time range) and try again."
        )


class FilterSlots:
    """How many requests may run users' filters over the calls at once. Such a scan keeps
    a core busy; with one core always left to the rest, a plain GET stays quick however
    many filter requests queue up (each waits at most its budget, then gets 503)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size if size is not None else max(1, (os.cpu_count() or 2) - 1)
        self._free = threading.BoundedSemaphore(self.size)

    @contextmanager
    def slot(self, budget: RequestBudget | None) -> Iterator[None]:
        deadline = time.monotonic() + (budget.remaining() if budget is not None else 30)
        # In short waits, so a request whose client has gone stops queueing at once.
        while not self._free.acquire(timeout=0.1):
            if (budget is not None and budget.spent) or time.monotonic() >= deadline:
                raise BusyError(
                    "The demo API is busy running other filters; try again in a moment."
                )
        try:
            yield
        finally:
            self._free.release()


class BusyError(Exception):
    """No filter slot came free within the request's budget: 503."""


def budget_of(request: Request) -> RequestBudget | None:
    budget = request.scope.get("state", {}).get("request_budget")
    return budget if isinstance(budget, RequestBudget) else None


def watch_connection(conn: sqlite3.Connection, budget: RequestBudget | None) -> None:
    """Let `budget` interrupt what `conn` runs (None removes the handler)."""
    conn.set_progress_handler(budget.progress if budget else None, PROGRESS_STEPS)


def _detail(message: str, status: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = json.dumps({"detail": message}).encode()
    return {
        "status": status,
        "body": body,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
    }


class BudgetMiddleware:
    """Pure ASGI: reads the body (refusing one over the cap), hands it to the app, and
    watches for the client leaving while the app works."""

    def __init__(self, app: Any, seconds: float = DEFAULT_BUDGET_SECONDS) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        budget = RequestBudget(self.seconds)
        scope.setdefault("state", {})["request_budget"] = budget
        declared = _content_length(scope)
        if declared is not None and body_size_problem(declared):
            await _refuse(send, body_size_problem(declared) or "")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # gone before the body arrived: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if body_size_problem(size):
                await _refuse(send, body_size_problem(size) or "")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            budget.mark_client_gone()
            gone.set()

        body_given = False

        async def replay() -> dict[str, Any]:
            nonlocal body_given
            if not body_given:
                body_given = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        watcher = asyncio.create_task(watch())
        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Any, message: str) -> None:
    # Connection: close, because the rest of the body is never read.
    reply = _detail(message, 413, {"connection": "close"})
    await send(
        {"type": "http.response.start", "status": reply["status"], "headers": reply["headers"]}
    )
    await send({"type": "http.response.body", "body": reply["body"]})


def install_request_budget(
    app: FastAPI, seconds: float = DEFAULT_BUDGET_SECONDS, filter_slots: int | None = None
) -> None:
    """The middleware, the filter slots, and the 503s for work stopped or never started."""
    from fastapi.responses import JSONResponse

    app.add_middleware(BudgetMiddleware, seconds=seconds)
    app.state.filter_slots = FilterSlots(filter_slots)

    @app.exception_handler(BusyError)
    async def _busy(_: Request, exc: BusyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(sqlite3.OperationalError)
    async def _interrupted(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        budget = budget_of(request)
        if budget is None or not budget.spent:
            raise exc  # a real database error: the server's 500
        return JSONResponse({"detail": budget.message()}, status_code=503)


__all__ = [
    "DEFAULT_BUDGET_SECONDS",
    "MAX_BODY_BYTES",
    "BudgetMiddleware",
    "BusyError",
    "FilterSlots",
    "RequestBudget",
    "budget_of",
    "install_request_budget",
    "watch_connection",
]
