"""SQL injection through filters: hostile values match literally or are refused, hostile
names are refused, and the tables are intact afterwards - in process and over HTTP."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from demo_api.errors import DetailError
from demo_api.filter_sql import InvalidFilter, compile_filter, filter_problems, register_functions
from demo_api.widget_data import widget_data
from tests.test_api_filter_sql import NOW, fill, ids

HOSTILE_VALUES = [
    "'); DROP TABLE call_logs;--",
    "x' OR '1'='1",
    '" OR 1=1 --',
    "1; DELETE FROM call_logs",
    "billing' --",
    "\\",
    "%' OR topic LIKE '%",
    "$.region",
    "?",
]
HOSTILE_FIELDS = [
    "id; DROP TABLE call_logs",
    'metadata.a"b',
    "metadata.a')--",
    "metadata.region' OR '1'='1",
    "metadata.$.x",
    "metadata.a b",
    "metadata.a.b",
    "agent.agent_name) OR (1=1",
    "c.id",
    "1=1",
]
TABLES = [
    "agents",
    "call_logs",
    "dashboards",
    "meta",
    "metric_evaluations",
    "metrics",
    "projects",
    "widgets",
]

pytestmark = pytest.mark.api


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    register_functions(connection)
    fill(connection)
    yield connection
    connection.close()


def assert_intact(conn: sqlite3.Connection, calls: int = 5) -> None:
    tables = sorted(
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    assert tables == TABLES
    assert conn.execute("SELECT COUNT(*) FROM call_logs").fetchone()[0] == calls


@pytest.mark.parametrize("value", HOSTILE_VALUES)
@pytest.mark.parametrize(
    ("field", "op"),
    [
        ("topic", "eq"),
        ("topic", "contains"),
        ("customer_number", "startswith"),
        ("agent.agent_name", "endswith"),
        ("metadata.region", "eq"),
        ("metadata.region", "contains"),
        ("metric_evaluations.metric.name", "eq"),
        ("metric_evaluations.value", "contains"),
    ],
)
def test_hostile_values_match_nothing_and_change_nothing(conn, field, op, value):
    assert ids(conn, {"field": field, "op": op, "value": value}) == set()
    assert ids(conn, {"field": field, "op": "in", "value": [value, value]}) == set()
    assert_intact(conn)


def test_a_hostile_value_that_is_stored_is_found_literally(conn):
    hostile = "'); DROP TABLE call_logs;--"
    conn.execute(
        "UPDATE call_logs SET topic = ?, metadata = ? WHERE id = 3",
        (hostile, json.dumps({"region": hostile})),
    )
    assert ids(conn, {"field": "topic", "op": "eq", "value": hostile}) == {3}
    assert ids(conn, {"field": "topic", "op": "contains", "value": "drop table"}) == {3}
    assert ids(conn, {"field": "metadata.region", "op": "in", "value": [hostile]}) == {3}
    assert ids(conn, {"field": "metadata.region", "op": "endswith", "value": ";--"}) == {3}
    assert_intact(conn)


def test_like_wildcards_in_values_are_literal(conn):
    assert ids(conn, {"field": "topic", "op": "contains", "value": "%"}) == {2}
    assert ids(conn, {"field": "customer_number", "op": "contains", "value": "_"}) == {3}
    assert ids(conn, {"field": "customer_number", "op": "startswith", "value": "%"}) == set()
    assert ids(conn, {"field": "agent.agent_name", "op": "endswith", "value": "_"}) == set()
    assert ids(conn, {"field": "metadata.region", "op": "contains", "value": "_"}) == set()


def test_hostile_regex_is_a_pattern_not_sql(conn):
    assert "value" in filter_problems(
        {"field": "agent.agent_name", "op": "regex", "value": "') OR 1=1 --"}
    )
    assert ids(conn, {"field": "agent.agent_name", "op": "regex", "value": "x' OR '1'='1"}) == set()
    assert ids(conn, {"field": "agent.agent_name", "op": "regex", "value": ".*"}) == {1, 2, 4, 5}
    assert_intact(conn)


@pytest.mark.parametrize("field", HOSTILE_FIELDS)
def test_hostile_field_names_are_refused(conn, field):
    filters = {"field": field, "op": "eq", "value": "x"}
    problems = filter_problems(filters)
    assert "field" in problems
    with pytest.raises(InvalidFilter):
        compile_filter(filters, now=NOW)
    assert_intact(conn)


@pytest.mark.parametrize("op", ["eq; DROP TABLE call_logs", "= 1 OR 1", "IS NOT NULL --"])
def test_hostile_ops_and_operators_are_refused(op):
    assert "op" in filter_problems({"field": "topic", "op": op, "value": "x"})
    group = {"operator": op, "conditions": [{"field": "id", "op": "eq", "value": 1}]}
    assert "operator" in filter_problems(group)


def test_hostile_widget_settings_are_refused(conn):
    dashboard = {"project": None, "filters": {"field": "timestamp", "op": "gte", "value": "now-7d"}}
    hostile = [
        {"chart_type": "pie", "field": "topic); DROP TABLE call_logs;--"},
        {"chart_type": "pie", "field": "metadata.a'b"},
        {
            "chart_type": "bar",
            "field": "duration",
            "group_by": {"type": "field", "field": "1); DROP TABLE x;--"},
        },
        {"chart_type": "bar", "field": "duration", "time_period": "day'); --"},
        {"chart_type": "bar", "field": "duration", "aggregation_function": "count(*)); --"},
    ]
    for widget in hostile:
        with pytest.raises(DetailError):
            widget_data(conn, widget, dashboard, None, now=NOW)
    assert_intact(conn)


# --- Over HTTP -----------------------------------------------------------------------------


def _call_count(api) -> int:
    response = api.get("/observability/v1/call-logs/", params={"page_size": 1})
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def test_hostile_filters_over_http_leave_the_server_and_data_intact(demo_api_server):
    api = demo_api_server
    before = _call_count(api)
    dashboards = api.get("/dashboards/dashboards/", params={"page_size": 100}).json()["results"]
    dashboard = next(d for d in dashboards if int(d["widget_count"]) > 0)
    widget_ids = [
        w["id"] for w in api.get(f"/dashboards/dashboards/{dashboard['id']}/").json()["widgets"]
    ]
    window = {"field": "timestamp", "op": "gte", "value": "now-7d"}
    for value in HOSTILE_VALUES:
        hostile = {
            "operator": "and",
            "conditions": [
                window,
                {
                    "operator": "or",
                    "conditions": [
                        {"field": "topic", "op": "eq", "value": value},
                        {"field": "metadata.region", "op": "contains", "value": value},
                    ],
                },
            ],
        }
        response = api.post(
            "/dashboards/widgets/bulk_data/", json={"widget_ids": widget_ids, "filters": hostile}
        )
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            if result["chart_type"] == "stat":
                assert result["data"][0]["total_calls"] == 0
            else:
                assert result["data"] == []
        logs = api.get("/observability/v1/call-logs/", params={"filters_v2": json.dumps(hostile)})
        assert logs.status_code == 200 and logs.json()["count"] == 0
    for field in HOSTILE_FIELDS:
        bad = {
            "operator": "and",
            "conditions": [window, {"field": field, "op": "eq", "value": "x"}],
        }
        response = api.post(
            "/dashboards/widgets/bulk_data/", json={"widget_ids": widget_ids, "filters": bad}
        )
        assert response.status_code == 400, response.text
        assert "conditions[1].field" in json.dumps(response.json())
        saved = api.patch(f"/dashboards/dashboards/{dashboard['id']}/", json={"filters": bad})
        assert saved.status_code == 400, saved.text
    assert _call_count(api) == before > 0
    assert (
        api.get(f"/dashboards/dashboards/{dashboard['id']}/").json()["filters"]
        == dashboard["filters"]
    )
