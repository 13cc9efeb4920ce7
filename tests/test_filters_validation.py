"""validate_filter: every message, its severity, node and path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cekura_dashboards.filter_tree import Group, parse_filter
from cekura_dashboards.filter_validation import (
    Problem,
    has_errors,
    problems_by_node,
    validate_filter,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 14, 14, 0, tzinfo=UTC)
AGENTS = [{"id": 3, "agent_name": "Billing Bot"}, {"id": 4, "agent_name": "Sales Bot"}]
METRICS = {5: "Accuracy"}


def check(data: Any, **kw: Any) -> list[Problem]:
    return validate_filter(parse_filter(data), now=NOW, **kw)


def only(data: Any, **kw: Any) -> Problem:
    problems = check(data, **kw)
    assert len(problems) == 1, problems
    return problems[0]


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def group(*children: Any, operator: str = "and") -> dict[str, Any]:
    return {"operator": operator, "conditions": list(children)}


def test_a_good_filter_has_no_problems() -> None:
    data = group(
        cond("timestamp", "gte", "now-7d"),
        cond("timestamp", "lte", "now"),
        cond("duration", "gte", 60),
        cond("agent.id", "in", [3, 4]),
        cond("metadata.region", "startswith", "eu"),
        cond("agent.agent_name", "regex", "^Bill.*$"),
        group(cond("success", "eq", True), cond("dropoff_point", "isnull", True), operator="or"),
        group(
            cond("metric_evaluations.metric.id", "eq", 5),
            cond("metric_evaluations.value", "gte", 0.9),
            operator="same_row",
        ),
    )
    assert check(data, agents=AGENTS, metrics=METRICS) == []
    assert validate_filter(None) == []


@pytest.mark.parametrize(
    ("data", "part", "message"),
    [
        (cond("nope", "eq", 1), "field", "There is no field 'nope'."),
        (cond("", "eq", 1), "field", "Choose a field."),
        (
            cond("metadata.a.b", "eq", "x"),
            "field",
            "Only top-level metadata keys can be filtered on; 'metadata.a.b' is nested.",
        ),
        (
            cond("metadata.a b", "eq", "x"),
            "field",
            "Metadata key 'a b' may use only letters, digits, '_' and '-'.",
        ),
        (
            cond("metadata.", "eq", "x"),
            "field",
            "Metadata needs a key, for example metadata.region.",
        ),
        (cond("topic", "like", "x"), "op", "'like' is not a comparison the API knows."),
        (
            cond("duration", "contains", "6"),
            "op",
            "Call duration (seconds) cannot use 'contains' (contains); choose one of 'is', "
            "'more than', 'at least', 'less than', 'at most'.",
        ),
        (
            cond("is_reviewed", "neq", True),
            "op",
            "Reviewed by a person cannot use 'is not' (neq); choose one of 'is'.",
        ),
        (
            cond("duration", "gte", "60"),
            "value",
            "Call duration (seconds) needs a number, not '60'.",
        ),
        (
            cond("duration", "gte", True),
            "value",
            "Call duration (seconds) needs a number, not true.",
        ),
        (cond("agent.id", "eq", 1.5), "value", "Agent needs a whole number, not 1.5."),
        (cond("success", "eq", "yes"), "value", "Call succeeded needs true or false, not 'yes'."),
        (
            cond("timestamp", "gte", "yesterday"),
            "value",
            "Call time needs a date and time (for example 2026-11-07T14:00:00Z, now-7d or "
            "today), not 'yesterday'.",
        ),
        (cond("topic", "eq", None), "value", "Call topic 'is' needs a value."),
        (
            cond("topic", "in", "billing"),
            "value",
            "Call topic 'is one of' needs a list of values, not 'billing'.",
        ),
        (
            cond("agent.id", "in", [3, "x"]),
            "value",
            "Agent: 'x' in the list is not a whole number.",
        ),
        (
            cond("dropoff_point", "isnull", "yes"),
            "value",
            "Drop-off point 'is empty' needs true or false, not 'yes'.",
        ),
        (
            cond("agent.agent_name", "regex", "(unclosed"),
            "value",
            "Agent name: The pattern '(unclosed' cannot be used: a '(' has no matching ')'.",
        ),
        (
            cond("agent.agent_name", "regex", 5),
            "value",
            "Agent name 'matches the pattern' needs a pattern as text, not 5.",
        ),
        (
            cond("metric_evaluations.value", "contains", 5),
            "value",
            "Metric score 'contains' needs text, not 5.",
        ),
        (
            cond("metric_evaluations.value", "eq", [1]),
            "value",
            "Metric score needs a number, text or true/false, not [1].",
        ),
    ],
)
def test_what_the_api_refuses_is_an_error_that_names_the_field_in_words(
    data: dict[str, Any], part: str, message: str
) -> None:
    problem = only(data)
    assert (problem.severity, problem.part, problem.message, problem.path) == (
        "error",
        part,
        message,
        "",
    )


def test_group_errors_unknown_operator_and_empty_group() -> None:
    root = parse_filter(group(cond("duration", "gt", 1), group(operator="or"), operator="xor"))
    assert isinstance(root, Group)
    problems = validate_filter(root, now=NOW)
    assert [(p.node_id, p.path, p.severity, p.part, p.message) for p in problems] == [
        (
            root.node_id,
            "",
            "error",
            "operator",
            "'xor' is not a way to combine conditions; use and, or, or same_row.",
        ),
        (
            root.conditions[1].node_id,
            "conditions[1]",
            "error",
            "conditions",
            "This group has no conditions; add one or remove the group.",
        ),
    ]


def test_same_row_allows_only_metric_evaluation_fields_reported_once() -> None:
    data = group(
        group(
            cond("metric_evaluations.metric.id", "eq", 5),
            group(cond("duration", "gt", 5), operator="same_row"),
            operator="same_row",
        )
    )
    problem = only(data)
    assert problem.path == "conditions[0].conditions[1].conditions[0]"
    assert problem.part == "field"
    assert problem.message == (
        "Call duration (seconds) is not part of a metric evaluation, so it cannot be in a "
        "'same metric evaluation' group."
    )


def test_duplicates_and_in_with_one_value_are_warnings_an_empty_in_is_an_error() -> None:
    """An empty 'is one of' matches no call, and the API refuses it (RULES.md: `in` takes
    a list of values), so it blocks saving like any value the API refuses."""
    problems = check(
        group(
            cond("topic", "in", ["billing"]),
            cond("duration", "gt", 5),
            cond("duration", "gt", 5),
            cond("call_ended_reason", "in", []),
            group(cond("success", "eq", True), operator="or"),
            group(cond("success", "eq", True), operator="or"),
        )
    )
    assert [(p.path, p.severity, p.message) for p in problems] == [
        ("conditions[0]", "warning", "Call topic 'is one of' has only 'billing'; use 'is' instead."),
        ("conditions[2]", "warning", "This condition is the same as item 2 of its group."),
        ("conditions[3]", "error", "Why the call ended 'is one of' needs at least one value."),
        ("conditions[5]", "warning", "This group is the same as item 5 of its group."),
    ]  # fmt: skip
    assert has_errors(problems)


def test_problems_come_in_tree_order_and_group_by_node() -> None:
    root = parse_filter(group(cond("nope", "eq", 1), cond("topic", "in", ["a"])))
    assert isinstance(root, Group)
    problems = validate_filter(root, now=NOW)
    assert [p.path for p in problems] == ["conditions[0]", "conditions[1]"]
    grouped = problems_by_node(problems)
    assert set(grouped) == {root.conditions[0].node_id, root.conditions[1].node_id}
    assert has_errors(problems)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            cond("duration", "gt", 60),
            cond("duration", "lt", 30),
            "Call duration (seconds) cannot be more than 60 and less than 30 at once; no call matches.",
        ),
        (
            cond("duration", "lte", 30),
            cond("duration", "gte", 60),
            "Call duration (seconds) cannot be at least 60 and at most 30 at once; no call matches.",
        ),
        (
            cond("duration", "gt", 60),
            cond("duration", "lte", 60),
            "Call duration (seconds) cannot be more than 60 and at most 60 at once; no call matches.",
        ),
        (
            cond("duration", "eq", 90),
            cond("duration", "lt", 60),
            "Call duration (seconds) cannot be 90 and less than 60 at once; no call matches.",
        ),
        (
            cond("topic", "eq", "a"),
            cond("topic", "eq", "b"),
            "Call topic cannot be both 'a' and 'b'; no call matches.",
        ),
        (
            cond("success", "eq", True),
            cond("success", "eq", False),
            "Call succeeded cannot be both true and false; no call matches.",
        ),
        (
            cond("topic", "eq", "a"),
            cond("topic", "neq", "a"),
            "Call topic cannot be 'a' and not 'a'; no call matches.",
        ),
        (
            cond("topic", "in", ["b", "c"]),
            cond("topic", "eq", "a"),
            "Call topic is 'a' but must also be one of ['b', 'c']; no call matches.",
        ),
        (
            cond("topic", "in", ["a"]),
            cond("topic", "in", ["b", "c"]),
            "Call topic must be one of ['a'] and one of ['b', 'c'], which share no value; no call matches.",
        ),
        (
            cond("timestamp", "gte", "now-1d"),
            cond("timestamp", "lte", "now-2d"),
            "The time window starts (13 Nov 2026 14:00 UTC, on or after 'now-1d') after it ends "
            "(12 Nov 2026 14:00 UTC, on or before 'now-2d'); no call matches.",
        ),
        (
            cond("timestamp", "gte", "today"),
            cond("timestamp", "lt", "2026-11-14T00:00:00Z"),
            "The time window starts (14 Nov 2026 00:00 UTC, on or after 'today') after it ends "
            "(14 Nov 2026 00:00 UTC, before '2026-11-14T00:00:00Z'); no call matches.",
        ),
    ],
)  # fmt: skip
def test_contradictions_in_one_and_are_errors_on_the_later_condition(
    first: dict[str, Any], second: dict[str, Any], message: str
) -> None:
    problems = check(group(cond("duration", "gte", 1), first, second))
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.path, p.message) for p in errors] == [("conditions[2]", message)]
    assert not has_errors(check(group(first, second, operator="or")))


@pytest.mark.parametrize(
    "pair",
    [
        (cond("duration", "gte", 60), cond("duration", "lte", 60)),
        (cond("duration", "eq", 60), cond("duration", "eq", 60.0)),
        (cond("topic", "eq", "a"), cond("topic", "in", ["a", "b"])),
        (cond("topic", "eq", "a"), cond("topic", "neq", "b")),
        (cond("timestamp", "gte", "today"), cond("timestamp", "lte", "today")),
        (cond("duration", "gte", 60), cond("topic", "eq", "a")),
    ],
)
def test_compatible_conditions_are_not_contradictions(pair: tuple[Any, Any]) -> None:
    assert check(group(*pair)) == []


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        (cond("timestamp", "gte", "now-30d"), False),
        (cond("timestamp", "gte", "today-30d"), False),
        (cond("timestamp", "gte", "now-31d"), True),
        (cond("timestamp", "gt", "now-5w"), True),
        (cond("timestamp", "gte", "2026-10-01T00:00:00Z"), True),
        (cond("timestamp", "eq", "2026-10-01"), True),
        (cond("timestamp", "lte", "now-40d"), False),  # an end, not a start
        # the API uses the latest start in an `and`, so an older one beside it is fine
        (group(cond("timestamp", "gte", "now-40d"), cond("timestamp", "gte", "now-7d")), False),
        # an `or` starts at its earliest branch, when every branch has a start
        (group(cond("timestamp", "gte", "now-40d"), cond("timestamp", "gte", "now-7d"), operator="or"), True),
        (group(cond("timestamp", "gte", "now-40d"), cond("duration", "gt", 1), operator="or"), False),
    ],
)  # fmt: skip
def test_a_start_more_than_30_days_back_is_an_error(data: Any, refused: bool) -> None:
    errors = [p for p in check(data) if p.severity == "error"]
    assert bool(errors) is refused
    if refused:
        assert len(errors) == 1
        assert errors[0].part == "value"
        assert errors[0].message.startswith("Call time ")
        assert "more than 30 days ago" in errors[0].message
        assert "Choose a later start" in errors[0].message


def test_too_far_back_message_names_the_value_and_the_moment() -> None:
    problem = only(cond("timestamp", "gte", "now-31d"))
    assert problem.message == (
        "Call time 'now-31d' starts on 14 Oct 2026 14:00 UTC, more than 30 days ago. Cekura "
        "charts cover at most the last 30 days, so every widget would show an error instead "
        "of data. Choose a later start, for example 'Last 30 days'."
    )


def test_unknown_agent_and_metric_ids_are_warnings_only_when_lists_are_given() -> None:
    data = group(
        cond("agent.id", "in", [3, 9]),
        group(cond("metric_evaluations.metric.id", "eq", 6), operator="same_row"),
    )
    problems = check(data, agents=AGENTS, metrics=METRICS)
    assert [(p.path, p.severity, p.message) for p in problems] == [
        ("conditions[0]", "warning", "There is no agent with ID 9 in this project."),
        ("conditions[1].conditions[0]", "warning", "There is no metric with ID 6 in this project."),
    ]
    assert check(data) == []


def test_agent_lists_may_be_models_dicts_or_mappings() -> None:
    class AgentModel:
        def __init__(self, id: int, agent_name: str) -> None:
            self.id, self.agent_name = id, agent_name

    data = cond("agent.id", "eq", 3)
    assert check(data, agents=[AgentModel(3, "Billing Bot")]) == []
    assert check(data, agents={3: "Billing Bot"}) == []
    assert only(data, agents={4: "Sales Bot"}).severity == "warning"


def test_a_relative_date_too_far_back_to_name_a_day_is_an_error() -> None:
    tree = parse_filter({"field": "timestamp", "op": "gte", "value": "now-99999999y"})
    problems = validate_filter(tree, now=NOW)
    assert [p.severity for p in problems] == ["error"]
    assert "now-99999999y" in problems[0].message and problems[0].part == "value"


def test_a_new_number_condition_starts_as_a_lower_bound() -> None:
    from cekura_dashboards.filter_edit import add_condition
    from cekura_dashboards.filter_tree import filter_to_json

    tree = parse_filter(
        {"operator": "and", "conditions": [{"field": "duration", "op": "gte", "value": 60}]}
    )
    added = add_condition(tree, tree.node_id, field="duration")
    assert filter_to_json(added)["conditions"][1]["op"] == "gte"
    assert not has_errors(validate_filter(added, now=NOW))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (cond("metric_evaluations.value", "gt", "happy"), "Metric score needs a number"),
        (cond("metric_evaluations.value", "in", [1, "a", True]), None),
        (cond("id", "eq", 2**63), "Call ID: 9223372036854775808 is too large"),
        (cond("agent.agent_name", "regex", "a" * 501), "at most 500 characters"),
        (cond("topic", "eq", "\ud800"), "not valid Unicode"),
        (cond("timestamp", "eq", "9999-12-31"), "Call time '9999-12-31'"),
    ],
)
def test_values_the_api_refuses_are_errors(data: dict[str, Any], fragment: str | None) -> None:
    """The value rules the demo API applies too (a score ordered by text compares nothing;
    the database's integers are 64-bit)."""
    errors = [p for p in check(data) if p.severity == "error"]
    if fragment is None:
        assert errors == []
    else:
        assert len(errors) == 1 and fragment in errors[0].message, errors
        assert errors[0].origin == "api"


def test_errors_say_who_refuses_them() -> None:
    problems = check(
        group(
            cond("timestamp", "gte", "now-60d"),
            cond("duration", "gt", 10),
            cond("duration", "lt", 5),
            cond("topic", "in", ["a"]),
        )
    )
    assert [(p.path, p.severity, p.origin) for p in problems] == [
        ("conditions[0]", "error", "widget_data"),
        ("conditions[2]", "error", "app"),
        ("conditions[3]", "warning", "app"),
    ]


def test_contradictions_compare_only_conditions_that_can_clash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long `and` of lower bounds on one field (nothing can clash) is checked without
    comparing every pair; a clash among them is still found and said once."""
    from cekura_dashboards import filter_validation as fv

    compared: list[int] = []
    real = fv._conflict

    def counting(*args: Any) -> str | None:
        compared.append(1)
        return real(*args)

    monkeypatch.setattr(fv, "_conflict", counting)
    rows = [{"field": "duration", "op": "gte", "value": i} for i in range(300)]
    assert validate_filter(parse_filter({"operator": "and", "conditions": rows})) == []
    assert compared == []
    rows.append({"field": "duration", "op": "lt", "value": 100})
    problems = validate_filter(parse_filter({"operator": "and", "conditions": rows}))
    assert len(problems) == 1 and "at once" in problems[0].message
    assert len(compared) <= 300
