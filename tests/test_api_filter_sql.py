"""The demo API's filter compiler, op by op, on a handful of calls whose answers are known;
and its validation, message by message, keyed by node path."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cekura_dashboards import catalog
from cekura_dashboards.relative_dates import resolve_datetime
from demo_api import db
from demo_api.filter_sql import InvalidFilter, compile_filter, filter_problems, register_functions

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
TODAY = datetime(2026, 1, 15, tzinfo=UTC)

# id, agent_id, timestamp, duration, success, call_ended_reason, dropoff_point, topic,
# customer_number, is_reviewed, metadata
CALLS: list[tuple[Any, ...]] = [
    (
        1,
        1,
        NOW - timedelta(hours=1),
        30.0,
        1,
        "customer-ended-call",
        None,
        "billing",
        "+15550001",
        0,
        {"region": "eu-west", "plan": "pro"},
    ),
    (
        2,
        2,
        NOW - timedelta(days=1),
        120.5,
        0,
        "silence-timed-out",
        "payment step",
        "Refund_100%",
        "+15550002",
        1,
        {"region": "us-east"},
    ),
    (3, None, TODAY, None, None, "agent_ended", None, None, "555_0003", 0, {}),
    (
        4,
        1,
        NOW - timedelta(days=8),
        600.0,
        1,
        "CUSTOMER-ENDED-CALL",
        "greeting",
        "billing",
        "+44 20",
        0,
        {"region": "EU-WEST", "plan": "free", "org_name": 'O\'Brien "Ltd"'},
    ),
    (
        5,
        2,
        TODAY - timedelta(seconds=1),
        59.9,
        0,
        "customer-ended-call",
        "payment step",
        "plan",
        "+15550005",
        0,
        {"region": "ap-south", "plan": "pro"},
    ),
]
AGENTS = [(1, 1, "Alice Support"), (2, 1, "bob_sales")]
METRICS = [(1, 1, "accuracy", "numeric"), (2, 1, "sentiment", "enum"), (3, 1, "resolved", "binary")]
# call_log_id, metric_id, value
EVALUATIONS = [
    (1, 1, 0.95),
    (1, 2, "positive"),
    (1, 3, 1),
    (2, 1, 0.5),
    (2, 2, "negative"),
    (2, 3, 1),
    (4, 1, 0.9),
    (4, 3, 0),
    (5, 1, None),
]


def fill(conn: sqlite3.Connection) -> None:
    """The calls above, in the contract's schema (demo_api.db owns the DDL)."""
    db.create_schema(conn)
    conn.execute("INSERT INTO projects(id, name) VALUES (1, 'Support')")
    conn.executemany("INSERT INTO agents(id, project_id, agent_name) VALUES (?, ?, ?)", AGENTS)
    conn.executemany(
        "INSERT INTO metrics(id, project_id, name, eval_type) VALUES (?, ?, ?, ?)", METRICS
    )
    conn.executemany(
        "INSERT INTO call_logs(id, project_id, agent_id, timestamp, duration, success, "
        "call_ended_reason, dropoff_point, topic, customer_number, is_reviewed, metadata) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(c[0], c[1], c[2].timestamp(), *c[3:10], json.dumps(c[10])) for c in CALLS],
    )
    conn.executemany(
        "INSERT INTO metric_evaluations(call_log_id, metric_id, value) VALUES (?, ?, ?)",
        EVALUATIONS,
    )


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    register_functions(connection)
    fill(connection)
    yield connection
    connection.close()


def ids(conn: sqlite3.Connection, filters: Any) -> set[int]:
    where, params = compile_filter(filters, now=NOW)
    return {row[0] for row in conn.execute(f"SELECT c.id FROM call_logs c WHERE {where}", params)}


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


# --- compile_filter, op by op ---------------------------------------------------------

CASES = [
    ("no filter", None, {1, 2, 3, 4, 5}),
    ("empty object", {}, {1, 2, 3, 4, 5}),
    ("id eq", cond("id", "eq", 2), {2}),
    ("id in", cond("id", "in", [1, 3, 99]), {1, 3}),
    ("id gt", cond("id", "gt", 3), {4, 5}),
    ("id lte", cond("id", "lte", 2), {1, 2}),
    ("success eq true", cond("success", "eq", True), {1, 4}),
    ("success neq true keeps unknown", cond("success", "neq", True), {2, 3, 5}),
    ("success isnull", cond("success", "isnull", True), {3}),
    ("success not null", cond("success", "isnull", False), {1, 2, 4, 5}),
    ("duration gte", cond("duration", "gte", 59.9), {2, 4, 5}),
    ("duration lt int", cond("duration", "lt", 60), {1, 5}),
    ("duration eq float", cond("duration", "eq", 120.5), {2}),
    ("reason eq is exact", cond("call_ended_reason", "eq", "customer-ended-call"), {1, 5}),
    (
        "reason contains ignores case",
        cond("call_ended_reason", "contains", "ENDED-CALL"),
        {1, 4, 5},
    ),
    ("reason neq", cond("call_ended_reason", "neq", "customer-ended-call"), {2, 3, 4}),
    ("reason in", cond("call_ended_reason", "in", ["agent_ended", "nope"]), {3}),
    ("number startswith", cond("customer_number", "startswith", "+1555"), {1, 2, 5}),
    ("underscore is literal", cond("customer_number", "startswith", "555_"), {3}),
    ("underscore is no wildcard", cond("customer_number", "startswith", "+1555_"), set()),
    ("percent is no wildcard", cond("topic", "contains", "b%g"), set()),
    ("percent is literal", cond("topic", "contains", "100%"), {2}),
    ("underscore contains literal", cond("topic", "contains", "d_1"), {2}),
    ("topic isnull", cond("topic", "isnull", True), {3}),
    ("topic neq keeps missing", cond("topic", "neq", "billing"), {2, 3, 5}),
    ("dropoff isnull false", cond("dropoff_point", "isnull", False), {2, 4, 5}),
    ("is_reviewed", cond("is_reviewed", "eq", True), {2}),
    ("agent.id eq", cond("agent.id", "eq", 1), {1, 4}),
    ("agent.id isnull", cond("agent.id", "isnull", True), {3}),
    ("agent.id neq keeps no agent", cond("agent.id", "neq", 1), {2, 3, 5}),
    ("agent name contains", cond("agent.agent_name", "contains", "alice"), {1, 4}),
    ("agent name endswith", cond("agent.agent_name", "endswith", "_SALES"), {2, 5}),
    ("agent name regex", cond("agent.agent_name", "regex", r"^[A-Z]\w+ Sup"), {1, 4}),
    ("agent name in", cond("agent.agent_name", "in", ["bob_sales"]), {2, 5}),
    ("agent name isnull", cond("agent.agent_name", "isnull", True), {3}),
    ("metadata eq is exact", cond("metadata.region", "eq", "eu-west"), {1}),
    ("metadata contains ignores case", cond("metadata.region", "contains", "eu-"), {1, 4}),
    ("metadata missing key isnull", cond("metadata.plan", "isnull", True), {2, 3}),
    ("metadata neq keeps missing", cond("metadata.plan", "neq", "pro"), {2, 3, 4}),
    ("metadata with quotes", cond("metadata.org_name", "eq", 'O\'Brien "Ltd"'), {4}),
    ("metadata regex", cond("metadata.region", "regex", "^(eu|us)-"), {1, 2}),
    ("metadata endswith", cond("metadata.region", "endswith", "SOUTH"), {5}),
    ("regex is case-sensitive", cond("agent.agent_name", "regex", "alice"), set()),
    ("in is exact", cond("call_ended_reason", "in", ["CUSTOMER-ENDED-CALL"]), {4}),
    ("timestamp gte now-2h", cond("timestamp", "gte", "now-2h"), {1}),
    ("timestamp gte today", cond("timestamp", "gte", "today"), {1, 3}),
    ("timestamp gt today", cond("timestamp", "gt", "today"), {1}),
    ("timestamp lt today is before its end", cond("timestamp", "lt", "today"), {1, 2, 3, 4, 5}),
    ("timestamp lt today-1d", cond("timestamp", "lt", "today-1d"), {2, 4}),
    ("timestamp lte today-1d is end of yesterday", cond("timestamp", "lte", "today-1d"), {2, 4, 5}),
    ("timestamp eq today is the whole day", cond("timestamp", "eq", "today"), {1, 3}),
    ("timestamp eq today-1d", cond("timestamp", "eq", "today-1d"), {2, 5}),
    ("timestamp gte today-1w", cond("timestamp", "gte", "today-1w"), {1, 2, 3, 5}),
    ("timestamp gte absolute", cond("timestamp", "gte", "2026-01-14T12:00:00Z"), {1, 2, 3, 5}),
    ("timestamp eq absolute date", cond("timestamp", "eq", "2026-01-14"), {2, 5}),
    ("timestamp lte absolute date is its end", cond("timestamp", "lte", "2026-01-14"), {2, 4, 5}),
    ("timestamp with offset", cond("timestamp", "lt", "2026-01-15T13:00:00+02:00"), {2, 3, 4, 5}),
    (
        "metric name eq: some evaluation",
        cond("metric_evaluations.metric.name", "eq", "sentiment"),
        {1, 2},
    ),
    ("metric id neq: no such evaluation", cond("metric_evaluations.metric.id", "neq", 3), {3, 5}),
    ("metric id in", cond("metric_evaluations.metric.id", "in", [2]), {1, 2}),
    ("metric value gte skips text", cond("metric_evaluations.value", "gte", 0.9), {1, 2, 4}),
    ("metric value eq text", cond("metric_evaluations.value", "eq", "negative"), {2}),
    ("metric value contains text", cond("metric_evaluations.value", "contains", "POS"), {1}),
    ("metric value in mixed", cond("metric_evaluations.value", "in", ["positive", 0.5]), {1, 2}),
    (
        "metric value isnull: no value anywhere",
        cond("metric_evaluations.value", "isnull", True),
        {3, 5},
    ),
    ("metric value isnull false", cond("metric_evaluations.value", "isnull", False), {1, 2, 4}),
    ("metric value neq: none equal", cond("metric_evaluations.value", "neq", 1), {3, 4, 5}),
    (
        "and of two metric conditions: different rows may satisfy them",
        {
            "operator": "and",
            "conditions": [
                cond("metric_evaluations.metric.name", "eq", "accuracy"),
                cond("metric_evaluations.value", "gte", 0.9),
            ],
        },
        {1, 2, 4},
    ),
    (
        "same_row: one evaluation satisfies both",
        {
            "operator": "same_row",
            "conditions": [
                cond("metric_evaluations.metric.name", "eq", "accuracy"),
                cond("metric_evaluations.value", "gte", 0.9),
            ],
        },
        {1, 4},
    ),
    (
        "same_row with a nested or",
        {
            "operator": "same_row",
            "conditions": [
                cond("metric_evaluations.metric.id", "eq", 1),
                {
                    "operator": "or",
                    "conditions": [
                        cond("metric_evaluations.value", "lt", 0.6),
                        cond("metric_evaluations.value", "isnull", True),
                    ],
                },
            ],
        },
        {2, 5},
    ),
    (
        "same_row neq is on the row",
        {
            "operator": "same_row",
            "conditions": [
                cond("metric_evaluations.metric.id", "eq", 1),
                cond("metric_evaluations.value", "neq", 0.95),
            ],
        },
        {2, 4, 5},
    ),
    (
        "or of and",
        {
            "operator": "or",
            "conditions": [
                {
                    "operator": "and",
                    "conditions": [cond("topic", "eq", "billing"), cond("duration", "gt", 100)],
                },
                cond("agent.id", "isnull", True),
            ],
        },
        {3, 4},
    ),
]


@pytest.mark.unit
@pytest.mark.parametrize(("filters", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compiled_filter_selects_the_expected_calls(conn, filters, expected):
    assert ids(conn, filters) == expected


@pytest.mark.unit
def test_values_are_bound_never_spliced():
    sneaky = "x'); DROP TABLE call_logs;--"
    where, params = compile_filter(
        {
            "operator": "and",
            "conditions": [cond("topic", "eq", sneaky), cond("metadata.region", "in", [sneaky])],
        },
        now=NOW,
    )
    assert sneaky not in where and "DROP" not in where
    assert sneaky in params


@pytest.mark.unit
def test_every_catalog_field_and_op_compiles_and_runs(conn):
    """No (field, op) pair the catalog allows may produce SQL that SQLite rejects."""
    samples = {
        "integer": 1,
        "number": 1.5,
        "string": "a",
        "boolean": True,
        "datetime": "now-1d",
        "dynamic": 1,
    }
    fields = [*catalog.FIELDS.values(), catalog.field_spec("metadata.region")]
    for spec in fields:
        assert spec is not None
        for op in spec.ops:
            value: Any = samples[spec.kind]
            if op in ("contains", "startswith", "endswith", "regex"):
                value = "a"
            if op == "in":
                value = [value]
            if op == "isnull":
                value = False
            ids(conn, cond(spec.name, op, value))


@pytest.mark.unit
def test_wide_and_deep_filters_stay_within_sqlite_limits(conn):
    wide = {"operator": "or", "conditions": [cond("id", "eq", i) for i in range(900)]}
    assert ids(conn, wide) == {1, 2, 3, 4, 5}
    deep: dict[str, Any] = cond("id", "gte", 1)
    for _ in range(30):
        deep = {"operator": "and", "conditions": [deep]}
    assert ids(conn, deep) == {1, 2, 3, 4, 5}
    assert ids(conn, cond("id", "in", list(range(5000)))) == {1, 2, 3, 4, 5}


@pytest.mark.unit
def test_compile_refuses_an_invalid_filter():
    with pytest.raises(InvalidFilter) as caught:
        compile_filter(cond("duration", "regex", "x"), now=NOW)
    assert "op" in caught.value.problems


# --- resolve_datetime -----------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "op", "expected"),
    [
        ("now", "gte", NOW),
        ("now-2h", "gte", NOW - timedelta(hours=2)),
        ("now-30m", "lt", NOW - timedelta(minutes=30)),
        ("now-45s", "gt", NOW - timedelta(seconds=45)),
        ("today", "gte", TODAY),
        ("today", "gt", TODAY),
        ("today", "lte", TODAY.replace(hour=23, minute=59, second=59)),
        ("today", "lt", TODAY.replace(hour=23, minute=59, second=59)),
        ("today-7d", "gte", TODAY - timedelta(days=7)),
        (
            "today-1w",
            "lte",
            TODAY - timedelta(days=7) + timedelta(hours=23, minutes=59, seconds=59),
        ),
        ("now-1M", "gte", datetime(2025, 12, 15, 12, tzinfo=UTC)),
        ("now-2y", "gte", datetime(2024, 1, 15, 12, tzinfo=UTC)),
        ("2025-11-03T10:30:00Z", "gte", datetime(2025, 11, 3, 10, 30, tzinfo=UTC)),
        ("2025-11-03T10:30:00", "gte", datetime(2025, 11, 3, 10, 30, tzinfo=UTC)),
        ("2025-11-03T12:30:00+02:00", "gte", datetime(2025, 11, 3, 10, 30, tzinfo=UTC)),
    ],
)
def test_resolve_datetime(value, op, expected):
    assert resolve_datetime(value, op, NOW) == expected


@pytest.mark.unit
def test_month_steps_clamp_to_the_last_day():
    assert resolve_datetime("now-1M", "gte", datetime(2026, 3, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )


@pytest.mark.unit
@pytest.mark.parametrize("value", ["yesterday", "now-2", "now+2h", "today-7D", "", "2025-13-01"])
def test_resolve_datetime_refuses_nonsense(value):
    with pytest.raises(ValueError):
        resolve_datetime(value, "gte", NOW)


# --- filter_problems ------------------------------------------------------------------

PROBLEMS = [
    ("not an object", ["a"], "", 'got ["a"]'),
    ("neither shape", {"foo": 1}, "", "'foo'"),
    ("both shapes", {"field": "id", "op": "eq", "value": 1, "operator": "and"}, "", "not both"),
    ("unknown key in a condition", {**cond("id", "eq", 1), "extra": 1}, "", "'extra'"),
    (
        "unknown key in a group",
        {"operator": "and", "conditions": [cond("id", "eq", 1)], "x": 2},
        "",
        "'x'",
    ),
    ("unknown field", cond("colour", "eq", "red"), "field", "'colour'"),
    ("field not text", cond(5, "eq", "red"), "field", "5"),
    ("nested metadata", cond("metadata.a.b", "eq", "x"), "field", "nested"),
    ("bare metadata", cond("metadata.", "eq", "x"), "field", "key"),
    ("metadata key with a quote", cond('metadata.a"b', "eq", "x"), "field", "letters"),
    ("unknown op", cond("id", "like", 1), "op", "'like'"),
    ("op missing", {"field": "id", "value": 1}, "op", "needs an op"),
    ("op not for the field", cond("duration", "contains", "1"), "op", "'contains'"),
    ("regex on a call field", cond("topic", "regex", "a"), "op", "'regex'"),
    ("value missing", {"field": "id", "op": "eq"}, "value", "needs a value"),
    ("integer gets a string", cond("id", "eq", "5"), "value", "'5'"),
    ("integer gets a bool", cond("id", "eq", True), "value", "true"),
    ("integer gets a float", cond("agent.id", "eq", 1.5), "value", "1.5"),
    ("integer too big for SQLite", cond("id", "eq", 2**70), "value", "whole number"),
    ("number gets a string", cond("duration", "gt", "60"), "value", "'60'"),
    ("number gets a bool", cond("duration", "gt", False), "value", "false"),
    ("boolean gets 1", cond("success", "eq", 1), "value", "true or false"),
    ("boolean gets a string", cond("is_reviewed", "eq", "true"), "value", "'true'"),
    ("string gets a number", cond("topic", "eq", 5), "value", "5"),
    ("string gets null", cond("topic", "eq", None), "value", "null"),
    ("datetime nonsense", cond("timestamp", "gte", "last week"), "value", "'last week'"),
    ("datetime bad unit", cond("timestamp", "gte", "now-3q"), "value", "'now-3q'"),
    ("datetime number", cond("timestamp", "gte", 1700000000), "value", "1700000000"),
    ("the day after the last", cond("timestamp", "eq", "9999-12-31"), "value", "last day"),
    ("before year one", cond("timestamp", "gte", "now-3000y"), "value", "year 1"),
    ("step too big", cond("timestamp", "gte", "now-99999999999999999999d"), "value", "too far"),
    ("in without a list", cond("topic", "in", "billing"), "value", "list"),
    ("in with an empty list", cond("topic", "in", []), "value", "at least one"),
    ("in with a wrong item", cond("id", "in", [1, "2"]), "value", "'2'"),
    ("isnull with a string", cond("topic", "isnull", "yes"), "value", "'yes'"),
    ("isnull with 1", cond("topic", "isnull", 1), "value", "true or false"),
    ("bad regex", cond("agent.agent_name", "regex", "(unclosed"), "value", "'(unclosed'"),
    ("metric value gt text", cond("metric_evaluations.value", "gt", "high"), "value", "'high'"),
    ("metric value eq a list", cond("metric_evaluations.value", "eq", [1]), "value", "[1]"),
    (
        "unknown logical operator",
        {"operator": "xor", "conditions": [cond("id", "eq", 1)]},
        "operator",
        "'xor'",
    ),
    ("operator missing", {"conditions": [cond("id", "eq", 1)]}, "operator", "needs an operator"),
    ("empty group", {"operator": "and", "conditions": []}, "conditions", "at least one"),
    ("conditions not a list", {"operator": "and", "conditions": {"a": 1}}, "conditions", "list"),
    ("group child not an object", {"operator": "or", "conditions": [3]}, "conditions[0]", "got 3"),
    (
        "same_row over a call field",
        {
            "operator": "same_row",
            "conditions": [cond("metric_evaluations.value", "eq", 1), cond("topic", "eq", "x")],
        },
        "conditions[1].field",
        "'topic'",
    ),
    (
        "deep path",
        {
            "operator": "and",
            "conditions": [
                cond("id", "eq", 1),
                {"operator": "or", "conditions": [cond("topic", "oops", "x")]},
            ],
        },
        "conditions[1].conditions[0].op",
        "'oops'",
    ),
]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("filters", "path", "fragment"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
)
def test_filter_problems_name_the_path_and_the_bad_value(filters, path, fragment):
    problems = filter_problems(filters)
    assert path in problems, problems
    assert any(fragment in message for message in problems[path]), problems[path]


@pytest.mark.unit
def test_valid_filters_have_no_problems():
    valid = [
        None,
        {},
        cond("timestamp", "gte", "today-7d"),
        {
            "operator": "and",
            "conditions": [cond("timestamp", "gte", "now-30d"), cond("duration", "gte", 60)],
        },
        {
            "operator": "same_row",
            "conditions": [
                cond("metric_evaluations.metric.name", "eq", "accuracy"),
                cond("metric_evaluations.value", "gte", 0.9),
            ],
        },
        cond("metadata.org_name", "in", ["Acme", "Hooli"]),
        cond("metric_evaluations.value", "eq", True),
        cond("agent.agent_name", "regex", r"^Sales \d+$"),
        cond("duration", "lt", 10),
    ]
    for filters in valid:
        assert filter_problems(filters) == {}, filters


@pytest.mark.unit
def test_problems_are_reported_for_every_bad_node_at_once():
    problems = filter_problems(
        {
            "operator": "and",
            "conditions": [cond("id", "eq", "x"), cond("nope", "eq", 1), cond("topic", "in", 3)],
        }
    )
    assert set(problems) == {"conditions[0].value", "conditions[1].field", "conditions[2].value"}


@pytest.mark.unit
def test_messages_survive_text_that_is_not_valid_unicode():
    problems = filter_problems(cond("topic\ud800", "eq", "x"))
    message = problems["field"][0]
    message.encode("utf-8")  # would raise on a lone surrogate
    assert "\\ud800" in message


@pytest.mark.unit
def test_text_that_cannot_be_stored_is_refused():
    assert "value" in filter_problems(cond("topic", "eq", "bad\ud800"))


@pytest.mark.unit
def test_absurd_nesting_is_refused_not_crashing():
    deep: dict[str, Any] = cond("id", "eq", 1)
    for _ in range(200):
        deep = {"operator": "and", "conditions": [deep]}
    problems = filter_problems(deep)
    assert any("levels deep" in m for msgs in problems.values() for m in msgs)
    huge = {"operator": "or", "conditions": [cond("id", "eq", i) for i in range(1500)]}
    assert "at most" in filter_problems(huge)[""][0]


@pytest.mark.unit
def test_the_compiler_refuses_a_field_the_catalog_does_not_know() -> None:
    """compile_filter validates first; the compiler itself must not read an unknown field
    as a metadata key either (the catalog is the only list of columns)."""
    from demo_api.filter_sql import _Compiler

    compiler = _Compiler(NOW)
    with pytest.raises(ValueError, match="not in the catalog"):
        compiler.node({"field": "agent_id", "op": "eq", "value": 1}, False)
    sql = compiler.node({"field": "metadata.region", "op": "eq", "value": "eu"}, False)
    assert sql.startswith("json_extract(c.metadata, ?)")
    assert compiler.params[-2:] == ['$."region"', "eu"]
