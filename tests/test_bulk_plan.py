"""The bulk dry run: each dashboard sorted into change / no change / skipped, with the exact
PATCH body, the change list in words and the reason; nothing here can send a request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cekura_dashboards import bulk_plan as bp
from cekura_dashboards.control_bar import quick_range
from cekura_dashboards.filter_tree import parse_filter
from cekura_dashboards.models import Dashboard

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AGENTS = {7: "Billing Bot", 8: "Support Bot", 9: "Sales Bot"}


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def and_(*c: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "and", "conditions": list(c)}


def or_(*c: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "or", "conditions": list(c)}


LAST_7 = cond("timestamp", "gte", "now-7d")


def dash(dashboard_id: int, filters: Any, name: str | None = None) -> Dashboard:
    return Dashboard(
        id=dashboard_id,
        name=name if name is not None else f"D{dashboard_id}",
        project=1,
        filters=filters,
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def plan(change: bp.BulkChange, *dashboards: Dashboard) -> bp.BulkPlan:
    return bp.plan_bulk(dashboards, change, now=NOW, agents=AGENTS)


def test_replace_agent_gives_the_exact_body_and_words_and_keeps_the_copy() -> None:
    d = dash(1, and_(LAST_7, cond("agent.id", "in", [7, 9])))
    (item,) = plan(bp.replace_agent(7, 8, AGENTS), d).items
    assert item.status == "change"
    assert item.body == {"filters": and_(LAST_7, cond("agent.id", "in", [8, 9]))}
    assert item.before is d
    assert item.changes and "Support Bot" in " ".join(item.changes)
    assert "Billing Bot" in " ".join(item.changes)
    assert item.filters_after == item.body["filters"]


def test_a_tree_that_already_fits_is_no_change_with_no_body() -> None:
    d = dash(2, and_(LAST_7, cond("agent.id", "eq", 9)))
    (item,) = plan(bp.replace_agent(7, 8, AGENTS), d).items
    assert (item.status, item.body, item.reason) == ("no change", None, bp.NO_CHANGE)
    assert item.filters_after == d.filters


def test_no_filter_at_all_is_no_change_for_replace_and_remove() -> None:
    d = dash(3, None)
    assert plan(bp.replace_agent(7, 8), d).items[0].status == "no change"
    assert plan(bp.remove_field("topic"), d).items[0].status == "no change"


def test_change_that_does_not_apply_is_skipped_with_the_reason() -> None:
    all_agents = dash(4, and_(LAST_7))
    (item,) = plan(bp.remove_agents([7], AGENTS), all_agents).items
    assert item.status == "skipped" and item.body is None
    assert "all agents" in item.reason


def test_date_range_inside_an_or_group_is_skipped() -> None:
    d = dash(5, or_(LAST_7, cond("topic", "eq", "billing")))
    (item,) = plan(bp.set_date_range(quick_range("14d")), d).items
    assert item.status == "skipped"
    assert "group" in item.reason


def test_a_filter_the_app_cannot_read_is_skipped() -> None:
    d = dash(6, {"operator": "and", "conditions": "not a list"})
    (item,) = plan(bp.remove_field("topic"), d).items
    assert item.status == "skipped"
    assert item.reason.startswith("Its stored filter cannot be read")


def test_a_change_that_would_make_the_filter_invalid_is_skipped_and_says_why() -> None:
    # replacing a duration by text: "at least 'long'" is refused by the API
    d = dash(7, and_(LAST_7, cond("duration", "gte", 60)))
    (item,) = plan(bp.replace_value("duration", 60, "long"), d).items
    assert item.status == "skipped" and item.body is None
    assert item.reason.startswith("The change would make it invalid")
    assert any(p.severity == "error" for p in item.problems)


def test_an_already_invalid_filter_is_skipped_as_such() -> None:
    d = dash(8, and_(LAST_7, cond("duration", "gte", "long"), cond("topic", "eq", "a")))
    (item,) = plan(bp.replace_value("topic", "a", "b"), d).items
    assert item.status == "skipped"
    assert item.reason.startswith("Its filter already has errors")


def test_date_range_reaching_past_30_days_is_not_sent() -> None:
    d = dash(9, and_(cond("timestamp", "gte", "now-7d")))
    old = bp.set_date_range(bp.DateRange("2026-09-01T00:00:00Z"))
    (item,) = plan(old, d).items
    assert item.status == "skipped"
    assert "30 days" in item.reason


def test_add_condition_at_top_level_and_again_is_no_change() -> None:
    node = parse_filter(cond("topic", "eq", "payments"))
    assert node is not None
    change = bp.add_at_top_level(node)
    d = dash(10, and_(LAST_7))
    (item,) = plan(change, d).items
    assert item.status == "change"
    assert item.body == {"filters": and_(LAST_7, cond("topic", "eq", "payments"))}
    again = dash(11, item.body["filters"])
    assert plan(change, again).items[0].status == "no change"
    assert "payments" in change.label


def test_remove_field_everywhere_may_leave_no_filter() -> None:
    d = dash(12, and_(cond("topic", "eq", "a")))
    (item,) = plan(bp.remove_field("topic"), d).items
    assert item.status == "change" and item.body == {"filters": None}


def test_plan_keeps_order_and_counts() -> None:
    changed = dash(20, and_(LAST_7, cond("agent.id", "eq", 7)))
    fits = dash(21, and_(LAST_7, cond("agent.id", "eq", 9)))
    skipped = dash(22, {"bad": 1})
    result = plan(bp.replace_agent(7, 8, AGENTS), changed, fits, skipped)
    assert [i.dashboard_id for i in result.items] == [20, 21, 22]
    assert result.counts() == {"change": 1, "no change": 1, "skipped": 1}
    assert [i.dashboard_id for i in result.to_send] == [20]
    assert result.summary() == "1 will change, 1 already fit, 1 skipped"


def test_warnings_do_not_skip() -> None:
    # agent 99 is not among the known agents: a warning, the change still goes
    d = dash(30, and_(LAST_7, cond("agent.id", "eq", 7)))
    (item,) = plan(bp.replace_agent(7, 99, AGENTS), d).items
    assert item.status == "change"
    assert item.problems and all(p.severity == "warning" for p in item.problems)


@pytest.mark.parametrize(
    "make",
    [
        lambda: bp.replace_agent(7, 7),
        lambda: bp.add_agents([]),
        lambda: bp.remove_agents([]),
        lambda: bp.replace_value("topic", "a", "a"),
    ],
)
def test_changes_that_mean_nothing_are_refused_up_front(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_labels_use_names() -> None:
    assert bp.replace_agent(7, 8, AGENTS).label == "Replace agent Billing Bot by Support Bot"
    assert bp.add_agents([9], AGENTS).label == "Add Sales Bot to the agent filter"
    assert bp.set_date_range(quick_range("7d")).label == "Set the date range to Last 7 days"
    assert bp.replace_value("agent.id", 1, True).label.startswith("Replace 1 by true")
