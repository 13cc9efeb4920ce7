"""One error hierarchy for everything the Cekura API client can report.

Every error has a `user_message` a non-engineer can act on. No error ever holds the API
key: bodies are redacted before they get here, and request objects (whose headers carry
the key) are never attached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cekura_dashboards.models import Dashboard

# How much of an error body an exception keeps (HTML error pages can be large).
MAX_BODY_CHARS = 2000

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_RELOAD_HINT = "Reload it to see whether the change was saved before trying again."


class CekuraError(Exception):
    """Base of every error the client raises."""

    default_user_message = "Something went wrong while talking to the Cekura API."
    # What to say instead when a write may or may not have been applied.
    outcome_unknown_user_message: str | None = None

    def __init__(
        self,
        message: str,
        *,
        user_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        if user_message is None and outcome_unknown:
            user_message = self.outcome_unknown_user_message
        self.message = message
        self.user_message = user_message or self.default_user_message
        self.method = method
        self.path = path
        # True when a write may or may not have been applied: re-read, never re-send.
        self.outcome_unknown = outcome_unknown

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(CekuraError, ValueError):
    """The client was given an unusable base URL or key (nothing was sent)."""

    default_user_message = "The connection settings are not valid."


class APIConnectionError(CekuraError):
    """The API could not be reached, or the connection dropped before an answer."""

    default_user_message = (
        "Could not reach the Cekura API. Check the network connection and the API address."
    )
    outcome_unknown_user_message = (
        "The connection dropped before the Cekura API answered, so we cannot tell "
        f"whether the change was saved. {_RELOAD_HINT}"
    )


class APITimeoutError(APIConnectionError):
    """The API did not answer in time."""

    default_user_message = "The Cekura API took too long to answer. Try again in a moment."
    outcome_unknown_user_message = (
        "The Cekura API took too long to answer, so we cannot tell whether the "
        f"change was saved. {_RELOAD_HINT}"
    )


class ResponseValidationError(CekuraError):
    """The API answered, but not with JSON of the expected shape."""

    default_user_message = (
        "The Cekura API sent an answer this app does not understand. Try again, and if it "
        "keeps happening the API may have changed."
    )

    outcome_unknown_user_message = (
        f"The Cekura API accepted the request but its answer could not be read. {_RELOAD_HINT}"
    )

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        user_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(
            message,
            user_message=user_message,
            method=method,
            path=path,
            outcome_unknown=outcome_unknown,
        )
        self.status = status


class APIStatusError(CekuraError):
    """The API answered with an error status."""

    default_user_message = "The Cekura API refused the request."

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        request_id: str | None = None,
        user_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(
            message,
            user_message=user_message,
            method=method,
            path=path,
            outcome_unknown=outcome_unknown,
        )
        self.status = status
        self.body = body
        self.request_id = request_id


class BadRequestError(APIStatusError):
    """400: the request was refused; `field_errors` and `filter_errors` say why."""

    default_user_message = "The Cekura API refused the request because something in it is invalid."

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
        filter_errors: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status", 400)
        super().__init__(message, **kwargs)
        self.detail = detail
        # Flattened DRF errors: {"name": [...], "widgets[1].name": [...], "non_field_errors": [...]}
        self.field_errors: dict[str, list[str]] = field_errors or {}
        # Errors of the `filters` payload by node path: "" is the root, "conditions[1].op" a node.
        self.filter_errors: dict[str, list[str]] = filter_errors or {}


class AuthenticationError(APIStatusError):
    default_user_message = (
        "The API key was not accepted. Check that it is typed correctly and has not been revoked."
    )


class PermissionDeniedError(APIStatusError):
    default_user_message = "This API key is not allowed to do that."


class NotFoundError(APIStatusError):
    default_user_message = (
        "It was not found: it may have been deleted, or this API key cannot see it."
    )


class ConflictError(APIStatusError):
    """409/412, or the client's own stale-write check: someone else changed the object."""

    default_user_message = (
        "Someone else changed this dashboard after you opened it, so your changes were not "
        "saved. Look at their version, then apply your changes again."
    )

    def __init__(
        self, message: str, *, server_copy: Dashboard | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("status", 409)
        super().__init__(message, **kwargs)
        self.server_copy = server_copy


class RateLimitError(APIStatusError):
    default_user_message = "The Cekura API is busy right now. Wait a moment and try again."

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("status", 429)
        if kwargs.get("user_message") is None and retry_after is not None:
            kwargs["user_message"] = (
                f"The Cekura API is busy right now. Try again in {_seconds_in_words(retry_after)}."
            )
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    default_user_message = "The Cekura API had a problem. Try again in a moment."


class RedirectError(APIStatusError):
    """3xx: never followed, so the key is never sent to another address."""

    def __init__(self, message: str, *, location_origin: str | None = None, **kwargs: Any) -> None:
        if kwargs.get("user_message") is None:
            where = f" to {location_origin}" if location_origin else ""
            kwargs["user_message"] = (
                f"The API address sent us elsewhere{where}. To protect your API key the "
                "request was not repeated there. Check the API address in the connection "
                "settings (for example https:// and the exact host name)."
            )
        super().__init__(message, **kwargs)
        self.location_origin = location_origin


# --- mapping a response to the hierarchy -------------------------------------------------


def error_for_response(
    status: int,
    headers: Mapping[str, str],
    text: str,
    *,
    method: str,
    path: str,
) -> APIStatusError:
    """The error for an HTTP error answer. `text` must already be redacted of the key."""
    lower_headers = {k.lower(): v for k, v in headers.items()}
    request_id = lower_headers.get("x-request-id") or lower_headers.get("request-id")
    body = _parse_body(text, lower_headers.get("content-type", ""))
    is_write = method.upper() in WRITE_METHODS
    where = f"{method.upper()} {path}"
    common: dict[str, Any] = {
        "body": body,
        "request_id": request_id,
        "method": method.upper(),
        "path": path,
    }
    detail = _detail(body)

    if 300 <= status < 400:
        origin = origin_of(lower_headers.get("location", ""))
        return RedirectError(
            f"{where} answered {status} redirect to {origin or 'an unknown address'}; not followed",
            status=status,
            location_origin=origin,
            **common,
        )
    if status == 400:
        field_errors = flatten_field_errors(body)
        filter_errors = filter_errors_from(field_errors)
        return BadRequestError(
            f"{where} answered 400: {_short(_summary(field_errors) or detail or text)}",
            status=status,
            detail=detail,
            field_errors=field_errors,
            filter_errors=filter_errors,
            user_message=_bad_request_message(detail, field_errors),
            **common,
        )
    if status == 401:
        return AuthenticationError(f"{where} answered 401", status=status, **common)
    if status == 403:
        return PermissionDeniedError(
            f"{where} answered 403",
            status=status,
            user_message=_with_detail(PermissionDeniedError.default_user_message, detail),
            **common,
        )
    if status == 404:
        return NotFoundError(f"{where} answered 404", status=status, **common)
    if status in (409, 412):
        return ConflictError(f"{where} answered {status}", status=status, **common)
    if status == 429:
        retry_after = parse_retry_after(lower_headers.get("retry-after"))
        return RateLimitError(
            f"{where} answered 429 (retry after {retry_after})",
            status=status,
            retry_after=retry_after,
            **common,
        )
    if status >= 500:
        message = f"The Cekura API had a problem (error {status})."
        outcome_unknown = is_write and status != 503
        if outcome_unknown:
            message += f" The change may or may not have been saved. {_RELOAD_HINT}"
        else:
            message += " Try again in a moment."
        return ServerError(
            f"{where} answered {status}",
            status=status,
            user_message=message,
            outcome_unknown=outcome_unknown,
            **common,
        )
    return APIStatusError(
        f"{where} answered {status}",
        status=status,
        user_message=_with_detail(f"The Cekura API refused the request (error {status}).", detail),
        **common,
    )


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute URL, or None (no path, query or userinfo)."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:[^@/?#]*@)?([^/?#]+)", url.strip())
    if not match:
        return None
    return f"{match.group(1).lower()}://{match.group(2).lower()}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def flatten_field_errors(body: Any) -> dict[str, list[str]]:
    """DRF error bodies of any shape as `{"path": [messages]}`.

    `{"detail": m}` and a bare string give `{"detail": [m]}`; a bare list gives
    `{"non_field_errors": [...]}`. Nested dicts join with dots, list positions go in
    brackets: `{"widgets": [{}, {"name": ["x"]}]}` gives `{"widgets[1].name": ["x"]}`.
    """
    out: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        out.setdefault(path, []).append(message)

    def walk(path: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(f"{path}.{key}" if path else str(key), child)
        elif isinstance(value, list):
            if all(not isinstance(item, Mapping | list) for item in value):
                for item in value:
                    add(path, str(item))
            else:
                for index, item in enumerate(value):
                    if isinstance(item, Mapping | list):
                        if item:
                            walk(f"{path}[{index}]", item)
                    else:
                        add(path, str(item))
        elif value is not None:
            add(path, str(value))

    if isinstance(body, Mapping):
        walk("", body)
    elif isinstance(body, list):
        walk("non_field_errors", body)
    elif isinstance(body, str) and body.strip() and not _looks_like_html(body):
        add("detail", body.strip())
    return out


# A message that starts with a filter node path: "conditions[1].conditions[0].op: ..."
_FILTER_KEY = r"(?:field|op|value|operator|conditions)"
_FILTER_PATH_PREFIX = re.compile(
    rf"^((?:conditions\[\d+\])(?:\.conditions\[\d+\])*(?:\.{_FILTER_KEY})?|{_FILTER_KEY})"
    r"\s*:\s*(.+)$",
    re.DOTALL,
)
_FILTER_FIELDS = ("filters", "filters_v2", "effective_filters")


def filter_errors_from(field_errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Filter problems keyed by node path relative to the filter root (`""` for the root).

    Accepts both ways a server reports them: nested (`filters.conditions[1].op`) and as
    path-prefixed messages (`{"filters": ["conditions[1].op: Not allowed."]}`).
    """
    out: dict[str, list[str]] = {}
    for key, messages in field_errors.items():
        relative = _relative_filter_path(key)
        if relative is None:
            continue
        for message in messages:
            match = _FILTER_PATH_PREFIX.match(message) if relative == "" else None
            if match:
                out.setdefault(match.group(1), []).append(match.group(2).strip())
            else:
                out.setdefault(relative, []).append(message)
    return out


def _relative_filter_path(key: str) -> str | None:
    for name in _FILTER_FIELDS:
        if key == name:
            return ""
        if key.startswith(name + "."):
            return key[len(name) + 1 :]
    return None


def _parse_body(text: str, content_type: str) -> Any:
    if not text:
        return None
    if "json" in content_type.lower() or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text[:MAX_BODY_CHARS]


def _detail(body: Any) -> str | None:
    if isinstance(body, Mapping):
        value = body.get("detail")
        if isinstance(value, str):
            return _clean(value)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return _clean(" ".join(value))
        return None
    if isinstance(body, str) and body.strip() and not _looks_like_html(body):
        return _clean(body)
    return None


def _bad_request_message(detail: str | None, field_errors: Mapping[str, list[str]]) -> str:
    problems = {k: v for k, v in field_errors.items() if k != "detail"}
    if detail and not problems:
        return f"The Cekura API refused the request: {detail}"
    if not problems:
        return BadRequestError.default_user_message
    lines = []
    for key, messages in list(problems.items())[:6]:
        label = "" if key in ("", "non_field_errors") else f"{_field_label(key)}: "
        lines.append(f"{label}{_clean(' '.join(messages))}")
    more = len(problems) - 6
    if more > 0:
        lines.append(f"…and {more} more.")
    return "The Cekura API refused the request. " + " ".join(
        line if line.endswith((".", "!", "?", "…")) else line + "." for line in lines
    )


def _field_label(key: str) -> str:
    if key == "filters" or key.startswith("filters."):
        rest = key[len("filters.") :] if key.startswith("filters.") else ""
        return f"Filters ({rest})" if rest else "Filters"
    return key.replace("_", " ").capitalize()


def _summary(field_errors: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors.items())


def _with_detail(message: str, detail: str | None) -> str:
    return f"{message} The API said: {detail}" if detail else message


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body")) or "<html" in head


def _clean(text: str, limit: int = 300) -> str:
    """One line of plain text, no markup, at most `limit` characters."""
    text = re.sub(r"<[^>]{0,200}>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(text: str) -> str:
    if _looks_like_html(text):
        return "(HTML error page)"
    return _clean(text, 200)


def _seconds_in_words(seconds: float) -> str:
    whole = max(1, round(seconds))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(whole / 60)
    return f"{minutes} minutes"
