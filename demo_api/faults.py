"""Fault injection for tests (only with `--enable-fault-api`).

`POST /__faults__/` arms a fault for the next `times` requests with that method and exact
path; `GET /__faults__/` lists the armed faults and counts every request received since the
last clear by "METHOD /path" (faulted or not; the /__faults__/ calls themselves are not
counted); `DELETE /__faults__/` clears both.

Kinds: `status` (answer `status`, optional `Retry-After`), `delay` (wait `seconds`, then
answer normally), `reset` (drop the connection before answering), `reset_after_commit`
(run the request, then drop the connection instead of answering), `malformed` (200 with a
broken JSON body), `html` (a 502 HTML page), `redirect` (302 to `location`). Except for
`delay` and `reset_after_commit`, a faulted request never reaches the routes.

`FaultMiddleware` is plain ASGI and sits outside FastAPI's own middleware, so it sees
every request and can reach the server's transport to drop a connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from demo_api.errors import FieldErrors
from demo_api.routers._shared import JsonBody
from demo_api.schemas import FaultIn, parse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTROL_PREFIX = "/__faults__"
MALFORMED_BODY = b'{"id": 1, "name": "broken'
HTML_502 = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)


@dataclass
class Fault:
    id: int
    method: str
    path: str
    kind: str
    times: int
    status: int | None = None
    retry_after: float | None = None
    seconds: float | None = None
    location: str | None = None


class FaultState:
    """Armed faults and request counts; shared by the event loop and the route threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._counts: Counter[str] = Counter()
        self._ids = itertools.count(1)

    def arm(self, spec: FaultIn) -> Fault:
        fault = Fault(next(self._ids), **spec.model_dump())
        fault.method = fault.method.upper()
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Count the request; return (and use up one shot of) the first matching fault."""
        with self._lock:
            self._counts[f"{method} {path}"] += 1
            for fault in self._faults:
                if fault.method == method and fault.path == path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"faults": [asdict(f) for f in self._faults], "counts": dict(self._counts)}

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._counts.clear()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        fault = self.state.take(scope["method"], path)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "delay":
            await asyncio.sleep(fault.seconds or 0)
            await self.app(scope, receive, send)
        elif fault.kind == "reset":
            await _drop_connection(send)
        elif fault.kind == "reset_after_commit":
            await self.app(scope, receive, _swallow)
            await _drop_connection(send)
        elif fault.kind == "status":
            status = fault.status or 503
            headers = [(b"content-type", b"application/json")]
            if fault.retry_after is not None:
                retry = fault.retry_after
                text = str(int(retry)) if float(retry).is_integer() else str(retry)
                headers.append((b"retry-after", text.encode()))
            body = (
                b""
                if status in (204, 304) or status < 200
                else json.dumps({"detail": f"Injected fault: HTTP {status}."}).encode()
            )
            await _answer(send, status, headers, body)
        elif fault.kind == "malformed":
            await _answer(send, 200, [(b"content-type", b"application/json")], MALFORMED_BODY)
        elif fault.kind == "html":
            await _answer(send, 502, [(b"content-type", b"text/html; charset=utf-8")], HTML_502)
        elif fault.kind == "redirect":
            location = (fault.location or "/").encode("latin-1", "replace")
            await _answer(
                send, 302, [(b"location", location), (b"content-type", b"text/plain")], b""
            )


async def _swallow(message: Message) -> None:
    return None


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(send: Send) -> None:
    """Close the socket without a response. uvicorn's `send` is a bound method of the
    request cycle, which holds the transport; aborting it drops the connection, and once
    uvicorn has seen the disconnect it does not answer 500 for the unanswered request."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fault injection: dropping the connection")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


# --- control routes --------------------------------------------------------------------

router = APIRouter(prefix=CONTROL_PREFIX)


def _state(request: Request) -> FaultState:
    state: FaultState = request.app.state.faults
    return state


@router.post("/")
async def arm_fault(request: Request, body: JsonBody) -> JSONResponse:
    spec, _ = parse(FaultIn, body)
    errors: dict[str, list[str]] = {}
    if spec.times < 1:
        errors["times"] = ["Ensure this value is greater than or equal to 1."]
    if spec.kind == "status" and (spec.status is None or not 100 <= spec.status <= 599):
        errors["status"] = ["A status fault needs a status between 100 and 599."]
    if spec.kind == "delay" and (spec.seconds is None or not 0 <= spec.seconds <= 120):
        errors["seconds"] = ["A delay fault needs seconds between 0 and 120."]
    if spec.kind == "redirect" and not spec.location:
        errors["location"] = ["A redirect fault needs a location."]
    if errors:
        raise FieldErrors(errors)
    fault = _state(request).arm(spec)
    return JSONResponse(asdict(fault), status_code=201)


@router.get("/")
async def list_faults(request: Request) -> JSONResponse:
    return JSONResponse(_state(request).snapshot())


@router.delete("/")
async def clear_faults(request: Request) -> Response:
    _state(request).clear()
    return Response(status_code=204)
