"""The pure widget rules and the working copy: resets in words, bodies with only changed
keys and never `metadata`, the stale-write check, rebase onto their copy, API item
errors by widget."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cekura_dashboards import widget_changes as changes
from cekura_dashboards import widget_rules as rules

pytestmark = pytest.mark.unit

PIE = {
    "id": 1,
    "name": "Topics",
    "chart_type": "pie",
    "field": "topic",
    "data_type": None,
    "metric": None,
    "time_period": None,
    "aggregation_function": None,
    "group_by": None,
    "filters": None,
    "metadata": {"position": {"x": 0}},
    "updated_at": "2026-01-01T00:00:00Z",
}
STAT = {**PIE, "id": 2, "name": "Summary", "chart_type": "stat", "field": ""}


def test_bar_to_pie_resets_the_aggregation_to_count_and_says_so() -> None:
    bar = rules.Choices(
        name="d", field="duration", chart_type="bar", time_period="day", aggregation="avg"
    )
    metric = replace(bar, field="metric_evaluations.value", metric=5, eval_type="numeric")
    pie, notes = rules.choose(metric, chart_type="pie")
    assert pie.aggregation == "count" and pie.time_period is None
    assert "Aggregation reset to count: pie charts only count." in notes
    assert "Time period cleared: only bar charts have one." in notes


def test_an_enum_metric_is_a_pie_only_and_stat_hides_the_field() -> None:
    enum = rules.Choices(field="metric_evaluations.value", metric=3, eval_type="enum")
    assert rules.chart_type_options(enum) == ("pie", "stat")
    stat, _ = rules.choose(enum, chart_type="stat")
    assert rules.create_body(replace(stat, name="s")) == {
        "name": "s",
        "chart_type": "stat",
        "field": "",
    }


def test_an_unchanged_widget_sends_nothing_and_metadata_never() -> None:
    opened = rules.choices_from_widget(PIE)
    assert rules.update_body(PIE, opened) == {}
    edited, _ = rules.choose(opened, field="call_ended_reason")
    assert rules.update_body(PIE, edited) == {"field": "call_ended_reason"}
    working = (changes.WorkingWidget("w1", 1, edited),)
    bulk = changes.bulk_of(working, [PIE, STAT])
    assert bulk.body() == {
        "create": [],
        "update": [{"id": 1, "field": "call_ended_reason"}],
        "delete": [2],
    }
    assert "metadata" not in str(bulk.body())
    assert changes.change_list(working, [PIE, STAT]) == [
        "Changed widget 'Topics': what it plots (now pie, of end reason)",
        "Deleted widget 'Summary' (summary numbers)",
    ]


def test_conflicts_and_rebase_keep_the_users_work() -> None:
    theirs = {**PIE, "name": "Their topics", "updated_at": "2026-01-02T00:00:00Z"}
    assert [c.widget_id for c in changes.widget_conflicts([PIE, STAT], [theirs], [1, 2])] == [1, 2]
    assert changes.widget_conflicts([PIE], [PIE], [1]) == []
    mine, _ = rules.choose(rules.choices_from_widget(PIE), field="dropoff_point")
    rebased = changes.rebase((changes.WorkingWidget("w1", 1, mine),), [PIE, STAT], [theirs])
    assert rebased is not None and len(rebased) == 1
    merged = rebased[0].choices
    assert merged is not None and (merged.name, merged.field) == ("Their topics", "dropoff_point")
    gone = changes.rebase((changes.WorkingWidget("w1", 1, mine),), [PIE], [])
    assert gone is not None and gone[0].widget_id is None  # their delete: mine comes back new


def test_api_item_errors_land_on_their_widget_and_field() -> None:
    new = rules.Choices(name="n", field="topic", chart_type="pie")
    bulk = changes.bulk_of((changes.WorkingWidget("nabc", None, new),), [])
    found = changes.errors_by_key(bulk, {"create": ["#1 chart_type: not as a line."]})
    assert found == {"nabc": {"chart_type": ["not as a line."]}}
