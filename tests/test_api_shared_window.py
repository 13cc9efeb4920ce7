"""bulk_data reads a dashboard's window once (widget_data.SharedWindows): for every seeded
dashboard, with and without an override, with a metric join, a `same_row` widget filter,
metadata and agent-name fields, its answers are exactly the one-widget-at-a-time answers,
the temporary tables are gone afterwards, and a refusal is the same refusal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from demo_api import db, seed
from demo_api.errors import DetailError, FieldErrors
from demo_api.routers.widgets import SELECT_WIDGETS, dashboard_for_data, widget_api
from demo_api.widget_data import SharedWindows, widget_data

pytestmark = pytest.mark.api

NOW = datetime(2026, 5, 20, 14, 45, 0, tzinfo=UTC)
OFFSET = 3 * 3600.0  # read as a database seeded three hours before NOW
OVERRIDES: list[Any] = [
    None,
    {"field": "timestamp", "op": "gte", "value": "now-7d"},
    {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "today-3d"},
            {"field": "agent.agent_name", "op": "regex", "value": "^(B|S|A)"},
        ],
    },
]
EXTRA_WIDGETS = [  # fields the seeded dashboards do not use, so their columns are copied too
    {"chart_type": "pie", "field": "metadata.region", "filters": None},
    {
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": "p95",
        "group_by": {"type": "field", "field": "customer_number"},
        "filters": {"field": "is_reviewed", "op": "eq", "value": False},
    },
    {
        "chart_type": "line",
        "field": "duration",
        "filters": {"field": "topic", "op": "isnull", "value": False},
    },
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("shared_window") / "demo.sqlite3"
    connection = db.connect(path)
    db.create_schema(connection)
    seed.seed_database(connection, seed=5, calls=5000, now=NOW.replace(hour=11))
    yield connection
    connection.close()


def dashboards(conn: sqlite3.Connection) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    found = []
    for (dashboard_id,) in conn.execute("SELECT id FROM dashboards ORDER BY id").fetchall():
        rows = conn.execute(f"{SELECT_WIDGETS} WHERE w.dashboard_id = ?", (dashboard_id,))
        widgets = [widget_api(row) for row in rows.fetchall()]
        if widgets:
            extra = [
                {**w, "id": 900 + i, "dashboard": dashboard_id} for i, w in enumerate(EXTRA_WIDGETS)
            ]
            found.append((dashboard_for_data(conn, dashboard_id), widgets + extra))
    return found


def one_at_a_time(conn, widgets, dashboard, override) -> list[Any]:
    answers = []
    for widget in widgets:
        try:
            answers.append(widget_data(conn, widget, dashboard, override, now=NOW, offset=OFFSET))
        except (FieldErrors, DetailError) as refused:
            answers.append(("refused", type(refused).__name__, str(refused)))
    return answers


def shared(conn, widgets, dashboard, override) -> list[Any]:
    answers = []
    with SharedWindows(conn, now=NOW, offset=OFFSET) as windows:
        for widget in widgets:
            try:
                answers.append(windows.widget_data(widget, dashboard, override, widgets))
            except (FieldErrors, DetailError) as refused:
                answers.append(("refused", type(refused).__name__, str(refused)))
    return answers


@pytest.mark.parametrize("override", OVERRIDES, ids=["none", "last-7-days", "pattern"])
def test_shared_window_answers_exactly_like_one_widget_at_a_time(
    conn: sqlite3.Connection, override: Any
) -> None:
    compared = 0
    for dashboard, widgets in dashboards(conn):
        expected = one_at_a_time(conn, widgets, dashboard, override)
        assert shared(conn, widgets, dashboard, override) == expected, dashboard
        compared += sum(1 for answer in expected if isinstance(answer, dict) and answer["data"])
    assert compared > 30, "most widgets have data to compare"
    left = conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall()
    assert left == [], "the shared windows are dropped"


def test_the_window_is_shared(conn: sqlite3.Connection) -> None:
    """One read of call_logs for the dashboard's window; a line of points alone reads the
    newest calls through the timestamp index; every other widget reads the window."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        dashboard, widgets = dashboards(conn)[0]
        shared(conn, widgets, dashboard, OVERRIDES[1])
    finally:
        conn.set_trace_callback(None)
    lines = [w for w in widgets if w["chart_type"] == "line" and not w.get("group_by")]
    reads = [s for s in statements if "FROM call_logs c" in s]
    assert reads[0].startswith("INSERT INTO temp.window_0"), reads
    assert len(reads) == 1 + len(lines), reads
    window_reads = [s for s in statements if "FROM temp.window_0 c" in s]
    assert len(window_reads) >= len(widgets) - len(lines)


def test_a_bad_widget_is_refused_the_same_way(conn: sqlite3.Connection) -> None:
    dashboard, widgets = dashboards(conn)[0]
    bad = [
        widgets[0],
        {**widgets[1], "filters": {"field": "duration", "op": "gt", "value": "long"}},
        {**widgets[2], "chart_type": "donut"},
        {**widgets[3], "field": "metric_evaluations.value", "metric": 9999},
    ]
    expected = one_at_a_time(conn, bad, dashboard, None)
    assert [a[0] if isinstance(a, tuple) else "ok" for a in expected] == [
        "ok",
        "refused",
        "refused",
        "refused",
    ]
    assert shared(conn, bad, dashboard, None) == expected
