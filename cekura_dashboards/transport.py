"""The HTTP session under the client: which requests are retried, how long to wait, and
how to tell "never sent" from "sent, answer lost" when a request fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError as Urllib3ConnectTimeoutError,
)
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

# Only methods without side effects are retried; a write is sent exactly once.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_BACKOFF_FACTOR = 0.3
DEFAULT_BACKOFF_MAX = 5.0
# Longest Retry-After the client sleeps through; a longer one is handed to the caller
# as RateLimitError(retry_after=...) so the UI never hangs for minutes.
DEFAULT_MAX_RETRY_AFTER = 10.0


class AttemptCounter:
    """Counts HTTP attempts, retries included (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self._value += n

    @property
    def value(self) -> int:
        return self._value


class SafeRetry(Retry):
    """urllib3 `Retry` that caps the Retry-After sleep and reports every extra attempt."""

    def __init__(
        self,
        *args: Any,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        on_retry: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after
        self.on_retry = on_retry

    def new(self, **kw: Any) -> SafeRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        retry.on_retry = self.on_retry
        return retry

    def increment(self, *args: Any, **kwargs: Any) -> SafeRetry:
        response = kwargs.get("response")
        if response is not None:
            header = response.headers.get("Retry-After")
            if header is not None:
                wait = self.parse_retry_after(header)
                if wait > self.max_retry_after:
                    # Give the answer back (raise_on_status=False) instead of waiting.
                    raise MaxRetryError(kwargs.get("_pool"), kwargs.get("url") or "", None)  # type: ignore[arg-type]
        retry = super().increment(*args, **kwargs)
        if self.on_retry is not None:
            self.on_retry()
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)


def build_retry(
    *,
    max_retries: int,
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    on_retry: Callable[[], None] | None = None,
) -> SafeRetry:
    return SafeRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        # Errors urllib3 cannot place (neither "never connected" nor "no answer") are not
        # retried: for a write they could mean the request already arrived.
        other=0,
        redirect=0,
        raise_on_redirect=False,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        respect_retry_after_header=True,
        raise_on_status=False,
        backoff_factor=backoff_factor,
        backoff_max=DEFAULT_BACKOFF_MAX,
        max_retry_after=max_retry_after,
        on_retry=on_retry,
    )


def build_session(
    *,
    user_agent: str,
    max_retries: int,
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    counter: AttemptCounter | None = None,
) -> requests.Session:
    session = requests.Session()
    # Credentials come only from the caller: no ~/.netrc Authorization header.
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    retry = build_retry(
        max_retries=max_retries,
        backoff_factor=backoff_factor,
        max_retry_after=max_retry_after,
        on_retry=counter.add if counter is not None else None,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


FailureKind = Literal["timeout", "connection"]


def classify_failure(exc: requests.RequestException) -> tuple[FailureKind, bool]:
    """(kind, maybe_sent): `maybe_sent` is False only when the request certainly never
    left the machine, so a write's outcome is known (not applied)."""
    reason: BaseException | None = exc
    if isinstance(exc, requests.ConnectionError) and exc.args:
        inner = exc.args[0]
        if isinstance(inner, MaxRetryError):
            reason = inner.reason
        elif isinstance(inner, BaseException):
            reason = inner

    if isinstance(exc, requests.ConnectTimeout):
        return "timeout", False
    if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return "timeout", True
    if isinstance(reason, NewConnectionError):
        return "connection", False
    if isinstance(reason, Urllib3ConnectTimeoutError):
        return "timeout", False
    if isinstance(reason, ProtocolError):
        return "connection", True
    return "connection", True
