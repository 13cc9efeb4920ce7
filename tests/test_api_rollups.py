"""bulk_data's rollups (demo_api/rollups.py): with them, every seeded dashboard and widgets
of every shape they serve answer like the one-widget-at-a-time path, which reads the raw
calls, for offsets on and off the hour and windows whose edges cut hours and minutes.
Counts, percentiles and labels are exact; an average of durations may differ in its last
digits only (the rollups add per-slot sums, SQLite adds call by call)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from demo_api import db, rollups, seed
from demo_api.errors import DetailError, FieldErrors
from demo_api.prepare import prepare_database
from demo_api.routers.widgets import SELECT_WIDGETS, dashboard_for_data, widget_api
from demo_api.widget_data import SharedWindows, widget_data

pytestmark = pytest.mark.api

NOW = datetime(2026, 5, 20, 14, 45, 0, tzinfo=UTC)
OFFSETS = [0.0, 3 * 3600.0, 3 * 3600.0 + 1234.567]
OVERRIDES: list[Any] = [
    None,
    {"field": "timestamp", "op": "gte", "value": "now-7d"},
    {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gt", "value": "today-12d"},
            {"field": "timestamp", "op": "lt", "value": "now-2d"},
        ],
    },
]
ROLLUP_WIDGETS: list[dict[str, Any]] = [
    {"chart_type": "stat", "field": ""},
    {"chart_type": "pie", "field": "agent_id"},
    {"chart_type": "pie", "field": "success"},
    {"chart_type": "bar", "field": "success", "time_period": "hour", "aggregation_function": "avg"},
    {
        "chart_type": "bar",
        "field": "duration",
        "time_period": "week",
        "aggregation_function": "sum",
    },
    {
        "chart_type": "bar",
        "field": "topic",
        "time_period": "month",
        "aggregation_function": "count",
    },
    {
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": "avg",
        "group_by": {"type": "field", "field": "agent.id"},
    },
    {
        "chart_type": "bar",
        "field": "call_ended_reason",
        "time_period": "day",
        "aggregation_function": "count",
        "group_by": {"type": "field", "field": "call_ended_reason"},
    },
    {
        "chart_type": "bar",
        "field": "duration",
        "aggregation_function": "avg",
        "group_by": {"type": "bucket", "interval": 6 * 3_600_000},
    },
    {
        "chart_type": "bar",
        "field": "duration",
        "aggregation_function": "count",
        "group_by": {"type": "bucket", "interval": 90_000},
    },
    {
        "chart_type": "line",
        "field": "duration",
        "aggregation_function": "avg",
        "group_by": {"type": "bucket", "interval": 3_600_000},
    },
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("rollups") / "demo.sqlite3"
    prepare_database(path, seed_value=5, calls=5000, now=NOW.replace(hour=11))
    connection = db.connect(path)
    assert rollups.has_rollups(connection), "prepare_database builds them"
    yield connection
    connection.close()


def dashboards(conn: sqlite3.Connection) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    found = []
    for (dashboard_id,) in conn.execute("SELECT id FROM dashboards ORDER BY id").fetchall():
        rows = conn.execute(f"{SELECT_WIDGETS} WHERE w.dashboard_id = ?", (dashboard_id,))
        widgets = [widget_api(row) for row in rows.fetchall()]
        extra = [
            {"filters": None, **w, "id": 900 + i, "dashboard": dashboard_id}
            for i, w in enumerate(ROLLUP_WIDGETS)
        ]
        found.append((dashboard_for_data(conn, dashboard_id), widgets + extra))
    return found


def answers(conn, widgets, dashboard, override, offset, *, shared: bool) -> list[Any]:
    found: list[Any] = []
    with SharedWindows(conn, now=NOW, offset=offset) as windows:
        for widget in widgets:
            try:
                if shared:
                    found.append(windows.widget_data(widget, dashboard, override, widgets))
                else:
                    found.append(
                        widget_data(conn, widget, dashboard, override, now=NOW, offset=offset)
                    )
            except (FieldErrors, DetailError) as refused:
                found.append(("refused", type(refused).__name__, str(refused)))
    return found


def same(got: Any, want: Any) -> bool:
    """Equal, floats to 1e-12 relative (sums in another order); everything else exact."""
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=1e-12)
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want, strict=True))
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("offset", OFFSETS, ids=["no-offset", "whole-hours", "off-the-hour"])
@pytest.mark.parametrize("override", OVERRIDES, ids=["none", "last-7-days", "between"])
def test_rollups_answer_like_the_raw_calls(
    conn: sqlite3.Connection, override: Any, offset: float
) -> None:
    statements: list[str] = []
    compared = 0
    for dashboard, widgets in dashboards(conn):
        expected = answers(conn, widgets, dashboard, override, offset, shared=False)
        conn.set_trace_callback(statements.append)
        try:
            got = answers(conn, widgets, dashboard, override, offset, shared=True)
        finally:
            conn.set_trace_callback(None)
        for widget, answer, wanted in zip(widgets, got, expected, strict=True):
            assert same(answer, wanted), (dashboard, widget, answer, wanted)
        compared += sum(1 for a in expected if isinstance(a, dict) and a["data"])
    assert compared > 40, "most widgets have data to compare"
    assert sum("FROM call_rollups" in s for s in statements) > 20, "the rollups serve them"


def test_an_older_database_gets_its_rollups_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    old = db.connect(path)
    db.create_schema(old)
    seed.seed_database(old, seed=1, calls=300, now=NOW)
    assert not rollups.has_rollups(old)
    old.close()
    prepare_database(path, seed_value=1, calls=300, now=NOW)
    conn = db.connect(path)
    try:
        assert rollups.has_rollups(conn)
        (counted,) = conn.execute(
            "SELECT SUM(n) FROM call_rollups WHERE width = ? AND dim = ''", (rollups.HOUR,)
        ).fetchone()
        assert counted == 300
        for dim in rollups.DIMENSIONS:
            (total,) = conn.execute(
                "SELECT SUM(n) FROM call_rollups WHERE width = ? AND dim = ?", (rollups.HOUR, dim)
            ).fetchone()
            assert total == 300, dim
    finally:
        conn.close()


def test_a_bad_widget_is_refused_as_without_rollups(conn: sqlite3.Connection) -> None:
    dashboard, widgets = dashboards(conn)[0]
    bar = {"chart_type": "bar", "field": "duration", "filters": None, "dashboard": 1}
    bad = [
        {**bar, "id": 1, "time_period": "fortnight"},
        {**bar, "id": 2, "group_by": {"type": "bucket", "interval": 10}},
        {**bar, "id": 3, "aggregation_function": ["avg"], "time_period": "fortnight"},
        {**bar, "id": 4, "group_by": {"type": "field", "field": "nonsense"}},
        {"chart_type": "pie", "field": "nonsense", "filters": None, "id": 5},
    ]
    override = OVERRIDES[1]
    expected = answers(conn, bad, dashboard, override, OFFSETS[2], shared=False)
    assert all(isinstance(answer, tuple) for answer in expected), expected
    assert answers(conn, bad, dashboard, override, OFFSETS[2], shared=True) == expected
