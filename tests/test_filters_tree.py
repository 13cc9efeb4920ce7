"""The filter tree: exact JSON round trips, clear refusals, navigation by id and path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cekura_dashboards.catalog import ALL_OPS, FIELDS, LOGICAL_OPERATORS
from cekura_dashboards.filter_tree import (
    Condition,
    FilterParseError,
    Group,
    filter_to_json,
    find,
    iter_nodes,
    node_at_path,
    parent_of,
    parse_filter,
)

pytestmark = pytest.mark.unit

EXAMPLE = {
    "operator": "and",
    "conditions": [
        {"field": "timestamp", "op": "gte", "value": "today-7d"},
        {"field": "duration", "op": "gte", "value": 60},
        {"value": 60.0, "op": "lt", "field": "duration"},
        {"conditions": [{"field": "success", "op": "eq", "value": True}], "operator": "or"},
        {
            "operator": "same_row",
            "conditions": [
                {"field": "metric_evaluations.metric.name", "op": "in", "value": ["a", "b"]},
                {"field": "metric_evaluations.value", "op": "gte", "value": 0.9},
            ],
        },
    ],
}


def exactly_equal(a: Any, b: Any) -> bool:
    """Equal, with the same key order and the same JSON types (true is not 1)."""
    return a == b and json.dumps(a) == json.dumps(b)


def test_round_trip_keeps_types_and_key_order() -> None:
    node = parse_filter(EXAMPLE)
    dumped = filter_to_json(node)
    assert exactly_equal(dumped, EXAMPLE)
    assert dumped is not EXAMPLE
    assert list(dumped["conditions"][2]) == ["value", "op", "field"]  # type: ignore[index]
    assert type(dumped["conditions"][1]["value"]) is int  # type: ignore[index]
    assert type(dumped["conditions"][2]["value"]) is float  # type: ignore[index]
    assert dumped["conditions"][3]["conditions"][0]["value"] is True  # type: ignore[index]


def test_none_is_no_filter_and_a_lone_condition_is_a_filter() -> None:
    assert parse_filter(None) is None
    assert filter_to_json(None) is None
    single = {"field": "is_reviewed", "op": "eq", "value": False}
    node = parse_filter(single)
    assert isinstance(node, Condition) and node.value is False
    assert exactly_equal(filter_to_json(node), single)


def test_json_text_is_accepted_and_bad_json_text_is_refused() -> None:
    node = parse_filter('{"field": "duration", "op": "gt", "value": 1}')
    assert isinstance(node, Condition) and node.value == 1
    with pytest.raises(FilterParseError) as caught:
        parse_filter('{"field": "duration",')
    assert caught.value.path == ""
    assert "not valid JSON" in caught.value.message and "line 1" in caught.value.message


def test_ids_are_unique_never_dumped_and_fresh_on_each_parse() -> None:
    first, second = parse_filter(EXAMPLE), parse_filter(EXAMPLE)
    ids = [node.node_id for _, node in iter_nodes(first)]
    assert len(ids) == len(set(ids)) == 9
    assert not {n.node_id for _, n in iter_nodes(second)} & set(ids)
    assert first == second  # equality is about content, not ids
    assert "node_id" not in json.dumps(filter_to_json(first))
    assert all(i not in json.dumps(filter_to_json(first)) for i in ids)


def test_dump_is_a_copy_so_the_tree_stays_unchanged() -> None:
    node = parse_filter({"field": "topic", "op": "in", "value": ["a"]})
    dumped = filter_to_json(node)
    dumped["value"].append("b")  # type: ignore[index]
    assert filter_to_json(node) == {"field": "topic", "op": "in", "value": ["a"]}


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ([], "", "got a list"),
        ("null-ish", "", "not valid JSON"),
        ({}, "", "Expected a condition with field, op and value"),
        ({"field": "x", "op": "eq"}, "", "Missing 'value'"),
        ({"operator": "and"}, "", "Missing 'conditions'"),
        ({"field": "x", "op": "eq", "value": 1, "extra": 2}, "", "Unexpected key 'extra'"),
        ({"field": "x", "op": "eq", "value": 1, "operator": "and"}, "", "not both"),
        ({"field": 3, "op": "eq", "value": 1}, "field", "'field' must be a string"),
        ({"field": "x", "op": None, "value": 1}, "op", "'op' must be a string, got null"),
        ({"operator": 1, "conditions": []}, "operator", "'operator' must be a string"),
        ({"operator": "and", "conditions": {}}, "conditions", "'conditions' must be a list"),
        (
            {"operator": "and", "conditions": [{"field": "x", "op": "eq", "value": 1}, 5]},
            "conditions[1]",
            "got a number",
        ),
        ({"field": "x", "op": "eq", "value": float("nan")}, "value", "not a number JSON"),
        ({"field": "x", "op": "in", "value": [1, (2,)]}, "value[1]", "got a Python tuple"),
        ({"field": "x", "op": "eq", "value": {1: 2}}, "value", "keys must be strings"),
        ({"field": "x", "op": "eq", "value": {1, 2}}, "value", "got a Python set"),
    ],
)
def test_malformed_filters_are_refused_with_a_path_and_clear_words(
    data: Any, path: str, words: str
) -> None:
    with pytest.raises(FilterParseError) as caught:
        parse_filter(data)
    assert caught.value.path == path
    assert words in caught.value.message


def test_nesting_deeper_than_the_limit_is_refused_not_crashed() -> None:
    data: Any = {"field": "x", "op": "eq", "value": 1}
    for _ in range(200):
        data = {"operator": "and", "conditions": [data]}
    with pytest.raises(FilterParseError, match="nested more than"):
        parse_filter(data)
    with pytest.raises(FilterParseError):
        parse_filter("[" * 100_000)


def test_find_parent_and_node_at_path() -> None:
    root = parse_filter(EXAMPLE)
    assert isinstance(root, Group)
    same_row = root.conditions[4]
    assert isinstance(same_row, Group)
    inner = same_row.conditions[1]
    assert find(root, inner.node_id) is inner
    assert find(root, "missing") is None
    assert parent_of(root, inner.node_id) is same_row
    assert parent_of(root, root.node_id) is None
    assert node_at_path(root, "conditions[4].conditions[1].value") is inner
    assert node_at_path(root, "conditions[4]") is same_row
    assert node_at_path(root, "") is root
    assert node_at_path(root, "conditions[9]") is None
    assert node_at_path(root, "conditions[1].conditions[0]") is None


# --- property: random trees round-trip exactly or are refused clearly ------------------
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
not_json = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    st.tuples(st.integers()),
    st.frozensets(st.integers(), max_size=2),
    st.binary(max_size=3),
    st.builds(object),
    st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),
    st.lists(st.just(float("nan")), min_size=1, max_size=2),
)
field_names = st.sampled_from([*FIELDS, "metadata.region", "metadata.a.b", "nope", ""]) | st.text(
    max_size=6
)
op_names = st.sampled_from(ALL_OPS) | st.text(max_size=4)
operator_names = st.sampled_from(LOGICAL_OPERATORS) | st.text(max_size=4)
Case = tuple[Any, bool]  # (data, whether it has the shape of a filter)


def _ordered(draw: Any, pairs: dict[str, Any]) -> dict[str, Any]:
    keys = draw(st.permutations(list(pairs)))
    return {k: pairs[k] for k in keys}


@st.composite
def condition_case(draw: Any) -> Case:
    pairs = {"field": draw(field_names), "op": draw(op_names), "value": draw(json_values)}
    damage = draw(
        st.sampled_from(["none"] * 6 + ["value", "field", "op", "extra", "missing", "group_key"])
    )
    ok = damage == "none"
    if damage == "value":
        pairs["value"] = draw(not_json)
    elif damage in ("field", "op"):
        pairs[damage] = draw(st.one_of(st.none(), st.integers(), st.lists(st.text(), max_size=1)))
    elif damage == "extra":
        pairs[draw(st.text(max_size=5).filter(lambda k: k not in pairs))] = 1
    elif damage == "missing":
        del pairs[draw(st.sampled_from(sorted(pairs)))]
    elif damage == "group_key":
        pairs["conditions"] = []
    return _ordered(draw, pairs), ok


@st.composite
def leaf_case(draw: Any) -> Case:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(json_scalars, st.lists(json_scalars, max_size=2), not_json)), False
    return draw(condition_case())


def group_case(children: Any) -> Any:
    @st.composite
    def build(draw: Any) -> Case:
        kids = draw(st.lists(children, max_size=4))
        pairs: dict[str, Any] = {
            "operator": draw(operator_names),
            "conditions": [data for data, _ in kids],
        }
        ok = all(kid_ok for _, kid_ok in kids)
        damage = draw(st.sampled_from(["none"] * 8 + ["operator", "conditions", "extra"]))
        if damage == "operator":
            pairs["operator"] = draw(st.one_of(st.none(), st.integers(), st.booleans()))
            ok = False
        elif damage == "conditions":
            pairs["conditions"] = draw(st.one_of(st.none(), st.text(max_size=3), st.just({})))
            ok = False
        elif damage == "extra":
            pairs["field"] = "duration"
            ok = False
        return _ordered(draw, pairs), ok

    return build()


# A bare string or bytes at the top is read as JSON text (tested above), not as a value.
filter_cases = st.one_of(
    st.just((None, True)), st.recursive(leaf_case(), group_case, max_leaves=12)
).filter(lambda case: not isinstance(case[0], str | bytes))
# null at the top is "no filter" (valid); only inside a group is it malformed.
filter_cases = filter_cases.map(lambda case: (None, True) if case[0] is None else case)


@settings(max_examples=1000, deadline=None)
@given(filter_cases)
def test_random_trees_round_trip_exactly_or_are_refused_clearly(case: Case) -> None:
    data, well_formed = case
    try:
        node = parse_filter(data)
    except FilterParseError as refused:
        assert not well_formed, f"a well-formed filter was refused: {refused}"
        assert isinstance(refused.path, str)
        assert refused.message.strip() and refused.message.endswith(".")
        assert str(refused)
        return
    assert well_formed, "a malformed filter was accepted"
    assert exactly_equal(filter_to_json(node), data)
