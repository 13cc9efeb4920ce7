"""The API key check every route depends on (header `X-CEKURA-API-KEY`)."""

from __future__ import annotations

import hmac

from fastapi import Request

from demo_api.errors import DetailError

API_KEY_HEADER = "X-CEKURA-API-KEY"
_CHALLENGE = {"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'}


def require_api_key(request: Request) -> None:
    """401 unless the request carries the server's key. Constant-time comparison, and the
    key never appears in a message or a log line."""
    sent = request.headers.get(API_KEY_HEADER)
    if not sent:
        raise DetailError(
            "Authentication credentials were not provided.", status=401, headers=_CHALLENGE
        )
    expected: bytes = request.app.state.api_key_bytes
    if not hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), expected):
        raise DetailError("Invalid API key.", status=401, headers=_CHALLENGE)
