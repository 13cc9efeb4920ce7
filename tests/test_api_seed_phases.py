"""A fresh demo database in two phases (prepare.py): the app's demo server answers the
dashboards list while the calls are still being written, the requests that read calls wait
for them (or say why not), and a start that died between the phases is completed next time.

Phase 2 is held up for real: the test takes SQLite's write lock on the file, which the
seeding process must wait for, exactly as it would wait for any other writer."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from demo_api import db, seed, serve_in_thread
from demo_api.app import RunningServer, prepare_database
from tests.harness import start_demo_api
from tests.test_api_seed import dump

pytestmark = pytest.mark.api

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
KEY = "phases-key"
CALLS = 3000
HEADERS = {"X-CEKURA-API-KEY": KEY}
BUDGET_S = 3.0


def _left_after_phase_one(path: Path, now: datetime = NOW) -> None:
    conn = db.connect(path)
    try:
        db.create_schema(conn, indexes=False)
        seed.seed_small_tables(conn, now=now)
    finally:
        conn.close()


@contextmanager
def _write_lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """Another writer on the file: the calls' transaction waits until it lets go."""
    blocker = db.connect(path)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield blocker
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()


def _get(server: RunningServer, path: str) -> requests.Response:
    return requests.get(server.url + path, headers=HEADERS, timeout=30)


def _post(server: RunningServer, path: str, body: Any) -> requests.Response:
    return requests.post(server.url + path, headers=HEADERS, json=body, timeout=30)


def _dashboard_id(server: RunningServer, name: str) -> int:
    listed = _get(server, "/dashboards/dashboards/?page_size=50").json()["results"]
    return next(int(d["id"]) for d in listed if d["name"] == name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The same data seeded the old way, everything before the server answers."""
    path = tmp_path_factory.mktemp("reference") / "demo.sqlite3"
    server = serve_in_thread(path, KEY, calls=CALLS, now=NOW)
    yield server
    server.stop()


def test_the_list_answers_while_the_calls_are_seeded_and_call_readers_wait_for_them(
    tmp_path: Path, reference: RunningServer
) -> None:
    path = tmp_path / "demo.sqlite3"
    _left_after_phase_one(path)
    with _write_lock_held(path) as blocker:
        server = serve_in_thread(
            path, KEY, calls=CALLS, now=NOW, calls_in_background=True, request_budget=BUDGET_S
        )
        try:
            # The calls cannot be in: their transaction waits for this test's lock.
            assert not seed.is_seeded(blocker)
            listed = _get(server, "/dashboards/dashboards/")
            assert listed.status_code == 200, listed.text
            assert listed.json() == _get(reference, "/dashboards/dashboards/").json()
            support = _dashboard_id(server, "Support overview")
            for path_ in (
                "/user/v1/projects/",
                "/test_framework/v1/metrics/",
                f"/dashboards/dashboards/{support}/",
                f"/dashboards/widgets/?dashboard_id={support}",
            ):
                answer = _get(server, path_)
                assert answer.status_code == 200, (path_, answer.text)
                assert answer.json() == _get(reference, path_).json()
            widget_ids = [
                int(w["id"])
                for w in _get(server, f"/dashboards/widgets/?dashboard_id={support}").json()[
                    "results"
                ]
            ]
            bulk_body = {"widget_ids": widget_ids}

            # A call reader whose budget runs out first says so, and when to come back.
            waited = _get(server, "/observability/v1/call-logs/?page_size=1")
            assert waited.status_code == 503
            assert waited.headers["Retry-After"] == "2"
            assert "still being prepared" in waited.json()["detail"]

            # One that is waiting when the calls come in gets its answer.
            answers: dict[str, requests.Response] = {}
            readers = [
                threading.Thread(
                    target=lambda: answers.__setitem__(
                        "calls", _get(server, "/observability/v1/call-logs/?page_size=5")
                    )
                ),
                threading.Thread(
                    target=lambda: answers.__setitem__(
                        "bulk",
                        _post(server, "/dashboards/widgets/bulk_data/", bulk_body),
                    )
                ),
            ]
            for reader in readers:
                reader.start()
            time.sleep(0.3)
            assert not answers, "a call reader answered before the calls were in"
            blocker.execute("ROLLBACK")
            for reader in readers:
                reader.join(30)
            assert answers["calls"].status_code == 200, answers["calls"].text
            calls_page = _get(reference, "/observability/v1/call-logs/?page_size=5").json()
            assert answers["calls"].json()["count"] == calls_page["count"] == CALLS
            assert answers["calls"].json()["results"] == calls_page["results"]
            assert answers["bulk"].status_code == 200, answers["bulk"].text
            expected = _post(reference, "/dashboards/widgets/bulk_data/", bulk_body)
            assert answers["bulk"].json() == expected.json()
            one = f"/dashboards/widgets/{widget_ids[1]}/data/"
            assert _get(server, one).json() == _get(reference, one).json()
        finally:
            server.stop()
    conn = db.connect(path)
    try:
        assert seed.is_seeded(conn)
        assert conn.execute("SELECT COUNT(*) FROM call_logs").fetchone()[0] == CALLS
    finally:
        conn.close()


def test_a_start_that_died_between_the_phases_is_completed_by_the_next(tmp_path: Path) -> None:
    # Enough calls that the writing is still going on when the process is killed.
    api = start_demo_api(
        tmp_path, calls=400_000, faults=False, extra_args=("--calls-in-background",)
    )
    try:
        listed = api.get("/dashboards/dashboards/")
        assert listed.status_code == 200 and listed.json()["count"] == 7
        api.proc.kill()  # no clean shutdown: as a crash or a power cut would leave it
        api.proc.wait(10)
    finally:
        api.stop()
    left = db.connect(api.db_path)
    try:
        assert not seed.is_seeded(left), "the calls were in before the kill: no test"
        assert left.execute("SELECT COUNT(*) FROM call_logs").fetchone()[0] == 0
        assert left.execute("SELECT COUNT(*) FROM dashboards").fetchone()[0] == 7
        anchor = seed.small_tables_anchor(left)
        assert anchor is not None
    finally:
        left.close()

    later = datetime.fromtimestamp(anchor, UTC).replace(microsecond=0)
    later = later.replace(year=later.year + 1)
    offset = prepare_database(api.db_path, seed_value=0, calls=2000, now=later)
    assert offset == pytest.approx(later.timestamp() - anchor)
    # What a seed in one go at that first start's moment makes, dashboards included once.
    one_go = tmp_path / "one_go.sqlite3"
    prepare_database(one_go, seed_value=0, calls=2000, now=datetime.fromtimestamp(anchor, UTC))
    completed, fresh = db.connect(api.db_path), db.connect(one_go)
    try:
        assert seed.is_seeded(completed)
        assert dump(completed) == dump(fresh)
        assert seed.data_offset(completed) == offset
    finally:
        completed.close()
        fresh.close()


def test_the_small_tables_are_written_once(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    _left_after_phase_one(path)
    _left_after_phase_one(path, now=NOW.replace(day=20))  # a second start before the calls
    conn = db.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM dashboards").fetchone()[0] == 7
        assert conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 3
        assert seed.small_tables_anchor(conn) == NOW.timestamp()
        assert not seed.is_seeded(conn)
    finally:
        conn.close()


def _seeder_pid(db_path: Path, timeout: float = 10) -> int:
    """The `python -m demo_api.calls_seeder` process writing `db_path`'s calls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"demo_api.calls_seeder" in argv and str(db_path.resolve()).encode() in argv:
                return int(entry.name)
        time.sleep(0.05)
    raise AssertionError("no process is seeding the calls")


def test_call_readers_say_so_when_the_calls_could_not_be_seeded(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    _left_after_phase_one(path)
    with _write_lock_held(path):
        server = serve_in_thread(path, KEY, calls=CALLS, now=NOW, calls_in_background=True)
        try:
            os.kill(_seeder_pid(path), signal.SIGKILL)
            failed = _get(server, "/observability/v1/call-logs/?page_size=1")
            assert failed.status_code == 500
            assert "could not be prepared" in failed.json()["detail"]
            assert "Restart the app" in failed.json()["detail"]
            assert _get(server, "/dashboards/dashboards/").status_code == 200
        finally:
            server.stop()
