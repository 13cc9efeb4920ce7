"""The calls table's rows and the CSV: m:ss durations, numbers masked to their last 4
digits unless revealed, one column order for both, and the Calls page's link text."""

from __future__ import annotations

import csv
import io

import pytest

from cekura_dashboards.call_table import (
    COLUMNS,
    CSV_COLUMNS,
    call_row,
    calls_csv,
    csv_row,
    mask_number,
    minutes_seconds,
)
from cekura_dashboards.models import CallLog
from services.calls import link_text, read_link_filter

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (41, "0:41"), (192, "3:12"), (3725, "62:05"), (59.6, "1:00"), (None, "")],
)
def test_duration_is_minutes_and_seconds(seconds: float | None, text: str) -> None:
    assert minutes_seconds(seconds) == text


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+1 415 555 0123", "•••0123"), ("+14155550199", "•••0199"), ("1234", "•••"), ("", "")],
)
def test_customer_numbers_show_only_their_last_4_digits(number: str, masked: str) -> None:
    assert mask_number(number) == masked
    assert mask_number(number, reveal=True) == number


def test_a_call_reads_as_the_table_columns_from_either_duration_form() -> None:
    sent = {
        "id": 7,
        "timestamp": "2026-11-30T22:18:57Z",
        "success": False,
        "call_ended_reason": "customer-hangup",
        "customer_number": "+14155550123",
        "agent": 3,
        "agent_name": "",
        "topic": "billing",
        "dropoff_point": "",
    }
    text_form = CallLog.model_validate({**sent, "duration": "03:12"})
    seconds_form = CallLog.model_validate({**sent, "duration": 192})
    row = call_row(text_form, agents={3: "Billing Bot"})
    assert list(row) == list(COLUMNS)
    assert row == {
        "Time (UTC)": "2026-11-30 22:18:57",
        "Agent": "Billing Bot",
        "Duration": "3:12",
        "Success": "No",
        "Ended reason": "customer-hangup",
        "Topic": "billing",
        "Drop-off point": "",
        "Customer number": "•••0123",
    }
    assert call_row(seconds_form, agents={3: "Billing Bot"}) == row


def test_the_csv_has_the_call_id_and_the_table_columns() -> None:
    call = CallLog.model_validate({"id": 9, "duration": 61, "customer_number": "+4930123456"})
    data = calls_csv([csv_row(call), csv_row(call, reveal=True)]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["Call ID"] for r in rows] == ["9", "9"]
    assert [r["Customer number"] for r in rows] == ["•••3456", "+4930123456"]
    assert rows[0]["Duration"] == "1:01"


def test_a_link_filter_round_trips_and_bad_ones_say_what_is_wrong() -> None:
    text = '{"operator":"and","conditions":[{"field":"topic","op":"eq","value":"billing"}]}'
    assert link_text(read_link_filter(text)) == text
    with pytest.raises(ValueError, match="not JSON: Expecting .* at character"):
        read_link_filter('{"operator": "and",')
    with pytest.raises(ValueError, match="not a filter: Missing 'op' and 'value'"):
        read_link_filter('{"field": "topic"}')
    with pytest.raises(ValueError, match="a JSON object, not list"):
        read_link_filter("[1, 2]")
