"""What every router needs: a database connection per request, the parsed JSON body,
JSON responses with ETags, If-Match checks, ids from the path."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response

from demo_api.calls_ready import CallsReady
from demo_api.db import fits_sqlite_int
from demo_api.errors import DetailError, FieldErrors, NotFound
from demo_api.request_budget import budget_of

NO_BODY = object()


def get_conn(request: Request) -> Iterator[sqlite3.Connection]:
    with request.app.state.pool.connection(budget_of(request)) as conn:
        yield conn


Conn = Annotated[sqlite3.Connection, Depends(get_conn)]


STILL_SEEDING_RETRY_AFTER_S = 2


def wait_for_calls(request: Request) -> None:
    """Return once the demo's calls are seeded (calls_ready.py). Runs in a worker
    thread; 503 with Retry-After when the request's budget runs out first."""
    ready: CallsReady = request.app.state.calls_ready
    if not ready.wait(budget_of(request)):
        raise DetailError(
            "The demo data is still being prepared (its calls are being written); try "
            f"again in {STILL_SEEDING_RETRY_AFTER_S} seconds.",
            status=503,
            headers={"Retry-After": str(STILL_SEEDING_RETRY_AFTER_S)},
        )
    if ready.failure is not None:
        raise DetailError(
            f"The demo calls could not be prepared ({ready.failure}). Restart the app to "
            "seed them again.",
            status=500,
        )


def get_filtered_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """A connection for a request that runs a user's filter over the calls: it first
    waits for the calls to be seeded (wait_for_calls), then for one of the few filter
    slots (request_budget.FilterSlots), so such work never takes all the CPU from the
    plain requests beside it. Every route that reads call_logs or metric_evaluations
    takes this one."""
    wait_for_calls(request)
    budget = budget_of(request)
    with request.app.state.filter_slots.slot(budget):
        with request.app.state.pool.connection(budget) as conn:
            yield conn


FilteredConn = Annotated[sqlite3.Connection, Depends(get_filtered_conn)]


def data_now(request: Request) -> datetime:
    """The time relative filters ("now-7d") resolve against: the app's fixed `now` if it
    was given one, else the wall clock."""
    fixed: datetime | None = request.app.state.fixed_now
    return fixed if fixed is not None else datetime.now(UTC)


def data_offset(request: Request) -> float:
    """Seconds the stored call timestamps lie behind the real clock (seed.py): added to a
    timestamp read, taken off a moment compared."""
    return float(request.app.state.data_offset)


def write_time() -> datetime:
    return datetime.now(UTC)


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON; `{}` when there is none. Malformed JSON and other
    media types are refused the way DRF refuses them."""
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "application/json")
    media = content_type.split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise DetailError(f'Unsupported media type "{content_type}" in request.', status=415)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DetailError(f"JSON parse error - {exc}") from None
    try:
        # What json.loads accepts but no JSON answer can carry back once stored: lone
        # surrogates ("\ud800"), NaN, Infinity and numbers too large for a float (1e999).
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DetailError(
            "JSON parse error - the text holds a lone surrogate (such as \\ud800), "
            "which is not valid Unicode."
        ) from None
    except ValueError:
        raise DetailError(
            "JSON parse error - NaN, Infinity and numbers too large to store are not valid JSON."
        ) from None
    return body


JsonBody = Annotated[Any, Depends(json_body)]


class FastJSONResponse(JSONResponse):
    """JSON encoded by orjson: one dashboard's widget data is ~400 kB (its line charts'
    points), which the standard library's encoder takes ~15 ms to write; orjson ~1 ms.
    Non-string keys become strings, as the standard library makes them."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer past 64 bits, which JSON allows
            return super().render(content)


def json_response(data: Any, status: int = 200, etag: str | None = None) -> JSONResponse:
    headers = {"ETag": etag} if etag else None
    return FastJSONResponse(data, status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


def etag_for(kind: str, object_id: int, updated_at: str) -> str:
    """A strong ETag from the object's id and updated_at (changes on every write)."""
    digest = hashlib.sha256(f"{kind}:{object_id}:{updated_at}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def check_if_match(request: Request, current: str) -> None:
    """412 when the client sent If-Match and none of its tags is the current one."""
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in tags:
        return
    # Strong comparison (RFC 7232 2.3.2): a weak tag never matches, whatever it holds.
    strong = {tag for tag in tags if not tag.startswith("W/")}
    if current not in strong and current.strip('"') not in strong:
        raise DetailError(
            "This object was changed since you loaded it (If-Match does not match its "
            "current ETag). Reload it and apply your change again.",
            status=412,
        )


def digits_id(text: str) -> int | None:
    """`text` as an id when it is ASCII digits that fit a SQLite integer, else None.
    (`str.isdigit` alone also passes '²' and other digits that `int` refuses.)"""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if fits_sqlite_int(value) else None


def path_id(text: str) -> int:
    """An id from the URL; anything that is not one is simply not found (as in DRF)."""
    value = digits_id(text)
    if value is None:
        raise NotFound()
    return value


def query_int(request: Request, name: str) -> int | None:
    """An optional integer query parameter; 400 in DRF's words when it is not one."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise FieldErrors({name: ["Enter a whole number."]}) from None
    if not fits_sqlite_int(value):
        raise FieldErrors({name: ["Enter a whole number."]})
    return value
