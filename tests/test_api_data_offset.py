"""A demo database seeded a week ago and reopened today answers exactly like one seeded
today: its calls are not rewritten, yet every place that compares or returns call times
(filters with relative and absolute dates, the call-log window and timestamps, line
points, bar buckets and their labels) reads them through the offset kept in `meta`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from demo_api import db, serve_in_thread
from demo_api.app import RunningServer, prepare_database

pytestmark = pytest.mark.api

SEEDED = datetime(2026, 3, 14, 15, 20, 7, tzinfo=UTC)
KEY = "offset-test-key"
CALLS = 3000
LAST_DAY = {"field": "timestamp", "op": "gte", "value": "now-24h"}


class Api:
    def __init__(self, server: RunningServer) -> None:
        self.server = server

    def get(self, path: str, **params: Any) -> Any:
        reply = requests.get(
            self.server.url + path, params=params, headers={"X-CEKURA-API-KEY": KEY}, timeout=60
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def bulk_data(self, filters: Any = None) -> list[dict[str, Any]]:
        ids = [w["id"] for d in self.dashboards() for w in self.get(f"{_D}{d['id']}/")["widgets"]]
        body: dict[str, Any] = {"widget_ids": ids}
        if filters is not None:
            body["filters"] = filters
        reply = requests.post(
            self.server.url + "/dashboards/widgets/bulk_data/",
            json=body,
            headers={"X-CEKURA-API-KEY": KEY},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return list(reply.json()["results"])

    def dashboards(self) -> list[dict[str, Any]]:
        return list(self.get(_D, page_size=100)["results"])

    def calls(self, filters: Any) -> dict[str, Any]:
        """The count and first page (the `next` link names this server's port)."""
        page = self.get(_CALLS, filters_v2=json.dumps(filters), page_size=100)
        return {"count": page["count"], "results": page["results"]}


_D = "/dashboards/dashboards/"
_CALLS = "/observability/v1/call-logs/"


def serve(path: Path, now: datetime) -> Iterator[Api]:
    server = serve_in_thread(path, KEY, calls=CALLS, now=now)
    try:
        yield Api(server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def yesterdays_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("offset") / "seeded-yesterday.sqlite3"
    prepare_database(path, seed_value=0, calls=CALLS, now=SEEDED)
    return path


def _reopened(yesterdays_file: Path, tmp_path: Path, now: datetime) -> Iterator[Api]:
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(yesterdays_file, copy)
    yield from serve(copy, now)


def test_seeded_a_week_ago_answers_exactly_like_seeded_today(
    yesterdays_file: Path, tmp_path: Path
) -> None:
    # A whole week on: the seed follows the calendar's week (quiet weekends), so only a
    # shift of whole weeks can give exactly what a fresh seed gives.
    today = SEEDED + timedelta(days=7)
    fresh_file = tmp_path / "seeded-today.sqlite3"
    fresh_answers: list[Any] = []
    for fresh in serve(fresh_file, today):
        fresh_answers = [fresh.bulk_data(), fresh.bulk_data(LAST_DAY), fresh.calls(LAST_DAY)]
    for old in _reopened(yesterdays_file, tmp_path, today):
        old_answers = [old.bulk_data(), old.bulk_data(LAST_DAY), old.calls(LAST_DAY)]
    widgets, last_day, calls = fresh_answers
    assert calls["count"] > 0 and calls["results"][0]["timestamp"].startswith("2026-03-21")
    assert any(w["chart_type"] == "bar" and w["data"] for w in widgets)
    assert any(w["chart_type"] == "line" and w["data"] for w in widgets)
    # Every widget of every seeded dashboard, with and without an override, and the calls.
    assert old_answers == fresh_answers
    for before, after in zip(widgets, last_day, strict=True):
        assert before["widget_id"] == after["widget_id"]


def _hour_bars(results: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in results if r["chart_type"] == "bar" and r["time_period"] == "hour")


def _shifted(label: str, by: timedelta) -> str:
    moment = datetime.fromisoformat(label.replace("Z", "+00:00")) + by
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_later_reopening_keeps_relative_windows_and_shifts_bucket_labels(
    yesterdays_file: Path, tmp_path: Path
) -> None:
    """30 hours later: the same calls fall in `now-24h`, and hour buckets, computed on the
    shifted clock, carry the same counts under labels 30 hours later."""
    later = timedelta(hours=30)
    for original in serve(yesterdays_file, SEEDED):
        then_calls = original.calls(LAST_DAY)
        then_bars = _hour_bars(original.bulk_data(LAST_DAY))
    for old in _reopened(yesterdays_file, tmp_path, SEEDED + later):
        now_calls = old.calls(LAST_DAY)
        now_bars = _hour_bars(old.bulk_data(LAST_DAY))
    assert then_calls["count"] == now_calls["count"] > 0
    assert [c["id"] for c in then_calls["results"]] == [c["id"] for c in now_calls["results"]]
    assert [_shifted(c["timestamp"][:19] + "Z", later) for c in then_calls["results"]] == [
        c["timestamp"][:19] + "Z" for c in now_calls["results"]
    ]
    assert then_bars["data"], "the hour bars have points"
    assert [
        (_shifted(p["time_interval"], later), p["sample_count"]) for p in then_bars["data"]
    ] == [(p["time_interval"], p["sample_count"]) for p in now_bars["data"]]


def test_reopening_writes_one_meta_row_not_every_call(
    yesterdays_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(yesterdays_file, copy)
    conn = db.connect(copy)
    before = conn.execute("SELECT SUM(timestamp), MAX(timestamp) FROM call_logs").fetchone()
    conn.close()
    offset = prepare_database(copy, seed_value=0, calls=CALLS, now=SEEDED + timedelta(days=2))
    conn = db.connect(copy)
    after = conn.execute("SELECT SUM(timestamp), MAX(timestamp) FROM call_logs").fetchone()
    assert tuple(after) == tuple(before)
    assert offset == 2 * 86400.0
    assert db.get_meta(conn, "offset") == repr(offset)
    conn.close()
