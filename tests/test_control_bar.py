"""The control bar's date range and agent filter: what it reads from a tree, what it
refuses to show, and that writing changes only its own conditions (exact round trip)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cekura_dashboards.control_bar import (
    ALL_AGENTS,
    QUICK_RANGES,
    ControlBarError,
    DateRange,
    Unreadable,
    agents_label,
    custom_range,
    quick_range,
    read_agents,
    read_date_range,
    write_agents,
    write_date_range,
)
from cekura_dashboards.filter_tree import Condition, Group, filter_to_json, iter_nodes, parse_filter
from cekura_dashboards.filter_validation import has_errors, validate_filter

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 20, 14, 45, tzinfo=UTC)


def ts(op: str, value: str) -> dict[str, Any]:
    return {"field": "timestamp", "op": op, "value": value}


def agent(op: str, value: Any) -> dict[str, Any]:
    return {"field": "agent.id", "op": op, "value": value}


def and_(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "and", "conditions": list(conditions)}


def or_(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "or", "conditions": list(conditions)}


TOPIC = {"field": "topic", "op": "eq", "value": "billing"}


# --- reading ------------------------------------------------------------------------------
def test_no_filter_has_no_range_and_all_agents() -> None:
    assert read_date_range(None) is None
    assert read_agents(None) == ()
    assert agents_label(()) == ALL_AGENTS


@pytest.mark.parametrize("quick", QUICK_RANGES, ids=lambda q: q.key)
def test_each_quick_pick_reads_back_as_itself(quick: Any) -> None:
    tree = write_date_range(parse_filter(TOPIC), quick_range(quick.key))
    read = read_date_range(tree)
    assert isinstance(read, DateRange)
    assert read.quick == quick
    assert read.label == quick.label
    assert filter_to_json(tree) == and_(ts("gte", quick.start), TOPIC)


def test_start_and_end_now_is_still_the_quick_pick() -> None:
    read = read_date_range(parse_filter(and_(ts("gte", "now-30d"), ts("lte", "now"))))
    assert read == DateRange("now-30d", "now")
    assert isinstance(read, DateRange) and read.quick is not None
    assert read.quick.label == "Last 30 days"


def test_other_relative_start_is_shown_in_words_not_as_a_quick_pick() -> None:
    read = read_date_range(parse_filter(ts("gte", "today-14d")))
    assert isinstance(read, DateRange)
    assert read.quick is None
    assert read.label == "14 days ago (whole day) – now (UTC)"


def test_custom_range_reads_as_custom_with_both_moments() -> None:
    value = custom_range(datetime(2026, 5, 1, 8, 0), datetime(2026, 5, 3, 17, 30), now=NOW)
    assert value == DateRange("2026-05-01T08:00:00Z", "2026-05-03T17:30:00Z")
    tree = write_date_range(None, value)
    read = read_date_range(tree)
    assert isinstance(read, DateRange) and read.is_custom
    assert read.label == "1 May 2026 08:00 – 3 May 2026 17:30 (UTC)"
    assert not has_errors(validate_filter(tree, now=NOW))


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (datetime(2026, 5, 3), datetime(2026, 5, 1), "must start before it ends"),
        (datetime(2026, 4, 1), datetime(2026, 5, 1), "more than 30 days ago"),
        (datetime(2026, 5, 19), datetime(2026, 5, 21, 1), "after today"),
    ],
)
def test_custom_range_outside_the_last_30_days_is_refused(
    start: datetime, end: datetime, words: str
) -> None:
    with pytest.raises(ControlBarError, match=words):
        custom_range(start, end, now=NOW)


def test_unknown_quick_pick_names_the_choices() -> None:
    with pytest.raises(ControlBarError, match="1h, 24h, 7d, 14d, 30d"):
        quick_range("2d")


@pytest.mark.parametrize(
    ("tree", "words"),
    [
        (or_(ts("gte", "now-7d"), TOPIC), "inside a group"),
        (and_(TOPIC, and_(ts("gte", "now-7d"), TOPIC)), "inside a group"),
        (and_(ts("gte", "now-7d"), ts("gte", "now-1d")), "more than one start"),
        (and_(ts("lte", "now"), ts("lt", "now-1h")), "more than one end"),
        (ts("eq", "today"), "one exact time"),
    ],
)
def test_date_range_the_bar_cannot_show(tree: dict[str, Any], words: str) -> None:
    node = parse_filter(tree)
    read = read_date_range(node)
    assert isinstance(read, Unreadable)
    assert words in read.reason
    assert read.label.endswith("set in the builder below.")
    with pytest.raises(ControlBarError, match=words):
        write_date_range(node, quick_range("7d"))


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (agent("eq", 7), (7,)),
        (and_(ts("gte", "now-7d"), agent("in", [8, 7])), (8, 7)),
        (and_(ts("gte", "now-7d"), TOPIC), ()),
        (or_(TOPIC, {"field": "success", "op": "eq", "value": True}), ()),
    ],
)
def test_agents_the_bar_reads(tree: dict[str, Any], expected: tuple[int, ...]) -> None:
    assert read_agents(parse_filter(tree)) == expected


@pytest.mark.parametrize(
    ("tree", "words"),
    [
        (and_(agent("neq", 7)), "uses 'neq'"),
        (and_(agent("eq", 7), agent("eq", 8)), "more than one agent"),
        (or_(agent("eq", 7), TOPIC), "inside a group"),
        (and_(agent("in", [])), "empty list"),
        (and_(agent("in", [7, "x"])), "not an agent id"),
        (and_(agent("eq", True)), "uses 'eq'"),
    ],
)
def test_agents_the_bar_cannot_show(tree: dict[str, Any], words: str) -> None:
    node = parse_filter(tree)
    read = read_agents(node)
    assert isinstance(read, Unreadable)
    assert words in read.reason
    with pytest.raises(ControlBarError):
        write_agents(node, [9])


def test_agents_label_uses_names_when_known() -> None:
    assert agents_label((7, 9), {7: "Billing Bot"}) == "Billing Bot, Agent 9"


# --- writing ------------------------------------------------------------------------------
def test_writing_agents_one_several_none() -> None:
    base = parse_filter(and_(ts("gte", "now-7d"), TOPIC))
    one = write_agents(base, [7])
    assert filter_to_json(one) == and_(ts("gte", "now-7d"), TOPIC, agent("eq", 7))
    several = write_agents(one, [7, 8])
    assert filter_to_json(several) == and_(ts("gte", "now-7d"), TOPIC, agent("in", [7, 8]))
    back = write_agents(several, [])
    assert filter_to_json(back) == filter_to_json(base)


def test_writing_keeps_other_nodes_ids_and_order() -> None:
    base = parse_filter(and_(TOPIC, ts("gte", "now-30d"), agent("eq", 7), ts("lte", "now")))
    assert isinstance(base, Group)
    topic_id = base.conditions[0].node_id
    start_id = base.conditions[1].node_id
    changed = write_date_range(base, quick_range("7d"))
    assert isinstance(changed, Group)
    # The end (`lte now`) goes, the start changes in place with its id.
    assert filter_to_json(changed) == and_(TOPIC, ts("gte", "now-7d"), agent("eq", 7))
    assert [c.node_id for c in changed.conditions[:2]] == [topic_id, start_id]
    assert changed.conditions[2] is base.conditions[2]


def test_a_lone_condition_root_stays_a_condition_when_rewritten_in_place() -> None:
    base = parse_filter(ts("gte", "now-30d"))
    changed = write_date_range(base, quick_range("24h"))
    assert isinstance(changed, Condition)
    assert filter_to_json(changed) == ts("gte", "now-24h")
    assert write_date_range(changed, None) is None


def test_an_or_root_without_time_gets_wrapped_when_a_range_is_set() -> None:
    base = parse_filter(or_(TOPIC, {"field": "success", "op": "eq", "value": False}))
    changed = write_date_range(base, quick_range("7d"))
    assert filter_to_json(changed) == and_(ts("gte", "now-7d"), filter_to_json(base))


def test_adding_an_end_puts_it_after_the_start() -> None:
    base = parse_filter(and_(TOPIC, ts("gte", "now-7d")))
    changed = write_date_range(base, DateRange("now-7d", "now-1d"))
    assert filter_to_json(changed) == and_(TOPIC, ts("gte", "now-7d"), ts("lte", "now-1d"))


def test_a_key_order_of_the_server_survives_an_in_place_change() -> None:
    base = parse_filter(
        {"conditions": [{"value": "now-30d", "op": "gte", "field": "timestamp"}], "operator": "and"}
    )
    changed = write_date_range(base, quick_range("7d"))
    assert list(filter_to_json(changed)) == ["conditions", "operator"]  # type: ignore[arg-type]
    assert list(filter_to_json(changed)["conditions"][0]) == ["value", "op", "field"]  # type: ignore[index]


def test_bad_agent_ids_are_refused_by_name() -> None:
    with pytest.raises(ControlBarError, match="'7' is not one"):
        write_agents(None, ["7"])  # type: ignore[list-item]


def test_a_range_with_wrong_ops_is_refused() -> None:
    with pytest.raises(ControlBarError, match="gt/gte"):
        write_date_range(None, DateRange("now-7d", start_op="lte"))


# --- properties ---------------------------------------------------------------------------
others = st.sampled_from(
    [
        TOPIC,
        {"field": "success", "op": "eq", "value": True},
        {"field": "duration", "op": "gt", "value": 60},
        or_(TOPIC, {"field": "dropoff_point", "op": "isnull", "value": False}),
        {
            "operator": "same_row",
            "conditions": [{"field": "metric_evaluations.metric.id", "op": "eq", "value": 3}],
        },
    ]
)
starts = st.sampled_from(
    [None, ts("gte", "now-7d"), ts("gt", "2026-05-01T00:00:00Z"), ts("gte", "today-3d")]
)
ends = st.sampled_from([None, ts("lte", "now"), ts("lt", "2026-05-19T00:00:00Z")])
agent_parts = st.sampled_from([None, agent("eq", 7), agent("in", [7, 8]), agent("in", [9])])
ranges = st.sampled_from(
    [
        None,
        *(quick_range(q.key) for q in QUICK_RANGES),
        DateRange("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z"),
        DateRange(None, "now-1h"),
    ]
)
agent_sets = st.lists(st.integers(min_value=1, max_value=20), max_size=4).map(tuple)


@st.composite
def bar_trees(draw: st.DrawFn) -> dict[str, Any] | None:
    parts = [draw(starts), draw(ends), draw(agent_parts), *draw(st.lists(others, max_size=3))]
    present = [p for p in parts if p is not None]
    order = draw(st.permutations(present))
    if not order:
        return None
    if len(order) == 1 and draw(st.booleans()):
        return order[0]
    return and_(*order)


@settings(max_examples=300, deadline=None)
@given(tree=bar_trees(), new_range=ranges, new_agents=agent_sets)
def test_round_trips_and_only_the_bar_s_conditions_change(
    tree: dict[str, Any] | None, new_range: DateRange | None, new_agents: tuple[int, ...]
) -> None:
    node = parse_filter(tree)
    old_range, old_agents = read_date_range(node), read_agents(node)
    assert not isinstance(old_range, Unreadable) and not isinstance(old_agents, Unreadable)
    # Read -> write the same value -> the identical tree.
    assert write_date_range(node, old_range) is node
    assert write_agents(node, old_agents) is node
    # Write -> read gives what was written; the other part and other nodes are untouched.
    changed = write_agents(write_date_range(node, new_range), new_agents)
    assert read_date_range(changed) == new_range
    assert read_agents(changed) == new_agents
    owned = ("timestamp", "agent.id")

    def others_of(n: Any) -> list[tuple[str, Any]]:
        top = n.conditions if isinstance(n, Group) and n.operator == "and" else (n,) if n else ()
        return [
            (c.node_id, filter_to_json(c))
            for c in top
            if not (isinstance(c, Condition) and c.field in owned)
        ]

    if not (isinstance(node, Group) and node.operator != "and"):
        assert others_of(changed) == others_of(node)
    # Putting the old values back gives the old JSON whenever the same parts exist.
    restored = write_agents(write_date_range(changed, old_range), old_agents)
    same_shape = (
        old_range is None
        or new_range is None
        or (
            (old_range.start is None) == (new_range.start is None)
            and (old_range.end is None) == (new_range.end is None)
        )
    ) and (not old_agents) == (not new_agents)
    # A one-item `in [9]` is written back as `eq 9`, the form the bar writes for one agent.
    one_item_in = '"in", "value": [9]' in json.dumps(tree)
    if (
        same_shape
        and not one_item_in
        and old_range is not None
        and new_range is not None
        and old_agents
        and new_agents
    ):
        assert filter_to_json(restored) == tree
    assert {n.node_id for _, n in iter_nodes(changed)} >= {nid for nid, _ in others_of(node)}
