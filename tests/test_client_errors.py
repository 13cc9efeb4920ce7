"""The error hierarchy and the one function that maps an HTTP answer to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cekura_dashboards.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CekuraError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    ServerError,
    error_for_response,
    filter_errors_from,
    flatten_field_errors,
    origin_of,
    parse_retry_after,
)

pytestmark = pytest.mark.unit

JSON = {"Content-Type": "application/json"}
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><script>alert(1)</script></body></html>"
)


def answer(status: int, body: object, headers: dict[str, str] | None = None, method="GET"):
    text = body if isinstance(body, str) else json.dumps(body)
    return error_for_response(
        status, {**JSON, **(headers or {})}, text, method=method, path="/dashboards/dashboards/1/"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (302, RedirectError),
        (307, RedirectError),
        (418, APIStatusError),
    ],
)
def test_each_status_maps_to_its_class(status: int, cls: type) -> None:
    err = answer(status, {"detail": "nope"})
    assert type(err) is cls
    assert isinstance(err, APIStatusError) and isinstance(err, CekuraError)
    assert err.status == status
    assert err.user_message and "Traceback" not in err.user_message


def test_request_id_and_body_are_kept() -> None:
    err = answer(404, {"detail": "Not found."}, {"X-Request-ID": "req-123"})
    assert err.request_id == "req-123"
    assert err.body == {"detail": "Not found."}
    assert err.method == "GET" and err.path == "/dashboards/dashboards/1/"


def test_detail_shape() -> None:
    message = "Timestamp filter value is too far in the past. Maximum allowed range is 30 days."
    err = answer(400, {"detail": message})
    assert isinstance(err, BadRequestError)
    assert err.detail == message
    assert err.field_errors == {"detail": [message]}
    assert err.filter_errors == {}
    assert message in err.user_message


def test_field_errors_shape() -> None:
    err = answer(400, {"name": ["Ensure this field has no more than 255 characters."]})
    assert isinstance(err, BadRequestError)
    assert err.field_errors == {"name": ["Ensure this field has no more than 255 characters."]}
    assert "Name: Ensure this field has no more than 255 characters." in err.user_message


def test_non_field_errors_shape() -> None:
    err = answer(400, {"non_field_errors": ["Widget limit reached."]})
    assert isinstance(err, BadRequestError)
    assert err.field_errors == {"non_field_errors": ["Widget limit reached."]}
    assert "Widget limit reached." in err.user_message
    assert "Non field errors" not in err.user_message


def test_nested_dict_and_list_errors_are_flattened_by_path() -> None:
    body = {
        "create": [{}, {"chart_type": ['"donut" is not a valid choice.']}],
        "group_by": {"interval": ["A valid integer is required."]},
    }
    assert flatten_field_errors(body) == {
        "create[1].chart_type": ['"donut" is not a valid choice.'],
        "group_by.interval": ["A valid integer is required."],
    }


def test_bare_list_and_string_bodies() -> None:
    assert flatten_field_errors(["a", "b"]) == {"non_field_errors": ["a", "b"]}
    assert flatten_field_errors("plain words") == {"detail": ["plain words"]}
    assert flatten_field_errors(HTML_PAGE) == {}
    assert flatten_field_errors(None) == {}


def test_filter_errors_from_path_prefixed_messages() -> None:
    err = answer(
        400,
        {
            "filters": [
                "conditions[1].op: 'gt' is not allowed for 'success'.",
                "conditions[0].conditions[2].value: Must be a list.",
                "conditions[0].conditions[2].value: Needs two values or more.",
                "A group needs at least one condition.",
            ]
        },
    )
    assert isinstance(err, BadRequestError)
    assert err.filter_errors == {
        "conditions[1].op": ["'gt' is not allowed for 'success'."],
        "conditions[0].conditions[2].value": ["Must be a list.", "Needs two values or more."],
        "": ["A group needs at least one condition."],
    }
    assert "Filters" in err.user_message


def test_filter_errors_from_nested_shape_and_root_key_prefix() -> None:
    fields = flatten_field_errors(
        {"filters": {"conditions": [{}, {"op": ["Unknown op 'like'."]}]}, "name": ["Too long."]}
    )
    assert filter_errors_from(fields) == {"conditions[1].op": ["Unknown op 'like'."]}
    assert filter_errors_from({"filters": ["op: Unknown op 'like'."]}) == {
        "op": ["Unknown op 'like'."]
    }
    # A colon in an ordinary sentence is not a path.
    assert filter_errors_from({"filters": ["Note: the filter is empty."]}) == {
        "": ["Note: the filter is empty."]
    }


def test_override_filter_errors_of_widget_data_are_found_too() -> None:
    assert filter_errors_from({"filters_v2": ["conditions[0].field: Unknown field."]}) == {
        "conditions[0].field": ["Unknown field."]
    }


def test_rate_limit_retry_after_seconds_and_date() -> None:
    err = answer(429, {"detail": "Slow down."}, {"Retry-After": "7"})
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 7.0
    assert "7 seconds" in err.user_message
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert answer(429, {}).retry_after is None


def test_html_error_page_never_reaches_the_user_message() -> None:
    err = error_for_response(
        502, {"Content-Type": "text/html"}, HTML_PAGE, method="GET", path="/x/"
    )
    assert isinstance(err, ServerError)
    assert "<" not in err.user_message and "script" not in err.user_message
    assert "<" not in str(err)
    assert "502" in err.user_message
    assert not err.outcome_unknown


def test_html_400_has_no_markup_in_message() -> None:
    err = error_for_response(400, {"Content-Type": "text/html"}, HTML_PAGE, method="GET", path="/")
    assert isinstance(err, BadRequestError)
    assert err.field_errors == {}
    assert "<" not in err.user_message and "<" not in str(err)


def test_server_error_on_a_write_says_the_outcome_is_unknown() -> None:
    err = answer(500, {"detail": "boom"}, method="PATCH")
    assert err.outcome_unknown
    assert "Reload" in err.user_message
    assert not answer(503, {"detail": "down"}, method="PATCH").outcome_unknown
    assert not answer(500, {"detail": "boom"}, method="GET").outcome_unknown


def test_redirect_names_only_the_origin() -> None:
    err = answer(
        302, "", {"Location": "https://user:pw@evil.example:8443/steal?token=abc#frag"}, "PATCH"
    )
    assert isinstance(err, RedirectError)
    assert err.location_origin == "https://evil.example:8443"
    assert "https://evil.example:8443" in err.user_message
    assert "token" not in err.user_message and "pw" not in err.user_message
    assert answer(301, "", {}).location_origin is None


def test_origin_of() -> None:
    assert origin_of("HTTP://Example.COM/a/b?c") == "http://example.com"
    assert origin_of("/relative/path") is None
    assert origin_of("") is None


def test_connection_and_timeout_messages() -> None:
    unknown = APIConnectionError("x", method="PATCH", outcome_unknown=True)
    assert "cannot tell whether the change was saved" in unknown.user_message
    assert "Reload" in unknown.user_message
    timeout = APITimeoutError("x", method="PATCH", outcome_unknown=True)
    assert isinstance(timeout, APIConnectionError)
    assert "took too long" in timeout.user_message and "Reload" in timeout.user_message
    assert "Reload" not in APIConnectionError("x").user_message
    assert "Reload" in ResponseValidationError("x", outcome_unknown=True).user_message


def test_conflict_carries_server_copy_and_plain_message() -> None:
    err = ConflictError("stale", server_copy=None)
    assert err.server_copy is None
    assert "Someone else changed this dashboard" in err.user_message


def test_long_messages_are_shortened() -> None:
    err = answer(400, {"detail": "x" * 5000})
    assert len(err.user_message) < 400
