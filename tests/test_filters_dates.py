"""Relative dates, resolved against a fixed `now`, and the display window of a tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cekura_dashboards.filter_tree import parse_filter
from cekura_dashboards.relative_dates import (
    PRESETS,
    RelativeDate,
    describe_relative,
    format_moment,
    format_window,
    parse_relative,
    preset_for,
    resolve_datetime,
    resolve_window,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 14, 14, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("now", RelativeDate("now", 0, "")),
        ("today", RelativeDate("today", 0, "")),
        ("now-2h", RelativeDate("now", 2, "h")),
        ("today-7d", RelativeDate("today", 7, "d")),
        ("now-30m", RelativeDate("now", 30, "m")),
        ("now-1M", RelativeDate("now", 1, "M")),
        ("now-", None),
        ("now+2h", None),
        ("Now", None),
        ("now-2x", None),
        ("2026-11-07", None),
        (7, None),
        (None, None),
    ],
)
def test_parse_relative(value: object, parsed: RelativeDate | None) -> None:
    assert parse_relative(value) == parsed


@pytest.mark.parametrize(
    ("value", "op", "expected"),
    [
        ("now", "gte", datetime(2026, 11, 14, 14, 30, 15, tzinfo=UTC)),
        ("now-2h", "gte", datetime(2026, 11, 14, 12, 30, 15, tzinfo=UTC)),
        ("now-30m", "lt", datetime(2026, 11, 14, 14, 0, 15, tzinfo=UTC)),
        ("now-45s", "gt", datetime(2026, 11, 14, 14, 29, 30, tzinfo=UTC)),
        ("now-7d", "gte", datetime(2026, 11, 7, 14, 30, 15, tzinfo=UTC)),
        ("now-2w", "gte", datetime(2026, 10, 31, 14, 30, 15, tzinfo=UTC)),
        ("today", "gte", datetime(2026, 11, 14, 0, 0, 0, tzinfo=UTC)),
        ("today", "gt", datetime(2026, 11, 14, 0, 0, 0, tzinfo=UTC)),
        ("today", "eq", datetime(2026, 11, 14, 0, 0, 0, tzinfo=UTC)),
        ("today", "lte", datetime(2026, 11, 14, 23, 59, 59, tzinfo=UTC)),
        ("today", "lt", datetime(2026, 11, 14, 23, 59, 59, tzinfo=UTC)),
        ("today-7d", "gte", datetime(2026, 11, 7, 0, 0, 0, tzinfo=UTC)),
        ("today-1d", "lte", datetime(2026, 11, 13, 23, 59, 59, tzinfo=UTC)),
        ("now-1M", "gte", datetime(2026, 10, 14, 14, 30, 15, tzinfo=UTC)),
        ("now-1y", "gte", datetime(2025, 11, 14, 14, 30, 15, tzinfo=UTC)),
        ("2026-11-07T14:00:00Z", "gte", datetime(2026, 11, 7, 14, 0, tzinfo=UTC)),
        ("2026-11-07T14:00:00+02:00", "gte", datetime(2026, 11, 7, 12, 0, tzinfo=UTC)),
        ("2026-11-07T14:00:00", "gte", datetime(2026, 11, 7, 14, 0, tzinfo=UTC)),
        ("2026-11-07", "gte", datetime(2026, 11, 7, 0, 0, tzinfo=UTC)),
        ("2026-11-07", "lte", datetime(2026, 11, 7, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_resolve_datetime(value: str, op: str, expected: datetime) -> None:
    resolved = resolve_datetime(value, op, NOW)
    assert resolved == expected
    assert resolved.utcoffset() == timedelta(0)


def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    end_of_march = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    assert resolve_datetime("now-1M", "gte", end_of_march) == datetime(
        2026, 2, 28, 9, 0, tzinfo=UTC
    )
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert resolve_datetime("now-1y", "gte", leap) == datetime(2027, 2, 28, tzinfo=UTC)


def test_a_naive_or_foreign_now_is_read_as_that_instant_in_utc() -> None:
    naive = datetime(2026, 11, 14, 14, 30, 15)
    assert resolve_datetime("now-1h", "gte", naive) == datetime(
        2026, 11, 14, 13, 30, 15, tzinfo=UTC
    )
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    assert resolve_datetime("today", "gte", berlin) == datetime(2026, 11, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["yesterday", "", "now-99999999999y", "now-999999999999d", 5, None]
)
def test_values_that_are_no_date_raise_value_error_with_words(value: object) -> None:
    with pytest.raises(ValueError) as caught:
        resolve_datetime(value, "gte", NOW)
    assert str(caught.value)


def test_presets_and_their_labels() -> None:
    assert [(p.label, p.value) for p in PRESETS] == [
        ("Last hour", "now-1h"),
        ("Last 24 hours", "now-24h"),
        ("Last 7 days", "now-7d"),
        ("Last 30 days", "now-30d"),
    ]
    assert preset_for("now-7d") == PRESETS[2]
    assert preset_for("today-7d") is None
    assert all(parse_relative(p.value) is not None for p in PRESETS)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("now", "now"),
        ("today", "today"),
        ("now-1h", "1 hour ago"),
        ("now-7d", "7 days ago"),
        ("today-1d", "1 day ago (whole day)"),
        ("now-3M", "3 months ago"),
        ("2026-11-07T14:00:00Z", "2026-11-07T14:00:00Z"),
    ],
)
def test_describe_relative(value: str, words: str) -> None:
    assert describe_relative(value) == words


def test_format_moment_shows_seconds_only_when_not_zero() -> None:
    assert format_moment(datetime(2026, 11, 7, 14, 0, tzinfo=UTC)) == "7 Nov 2026 14:00"
    assert format_moment(datetime(2026, 11, 7, 14, 0, 5, tzinfo=UTC)) == "7 Nov 2026 14:00:05"


def test_resolve_window_of_a_tree() -> None:
    root = parse_filter(
        {
            "operator": "and",
            "conditions": [
                {"field": "timestamp", "op": "gte", "value": "now-7d"},
                {"field": "duration", "op": "gte", "value": 60},
                {"field": "timestamp", "op": "gte", "value": "now-30d"},  # the later start wins
                {
                    "operator": "and",
                    "conditions": [{"field": "timestamp", "op": "lte", "value": "today-1d"}],
                },
                {  # an `or` does not bound every call
                    "operator": "or",
                    "conditions": [{"field": "timestamp", "op": "lte", "value": "now-20d"}],
                },
                {"field": "timestamp", "op": "gte", "value": "not a date"},
            ],
        }
    )
    window = resolve_window(root, NOW)
    assert window == (
        datetime(2026, 11, 7, 14, 30, 15, tzinfo=UTC),
        datetime(2026, 11, 13, 23, 59, 59, tzinfo=UTC),
    )
    assert format_window(window) == "7 Nov 2026 14:30:15 – 13 Nov 2026 23:59:59 (UTC)"


def test_open_ended_and_missing_windows() -> None:
    start_only = parse_filter({"field": "timestamp", "op": "gte", "value": "now-7d"})
    window = resolve_window(start_only, datetime(2026, 11, 14, 14, 0, tzinfo=UTC))
    assert format_window(window) == "7 Nov 2026 14:00 – now (UTC)"
    end_only = parse_filter({"field": "timestamp", "op": "lt", "value": "2026-11-01T00:00:00Z"})
    assert format_window(resolve_window(end_only, NOW)) == "the beginning – 1 Nov 2026 00:00 (UTC)"
    one_day = parse_filter({"field": "timestamp", "op": "eq", "value": "2026-11-07"})
    assert (
        format_window(resolve_window(one_day, NOW))
        == "7 Nov 2026 00:00 – 7 Nov 2026 23:59:59 (UTC)"
    )
    assert resolve_window(parse_filter({"field": "duration", "op": "gt", "value": 1}), NOW) is None
    assert resolve_window(None, NOW) is None
    assert format_window(None) == "any time"
