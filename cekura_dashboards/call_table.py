"""Call logs as the rows a person reads: the calls table's columns and the CSV export.

One place for the column names and their order, the duration as m:ss and the customer
number masked to its last 4 digits, so the table and the export cannot disagree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from cekura_dashboards.models import CallLog

EXPORT_CAP = 10_000  # rows in one CSV export: the user sees this number before starting
MASK = "•••"

COLUMNS: tuple[str, ...] = (
    "Time (UTC)",
    "Agent",
    "Duration",
    "Success",
    "Ended reason",
    "Topic",
    "Drop-off point",
    "Customer number",
)
# The export keeps the call id (to find the call again) beside the table's columns.
CSV_COLUMNS: tuple[str, ...] = ("Call ID", *COLUMNS)


def minutes_seconds(seconds: float | None) -> str:
    """192 -> "3:12", 41 -> "0:41", 3725 -> "62:05"; "" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    total = int(round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def mask_number(number: str | None, reveal: bool = False) -> str:
    """ "+14155550123" -> "•••0123" unless `reveal`; a number of 4 digits or fewer is
    masked whole, since its last 4 are all of it."""
    text = (number or "").strip()
    if reveal or not text:
        return text
    digits = [c for c in text if c.isdigit()]
    if len(digits) <= 4:
        return MASK
    return MASK + "".join(digits[-4:])


def success_words(value: bool | None) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"


def _time(call: CallLog) -> str:
    if call.timestamp is None:
        return ""
    moment = call.timestamp
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def call_row(
    call: CallLog, *, reveal: bool = False, agents: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """One call as the table's columns (COLUMNS)."""
    agent = call.agent_name or ""
    if not agent and call.agent is not None:
        agent = (agents or {}).get(call.agent, f"Agent {call.agent}")
    return {
        "Time (UTC)": _time(call),
        "Agent": agent,
        "Duration": minutes_seconds(call.duration_seconds),
        "Success": success_words(call.success),
        "Ended reason": call.call_ended_reason or "",
        "Topic": call.topic or "",
        "Drop-off point": call.dropoff_point or "",
        "Customer number": mask_number(call.customer_number, reveal),
    }


def call_rows(
    calls: Iterable[CallLog], *, reveal: bool = False, agents: Mapping[int, str] | None = None
) -> list[dict[str, Any]]:
    return [call_row(c, reveal=reveal, agents=agents) for c in calls]


def csv_row(call: CallLog, *, reveal: bool = False) -> dict[str, Any]:
    return {"Call ID": call.id, **call_row(call, reveal=reveal)}


def calls_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """CSV_COLUMNS rows as UTF-8 CSV (with a BOM, so spreadsheets read the • and names)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def compact_json(value: Any) -> str:
    """A filter as the compact JSON a URL carries (`?filters=`)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
