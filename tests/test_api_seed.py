"""The demo data: deterministic for a seed, believable distributions, dashboards that cover
every chart type and the guide's filter examples, and a database that follows the clock."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from cekura_dashboards import catalog
from demo_api import db, serve_in_thread
from demo_api.app import prepare_database
from demo_api.filter_sql import filter_problems
from demo_api.schemas import widget_problems
from demo_api.seed import data_offset
from tests.harness import DemoAPI

pytestmark = pytest.mark.api

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TABLES = (
    "projects",
    "agents",
    "metrics",
    "call_logs",
    "metric_evaluations",
    "dashboards",
    "widgets",
)


def seeded(
    path: Path, *, seed: int = 0, calls: int = 2000, now: datetime = NOW
) -> sqlite3.Connection:
    prepare_database(path, seed_value=seed, calls=calls, now=now)
    return db.connect(path)


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY id")] for t in TABLES}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    return seeded(tmp_path_factory.mktemp("seed") / "big.sqlite3", calls=20_000)


def test_same_seed_same_data_other_seed_other_calls(tmp_path: Path) -> None:
    first = dump(seeded(tmp_path / "a.sqlite3", seed=7))
    second = dump(seeded(tmp_path / "b.sqlite3", seed=7))
    other = dump(seeded(tmp_path / "c.sqlite3", seed=8))
    assert first == second
    assert first["call_logs"] != other["call_logs"]
    assert len(first["call_logs"]) == 2000


def test_reference_data(big: sqlite3.Connection) -> None:
    assert big.execute("SELECT COUNT(*) FROM projects").fetchone()[0] >= 3
    assert big.execute("SELECT COUNT(*) FROM agents").fetchone()[0] >= 8
    metrics = big.execute("SELECT eval_type, enum_values FROM metrics").fetchall()
    assert len(metrics) >= 10
    assert {m[0] for m in metrics} == set(catalog.EVAL_TYPES)
    for eval_type, enum_values in metrics:
        if eval_type == "enum":
            assert len(json.loads(enum_values)) >= 3
        else:
            assert enum_values is None


def test_calls_cover_the_last_30_days(big: sqlite3.Connection) -> None:
    start = (NOW - timedelta(days=30)).timestamp()
    low, high = big.execute("SELECT MIN(timestamp), MAX(timestamp) FROM call_logs").fetchone()
    assert start <= low and high <= NOW.timestamp()
    days = {
        int((NOW.timestamp() - ts) // 86400)
        for (ts,) in big.execute("SELECT timestamp FROM call_logs")
    }
    assert days == set(range(30))
    hours = Counter(
        datetime.fromtimestamp(ts, UTC).hour
        for (ts,) in big.execute("SELECT timestamp FROM call_logs")
    )
    assert hours[14] > 3 * hours[3], "busier in the afternoon than at night"


def test_believable_distributions(big: sqlite3.Connection) -> None:
    rates = [r[0] for r in big.execute("SELECT AVG(success) FROM call_logs GROUP BY agent_id")]
    assert len(rates) >= 8 and max(rates) - min(rates) > 0.15, "agents differ"
    durations = sorted(r[0] for r in big.execute("SELECT duration FROM call_logs"))
    median = statistics.median(durations)
    assert 60 < median < 300
    assert durations[int(len(durations) * 0.99)] > 2.5 * median, "a long tail (log-normal)"
    assert durations[0] >= 4
    reasons = Counter(r[0] for r in big.execute("SELECT call_ended_reason FROM call_logs"))
    assert {
        "customer-ended-call",
        "assistant-ended-call",
        "silence-timed-out",
        "pipeline-error",
    } <= set(reasons)
    assert reasons.most_common(1)[0][0] == "customer-ended-call"
    total = sum(reasons.values())
    null_dropoff = big.execute(
        "SELECT COUNT(*) FROM call_logs WHERE dropoff_point IS NULL"
    ).fetchone()[0]
    assert 0.2 < null_dropoff / total < 0.95
    null_success = big.execute("SELECT COUNT(*) FROM call_logs WHERE success IS NULL").fetchone()[0]
    assert 0 < null_success < total * 0.05
    keys = Counter()
    for (metadata,) in big.execute("SELECT metadata FROM call_logs"):
        keys.update(json.loads(metadata).keys())
    assert keys["region"] == keys["plan"] == keys["org_name"] == total
    customers = big.execute("SELECT COUNT(DISTINCT customer_number) FROM call_logs").fetchone()[0]
    assert total * 0.05 < customers < total, "repeat callers"


def test_metric_evaluations(big: sqlite3.Connection) -> None:
    calls = big.execute("SELECT COUNT(*) FROM call_logs").fetchone()[0]
    evaluations = big.execute("SELECT COUNT(*) FROM metric_evaluations").fetchone()[0]
    assert evaluations >= 3 * calls
    rows = big.execute(
        "SELECT m.eval_type, m.enum_values, me.value FROM metric_evaluations me "
        "JOIN metrics m ON m.id = me.metric_id"
    ).fetchall()
    for eval_type, enum_values, value in rows[:5000]:
        if eval_type == "binary":
            assert value in (0, 1)
        elif eval_type == "enum":
            assert value in json.loads(enum_values)
        elif eval_type == "continuous_qualitative":
            assert 0.0 <= value <= 1.0
        else:
            assert isinstance(value, float)
    good, bad = (
        big.execute(
            "SELECT AVG(me.value) FROM metric_evaluations me JOIN metrics m ON m.id = me.metric_id "
            "JOIN call_logs c ON c.id = me.call_log_id WHERE m.name = 'Accuracy' AND c.success = ?",
            (flag,),
        ).fetchone()[0]
        for flag in (1, 0)
    )
    assert good > bad + 0.1, "accuracy tracks success"


def test_dashboards_cover_every_chart_and_the_guide_examples(big: sqlite3.Connection) -> None:
    dashboards = big.execute("SELECT id, project_id, filters FROM dashboards").fetchall()
    widgets = big.execute(
        "SELECT w.*, m.eval_type FROM widgets w LEFT JOIN metrics m ON m.id = w.metric_id"
    ).fetchall()
    assert len(dashboards) >= 6 and len(widgets) >= 30
    assert any(d["project_id"] is None for d in dashboards)
    assert {w["chart_type"] for w in widgets} == set(catalog.CHART_TYPES)
    data_types = {
        catalog.plottable_data_type(w["field"]) for w in widgets if w["chart_type"] != "stat"
    }
    assert {"numeric", "boolean", "string", "dynamic"} <= data_types
    assert {w["time_period"] for w in widgets} >= set(catalog.TIME_PERIODS)
    assert {w["aggregation_function"] for w in widgets} >= set(catalog.AGGREGATIONS)
    assert {w["eval_type"] for w in widgets if w["eval_type"]} == set(catalog.EVAL_TYPES)
    group_types = {json.loads(w["group_by"])["type"] for w in widgets if w["group_by"]}
    assert group_types == {"field", "bucket"}

    every_filter = " ".join(
        f for f in [d["filters"] for d in dashboards] + [w["filters"] for w in widgets] if f
    )
    for fragment in (
        '"same_row"',
        '"or"',
        '"op":"in"',
        '"metadata.region"',
        '"now-7d"',
        '"op":"isnull"',
    ):
        assert fragment in every_filter, fragment

    for dashboard in dashboards:
        assert filter_problems(db.load_json(dashboard["filters"])) == {}
    for widget in widgets:
        as_api = dict(widget) | {
            "metric": widget["metric_id"],
            "group_by": db.load_json(widget["group_by"]),
        }
        assert widget_problems(as_api, widget["eval_type"]) == {}, widget["name"]
        assert filter_problems(db.load_json(widget["filters"])) == {}


def test_every_seeded_widget_has_data(demo_api_server: DemoAPI) -> None:
    widgets = demo_api_server.get("/dashboards/widgets/", params={"page_size": 1000}).json()
    seeded_ids = [w["id"] for w in widgets["results"] if w["created_at"] < "2100"][:40]
    response = demo_api_server.post(
        "/dashboards/widgets/bulk_data/", json={"widget_ids": seeded_ids}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == len(seeded_ids)


def test_an_old_database_moves_to_now_by_an_offset_not_by_rewriting_calls(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    before = dump(seeded(path, now=NOW))
    later = NOW + timedelta(days=3, hours=5)
    offset = prepare_database(path, seed_value=0, calls=2000, now=later)
    conn = db.connect(path)
    assert dump(conn) == before, "no row is rewritten on a later start"
    assert offset == (later - NOW).total_seconds()
    assert data_offset(conn) == offset
    assert float(db.get_meta(conn, "anchor") or 0) == NOW.timestamp(), "the anchor stays"
    newest = max(r[3] for r in before["call_logs"]) + offset
    assert later.timestamp() - 6 * 3600 < newest <= later.timestamp()


def test_a_fixed_now_anchors_data_and_relative_filters(tmp_path: Path) -> None:
    server = serve_in_thread(tmp_path / "fixed.sqlite3", "fixed-key", calls=300, now=NOW)
    try:
        headers = {"X-CEKURA-API-KEY": "fixed-key"}
        stat = requests.get(server.url + "/dashboards/widgets/1/data/", headers=headers, timeout=30)
        assert stat.status_code == 200, stat.text
        assert stat.json()["data"][0]["total_calls"] > 0, "now-30d is read against the fixed now"
        newest = requests.get(
            server.url + "/observability/v1/call-logs/",
            params={"page_size": 1},
            headers=headers,
            timeout=30,
        ).json()["results"][0]["timestamp"]
        assert newest.startswith("2026-03-1")
    finally:
        server.stop()


def test_the_data_tells_a_story(big: sqlite3.Connection) -> None:
    """Charts of the seeded dashboards show shapes: a weekly rhythm, one incident, agents
    whose success moves differently over the month."""
    from demo_api import seed

    rows = big.execute("SELECT timestamp, success, call_ended_reason, agent_id FROM call_logs")
    weekdays: Counter[int] = Counter()
    by_day: dict[int, list[int]] = {}
    incident_start, incident_end = seed._incident_window(NOW.timestamp())
    inside: list[tuple[int | None, str]] = []
    halves: dict[tuple[int, int], list[int]] = {}
    middle = NOW.timestamp() - 15 * 86400
    for ts, success, reason, agent in rows:
        moment = datetime.fromtimestamp(ts, UTC)
        weekdays[moment.weekday()] += 1
        by_day.setdefault(int(ts // 86400), []).append(success or 0)
        if incident_start <= ts < incident_end:
            inside.append((success, reason))
        halves.setdefault((agent, int(ts >= middle)), []).append(success or 0)
    assert weekdays[0] > 2 * weekdays[6], "Mondays are busier than Sundays"
    rates = {day: sum(v) / len(v) for day, v in by_day.items() if len(v) > 100}
    worst = min(rates, key=rates.__getitem__)
    assert worst == int(incident_start // 86400), "the incident day has the lowest success"
    assert rates[worst] < statistics.median(rates.values()) - 0.1
    assert sum(1 for _, r in inside if r == "pipeline-error") > len(inside) / 3
    share = {key: sum(v) / len(v) for key, v in halves.items()}
    assert share[(2, 1)] > share[(2, 0)] + 0.08, "Support Triage gets better"
    assert share[(5, 1)] < share[(5, 0)] - 0.08, "Payment Reminder slips"
