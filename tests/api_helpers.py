"""Small helpers for the demo API tests (the harness's DemoAPI methods set the headers
themselves; these add extra ones such as If-Match)."""

from __future__ import annotations

from typing import Any

import requests

from tests.harness import DemoAPI


def send(
    api: DemoAPI, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
) -> requests.Response:
    """One request with the key plus `headers`; no retries, a timeout, redirects not followed."""
    return requests.request(
        method,
        api.url + path,
        headers=api.headers() | (headers or {}),
        timeout=kw.pop("timeout", 30),
        allow_redirects=False,
        **kw,
    )
