"""Datetimes in filters: absolute ISO 8601 or relative (`now`, `today`, `now-2h`, `today-7d`).

The grammar lives in `cekura_dashboards.catalog.RELATIVE_DATE`; this module only gives the
words a meaning on the server side.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, time, timedelta

from cekura_dashboards.catalog import RELATIVE_DATE

_UNIT_DELTAS: dict[str, timedelta] = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_END_OF_DAY = time(23, 59, 59)
# A calendar date alone ("2025-11-03"): `eq` on it means that whole day, like `today`.
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_relative(value: str) -> bool:
    return RELATIVE_DATE.match(value) is not None


def parse_absolute(value: str) -> datetime | None:
    """An ISO 8601 string as an aware UTC datetime (naive means UTC), or None."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def is_datetime_value(value: object) -> bool:
    """Whether `value` is a datetime a filter accepts (relative or ISO 8601)."""
    return isinstance(value, str) and (is_relative(value) or parse_absolute(value) is not None)


def means_whole_day(value: str) -> bool:
    """`today`, `today-3d` and a bare date name a day rather than an instant."""
    match = RELATIVE_DATE.match(value)
    if match:
        return match.group(1) == "today"
    return _DATE_ONLY.match(value) is not None


def _minus_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    if year < 1:
        raise ValueError("Relative date goes back before year 1.")
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def resolve_datetime(value: str, op: str, now: datetime) -> datetime:
    """The instant a filter datetime stands for, in UTC.

    `today` is 00:00:00 UTC for gt/gte (and eq: the start of that day) and 23:59:59 UTC for
    lt/lte. `-N<unit>` steps back by N seconds, minutes, hours, days, weeks, calendar
    months (M) or years (y). Raises ValueError for anything else.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    match = RELATIVE_DATE.match(value)
    if match is None:
        absolute = parse_absolute(value)
        if absolute is None:
            raise ValueError(f"'{value}' is not a date: use ISO 8601 or now/today[-N<unit>].")
        if op in ("lt", "lte") and _DATE_ONLY.match(value):
            return datetime.combine(absolute.date(), _END_OF_DAY, tzinfo=UTC)
        return absolute
    anchor, amount, unit = match.groups()
    moment = now
    if anchor == "today":
        clock = _END_OF_DAY if op in ("lt", "lte") else time(0, 0, 0)
        moment = datetime.combine(now.date(), clock, tzinfo=UTC)
    if amount is None:
        return moment
    count = int(amount)
    try:
        if unit in _UNIT_DELTAS:
            return moment - _UNIT_DELTAS[unit] * count
        return _minus_months(moment, count * (12 if unit == "y" else 1))
    except OverflowError as exc:
        raise ValueError(f"'{value}' reaches too far back.") from exc


def day_range(value: str, now: datetime) -> tuple[datetime, datetime]:
    """For `eq` on a whole day: its first instant and the first instant of the next day."""
    start = resolve_datetime(value, "gte", now)
    start = datetime.combine(start.date(), time(0, 0, 0), tzinfo=UTC)
    try:
        return start, start + timedelta(days=1)
    except OverflowError as exc:
        raise ValueError(f"'{value}' is past the last day a date can name.") from exc
