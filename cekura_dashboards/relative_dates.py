"""Relative and absolute datetimes in filters, resolved to absolute UTC.

`now`, `today`, and either followed by `-N<unit>` (`now-2h`, `today-7d`), units
`s m h d w M y` (catalog.RELATIVE_DATE). `today` is 00:00:00 UTC for gt/gte/eq and
23:59:59 UTC for lt/lte (RULES.md); so is a bare date (2026-11-07). Months and years are
calendar steps, with the day clamped to the month's last day (31 Mar - 1M = 28/29 Feb).
The demo API resolves dates with this module too, so the builder's window and the
server's can never disagree.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cekura_dashboards.catalog import (
    MAX_WIDGET_DATA_DAYS,
    RELATIVE_DATE,
    RELATIVE_UNITS,
    TIMESTAMP_FIELD,
)
from cekura_dashboards.filter_tree import Condition, Group, Node

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOWER_OPS = ("gt", "gte")
UPPER_OPS = ("lt", "lte")


@dataclass(frozen=True)
class RelativeDate:
    anchor: str  # "now" | "today"
    amount: int  # how many units back; 0 for bare now/today
    unit: str  # one of catalog.RELATIVE_UNITS, "" for bare now/today


@dataclass(frozen=True)
class Preset:
    label: str
    value: str


PRESETS: tuple[Preset, ...] = (
    Preset("Last hour", "now-1h"),
    Preset("Last 24 hours", "now-24h"),
    Preset("Last 7 days", "now-7d"),
    Preset("Last 30 days", "now-30d"),
)


def preset_for(value: Any) -> Preset | None:
    """The preset whose value this is, or None (a custom or absolute time)."""
    return next((p for p in PRESETS if p.value == value), None)


def parse_relative(value: Any) -> RelativeDate | None:
    """`now-7d` -> RelativeDate("now", 7, "d"); None when `value` is not relative."""
    if not isinstance(value, str):
        return None
    match = RELATIVE_DATE.match(value)
    if match is None:
        return None
    anchor, amount, unit = match.groups()
    try:
        steps = int(amount) if amount else 0
    except ValueError:  # more digits than Python turns into an int (over 4,300)
        return None
    return RelativeDate(anchor, steps, unit or "")


def _iso(value: Any) -> datetime | None:
    """`value` read as ISO 8601 text, as written (not yet in UTC); None when not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_absolute(value: Any) -> datetime | None:
    """An ISO 8601 datetime or date as aware UTC (naive means UTC); None when not one, or
    when in UTC it would fall outside the calendar (0001-01-01T00:00:00+01:00)."""
    parsed = _iso(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in the year 0 in UTC
        return None


def calendar_limit_problem(value: Any) -> str | None:
    """Why an ISO 8601 value names no moment in UTC (it lies before 1 Jan of the year 1 or
    after 31 Dec 9999 once its offset is applied), or None."""
    parsed = _iso(value)
    if parsed is None or parsed.tzinfo is None:
        return None
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return (
            f"{value!r} falls outside the calendar once its time zone offset is applied: UTC "
            "can name dates from 1 Jan of the year 1 to 31 Dec 9999."
        )
    return None


def means_whole_day(value: Any) -> bool:
    """`today`, `today-3d` and a bare date (2026-11-07) name a day rather than an instant."""
    relative = parse_relative(value)
    if relative is not None:
        return relative.anchor == "today"
    return isinstance(value, str) and _DATE_ONLY.match(value) is not None


def is_datetime_value(value: Any) -> bool:
    # the form: a date at the calendar's edge is a date, with a range problem of its own
    return parse_relative(value) is not None or _iso(value) is not None


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _months_back(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    if year < 1:
        raise ValueError("That date is before the year 1.")
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def resolve_datetime(value: Any, op: str, now: datetime | None = None) -> datetime:
    """The absolute UTC moment a filter value means for `op` at `now`.

    Raises ValueError with a plain message when `value` is not a datetime.
    """
    moment = _utc(now)
    relative = parse_relative(value)
    if relative is None:
        absolute = parse_absolute(value)
        if absolute is None:
            beyond = calendar_limit_problem(value)
            if beyond:
                raise ValueError(beyond)
            raise ValueError(
                f"{value!r} is not a date and time; use e.g. 2026-11-07T14:00:00Z, now-7d or today."
            )
        if op in UPPER_OPS and _DATE_ONLY.match(value):
            return absolute.replace(hour=23, minute=59, second=59)
        return absolute
    if relative.anchor == "today":
        start_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        moment = (
            start_of_day.replace(hour=23, minute=59, second=59) if op in UPPER_OPS else start_of_day
        )
    if not relative.amount:
        return moment
    n, unit = relative.amount, relative.unit
    try:
        if unit == "M":
            return _months_back(moment, n)
        if unit == "y":
            return _months_back(moment, 12 * n)
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
        return moment - timedelta(seconds=n * seconds)
    except OverflowError:
        raise ValueError(f"{value!r} is too far back to be a date.") from None


def day_range(value: Any, now: datetime | None = None) -> tuple[datetime, datetime]:
    """For `eq` on a whole day: its first instant and the first instant of the next day."""
    start = resolve_datetime(value, "gte", now).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        return start, start + timedelta(days=1)
    except OverflowError:
        raise ValueError(f"{value!r} is past the last day a date can name.") from None


def datetime_problem(value: Any, op: str, now: datetime | None = None) -> str | None:
    """Why a value of the right form still names no moment for `op` (`now-99999999y`, or
    the day after 9999-12-31 that `eq` on a whole day needs); None when it names one."""
    try:
        resolve_datetime(value, op, now)
        if op == "eq" and means_whole_day(value):
            day_range(value, now)
    except ValueError as exc:
        return str(exc)
    return None


def describe_relative(value: str) -> str:
    """`now-7d` -> "7 days ago"; `today` -> "today"; `today-1d` -> "1 day ago (whole day)".
    Returns `value` itself when it is not relative."""
    relative = parse_relative(value)
    if relative is None:
        return value
    if not relative.amount:
        return relative.anchor
    unit = RELATIVE_UNITS[relative.unit]
    words = f"{relative.amount} {unit}{'' if relative.amount == 1 else 's'} ago"
    return f"{words} (whole day)" if relative.anchor == "today" else words


def format_moment(moment: datetime) -> str:
    """`7 Nov 2026 14:00` (UTC, seconds shown only when not zero)."""
    moment = _utc(moment)
    text = f"{moment.day} {moment:%b %Y %H:%M}"
    return f"{text}:{moment:%S}" if moment.second else text


# --- windows -------------------------------------------------------------------------------
def _window_conditions(node: Node | None) -> list[Condition]:
    """Timestamp conditions that bound every call: the root and its `and` groups."""
    if node is None:
        return []
    if isinstance(node, Condition):
        return [node] if node.field == TIMESTAMP_FIELD else []
    if isinstance(node, Group) and node.operator == "and":
        return [c for child in node.conditions for c in _window_conditions(child)]
    return []


def resolve_window(
    node: Node | None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None] | None:
    """The absolute UTC (start, end) the tree's timestamp conditions allow; None when the
    tree has no timestamp condition that bounds every call. A side without a bound is None
    (an open end means "until now"). Values that are not datetimes are skipped."""
    start: datetime | None = None
    end: datetime | None = None
    found = False
    for cond in _window_conditions(node):
        try:
            moment = resolve_datetime(cond.value, cond.op, now)
        except ValueError:
            continue
        last = moment
        if cond.op == "eq" and means_whole_day(cond.value):
            last = moment.replace(hour=23, minute=59, second=59)
        if cond.op in LOWER_OPS or cond.op == "eq":
            start = moment if start is None else max(start, moment)
            found = True
        if cond.op in UPPER_OPS or cond.op == "eq":
            end = last if end is None else min(end, last)
            found = True
    return (start, end) if found else None


def format_window(window: tuple[datetime | None, datetime | None] | None) -> str:
    """`7 Nov 2026 14:00 – now (UTC)`; "any time" for no window."""
    if window is None:
        return "any time"
    start, end = window
    left = format_moment(start) if start is not None else "the beginning"
    right = format_moment(end) if end is not None else "now"
    return f"{left} – {right} (UTC)"


def earliest_start(
    node: Node | None, now: datetime | None = None
) -> tuple[datetime, Condition] | None:
    """The lower time bound every matching call respects, as the API computes it for the
    30-day rule, with the condition that sets it; None when there is none. In an `and`
    the latest start wins; an `or` has a start only when every branch has one (the
    earliest). Values that are not datetimes are skipped."""
    if node is None:
        return None
    if isinstance(node, Group):
        bounds = [earliest_start(child, now) for child in node.conditions]
        if node.operator == "or":
            if not bounds or any(b is None for b in bounds):
                return None
            return min((b for b in bounds if b is not None), key=lambda b: b[0])
        known = [b for b in bounds if b is not None]
        return max(known, key=lambda b: b[0]) if known else None
    if node.field != TIMESTAMP_FIELD or node.op not in ("eq", *LOWER_OPS):
        return None
    try:
        return resolve_datetime(node.value, node.op, now), node
    except ValueError:
        return None


def oldest_allowed_start(now: datetime | None = None) -> datetime:
    """The earliest start widget data may have: 30 days before the start of today (UTC),
    so that both `now-30d` and `today-30d` are allowed."""
    today = _utc(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=MAX_WIDGET_DATA_DAYS)
