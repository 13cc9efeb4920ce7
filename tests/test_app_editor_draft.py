"""The editor's draft (undo/redo, dirty mark, rebase after a conflict) and the value
editors' pure helpers, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cekura_dashboards.filter_edit import add_condition, set_value
from cekura_dashboards.filter_tree import Condition
from cekura_dashboards.models import Dashboard
from components.json_editor import path_words, pending_problem
from components.value_editors import (
    ABSOLUTE,
    CUSTOM,
    iso_utc,
    parse_number,
    resolved_words,
    time_mode_of,
)
from components.widget_table import effective_filter_json, group_by_words, widget_rows
from services import drafts
from services.drafts import Draft

pytestmark = pytest.mark.unit

WEEK = {"operator": "and", "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}]}


def dashboard(**changes: object) -> Dashboard:
    data = {
        "id": 7,
        "name": "Ops",
        "project": 1,
        "filters": WEEK,
        "updated_at": "2026-11-20T10:00:00.000001Z",
        "widgets": [],
    }
    data.update(changes)
    return Dashboard.model_validate(data)


def new_draft(loaded: Dashboard | None = None) -> Draft:
    return drafts.new_draft(loaded or dashboard())


def test_undo_redo_walk_back_and_forth_and_keep_node_ids() -> None:
    draft = new_draft()
    root_id = draft.tree.node_id
    draft.change(name="Ops v2")
    draft.edit_tree(lambda t: add_condition(t, None, "duration", "gte", 60))
    added = draft.tree.conditions[-1].node_id
    assert draft.is_dirty() and len(draft.undo_stack) == 2
    assert draft.undo() and draft.filters_json() == WEEK
    assert draft.undo() and draft.name == "Ops" and not draft.is_dirty()
    assert not draft.undo()
    assert draft.redo() and draft.redo()
    assert draft.tree.node_id == root_id and draft.tree.conditions[-1].node_id == added
    assert not draft.redo()


def test_a_no_op_edit_records_no_undo_step() -> None:
    draft = new_draft()
    draft.change(name="Ops")
    cond_id = draft.tree.conditions[0].node_id
    draft.edit_tree(lambda t: set_value(t, cond_id, "now-7d"))
    assert draft.undo_stack == []


def test_a_new_edit_clears_redo() -> None:
    draft = new_draft()
    draft.change(name="A")
    draft.undo()
    draft.change(name="B")
    assert draft.redo_stack == [] and draft.name == "B"


def test_discard_is_undoable() -> None:
    draft = new_draft()
    draft.change(name="Changed")
    draft.discard()
    assert draft.name == "Ops" and not draft.is_dirty()
    draft.undo()
    assert draft.name == "Changed"


def test_rebase_keeps_my_changed_keys_and_takes_theirs_for_the_rest() -> None:
    draft = new_draft()
    draft.change(name="Mine")
    theirs_filter = {"field": "topic", "op": "eq", "value": "billing"}
    theirs = dashboard(name="Ops", filters=theirs_filter, updated_at="2026-11-21T10:00:00Z")
    draft.rebase(theirs)
    assert draft.loaded is theirs
    assert draft.name == "Mine" and draft.filters_json() == theirs_filter
    assert draft.body()["filters"] == theirs_filter


def test_saved_makes_a_fresh_baseline() -> None:
    draft = new_draft()
    draft.change(name="Saved name")
    draft.saved(dashboard(name="Saved name"))
    assert not draft.is_dirty() and draft.undo_stack == [] and draft.redo_stack == []


def test_what_is_worked_out_of_a_draft_follows_each_kind_of_change() -> None:
    # is_dirty is kept between edits (a builder edit asks it several times); every way a
    # draft changes must be seen, or Save would be offered (or refused) wrongly
    draft = new_draft()
    asked: list[str] = []

    def key() -> str:
        return draft.worked_out("key", lambda: asked.append("x") or str(draft.filters_json()))

    assert key() == key() and len(asked) == 1  # unchanged: worked out once
    assert not draft.is_dirty()
    draft.edit_tree(lambda t: add_condition(t, None, "duration", "gte", 60))
    assert draft.is_dirty() and "60" in key() and len(asked) == 2
    draft.undo()
    assert not draft.is_dirty() and "60" not in key()
    draft.change(name="Renamed")
    assert draft.is_dirty()
    draft.undo()
    draft.change(project=2)
    assert draft.is_dirty()
    draft.undo()
    assert not draft.is_dirty()
    # only the server copy changes: theirs is now what I have, so nothing is left to save
    draft.edit_tree(lambda t: add_condition(t, None, "duration", "gte", 90))
    assert draft.is_dirty()
    tree = draft.tree
    draft.rebase(dashboard(filters=draft.filters_json(), updated_at="2026-11-21T10:00:00Z"))
    assert draft.tree is tree and not draft.is_dirty()
    draft.change(name="Mine")
    draft.saved(dashboard(name="Mine"))
    assert not draft.is_dirty()
    draft.remove_widget("w1")  # no such widget: nothing changes
    assert not draft.is_dirty()


def test_null_name_stays_null_in_the_body() -> None:
    draft = new_draft(dashboard(name=None))
    assert draft.body()["name"] is None and not draft.is_dirty()


def test_invalid_json_is_kept_and_valid_json_applies_as_one_step() -> None:
    draft = new_draft()
    assert not draft.apply_json('{"field": "duration"')
    assert draft.pending_json is not None
    assert draft.pending_json.text == '{"field": "duration"'
    assert "not valid JSON" in draft.pending_json.message
    draft.change(name="other edit")  # typed JSON survives unrelated edits
    assert draft.pending_json is not None
    assert draft.apply_json('{"field": "duration", "op": "gte", "value": 60}')
    assert draft.pending_json is None and isinstance(draft.tree, Condition)
    draft.undo()
    assert draft.filters_json() == WEEK
    assert draft.apply_json("  ")
    assert draft.tree is None


def test_json_errors_name_the_node() -> None:
    draft = new_draft()
    draft.apply_json('{"operator": "and", "conditions": [{"field": "x", "op": "eq"}]}')
    assert draft.pending_json is not None
    assert "conditions[0]" in pending_problem(draft.pending_json)
    assert path_words("conditions[1].conditions[0].op") == "the top group › item 2 › item 1 › op"


def test_numbers_typed_as_text() -> None:
    assert parse_number("60", integer=True) == 60
    assert parse_number("1.5", integer=False) == 1.5
    assert parse_number("1.5", integer=True) == "1.5"
    assert parse_number("abc", integer=False) == "abc"
    assert parse_number("inf", integer=False) == "inf"


def test_time_modes_and_resolved_windows() -> None:
    assert time_mode_of("now-7d", None) == "now-7d"
    assert time_mode_of("now-3h", None) == CUSTOM
    assert time_mode_of("2026-11-07T14:00:00Z", None) == ABSOLUTE
    assert time_mode_of("now-7d", CUSTOM) == CUSTOM
    assert time_mode_of("now", None) == "now"
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    cond = Condition("timestamp", "gte", "now-24h")
    assert resolved_words(cond, now) == "= 25 Nov 2026 12:00 UTC (moves with the clock)"
    assert resolved_words(Condition("timestamp", "gte", "soon"), now) == "Not a time yet."
    assert iso_utc(datetime(2026, 11, 7, 14, 0, tzinfo=UTC)) == "2026-11-07T14:00:00Z"


def test_widget_rows_in_words() -> None:
    widgets = [
        {
            "id": 1,
            "name": "<b>Volume</b>",
            "chart_type": "bar",
            "field": "duration",
            "aggregation_function": "p95",
            "time_period": "day",
            "group_by": {"type": "field", "field": "agent.id"},
            "filters": {"field": "success", "op": "eq", "value": True},
        },
        {"id": 2, "name": None, "chart_type": "stat", "field": ""},
    ]
    table = widget_rows(widgets)
    first = table.iloc[0].to_dict()
    assert first["Name"] == "<b>Volume</b>"  # a dataframe cell is text, never HTML
    assert first["Plots"] == "Call duration (seconds)"
    assert first["Aggregation"] == "95th percentile" and first["Period"] == "Daily"
    assert first["Group by"] == "Agent"
    assert "succeeded" in first["Its own filter"]
    second = table.iloc[1].to_dict()
    assert second["Name"] == "(no name)" and second["Plots"].startswith("Call summary")
    assert group_by_words({"type": "bucket", "interval": 3_600_000}) == "Buckets of 1 hour"
    merged = effective_filter_json(WEEK, {"field": "topic", "op": "eq", "value": "x"})
    assert merged == {
        "operator": "and",
        "conditions": [WEEK, {"field": "topic", "op": "eq", "value": "x"}],
    }
    assert effective_filter_json(None, None) is None


@pytest.mark.parametrize(
    ("saved", "typed"),
    [(True, "1"), (60, "60.0"), (1, "true"), (0, "false")],
)
def test_a_json_edit_that_only_changes_the_json_type_is_unsaved(saved: object, typed: str) -> None:
    """`true` -> `1` in the JSON editor is a change the preview and the PATCH show, so the
    dirty mark must show it too (with ==, True == 1 read as "All changes saved")."""
    field = "is_reviewed" if isinstance(saved, bool) else "duration"
    loaded = dashboard(filters={"field": field, "op": "eq", "value": saved})
    draft = new_draft(loaded)
    assert not draft.is_dirty()
    assert draft.apply_json(f'{{"field": "{field}", "op": "eq", "value": {typed}}}')
    assert draft.is_dirty()


def test_rebase_keeps_a_change_that_only_changed_the_json_type() -> None:
    """true -> 1 is the user's change: after their rename, the rebase keeps my filter."""
    flag = {"field": "is_reviewed", "op": "eq", "value": True}
    draft = new_draft(dashboard(filters=flag))
    assert draft.apply_json('{"field": "is_reviewed", "op": "eq", "value": 1}')
    theirs = dashboard(filters=flag, name="Renamed by them", updated_at="2026-11-21T10:00:00Z")
    draft.rebase(theirs)
    assert draft.name == "Renamed by them"
    assert draft.filters_json() == {"field": "is_reviewed", "op": "eq", "value": 1}
    assert draft.filters_json()["value"] is not True
    assert draft.changes() == {"filters": {"field": "is_reviewed", "op": "eq", "value": 1}}
