"""The pure parts of the history: what an entry changed, the draft as a stored document,
the export file and the import's dry run, and the journal's "who"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from admin_store.records import JournalEntry
from cekura_dashboards.models import Dashboard
from cekura_dashboards.transfer import (
    TransferError,
    export_document,
    plan_import,
    read_export,
    widget_problems,
)
from cekura_dashboards.widget_changes import WorkingWidget, new_key, working_copy
from cekura_dashboards.widget_rules import Choices
from services.access import ANONYMOUS, Actor, can
from services.drafts import draft_document, draft_from_document, new_draft
from services.history import describe_change, entry_after, entry_changes

pytestmark = pytest.mark.unit

WEEK = {"operator": "and", "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}]}
LINE = {"id": 3, "name": "Durations", "chart_type": "line", "field": "duration"}
COPY: dict[str, Any] = {
    "id": 7,
    "name": "Ops",
    "project": None,
    "filters": WEEK,
    "updated_at": "2026-11-20T10:00:00Z",
    "widgets": [LINE],
}


def entry(**fields: Any) -> JournalEntry:
    base: dict[str, Any] = {
        "id": 1,
        "started_at": datetime(2026, 11, 20, tzinfo=UTC),
        "completed_at": None,
        "actor": "ann",
        "base_url": "http://127.0.0.1:1",
        "kind": "update",
        "batch_id": None,
        "dashboard_id": 7,
        "dashboard_name": "Ops",
        "source_dashboard_id": None,
        "method": "PATCH",
        "path": "/dashboards/dashboards/7/",
        "before": COPY,
        "request": {"name": "Ops 2"},
        "response": None,
        "outcome": "refused",
        "status": 400,
        "message": "no",
    }
    return JournalEntry(**(base | fields))


def test_a_refused_patch_shows_what_it_asked_for_and_a_saved_one_the_answer() -> None:
    assert entry_after(entry())["name"] == "Ops 2"
    saved = {**COPY, "name": "Ops 3"}
    assert entry_after(entry(outcome="saved", response=saved)) == saved
    assert entry_changes(entry()) == ["Renamed 'Ops' to 'Ops 2'"]


def test_bulk_widgets_after_applies_the_answer_to_before() -> None:
    bulk = entry(
        method="POST",
        path="/dashboards/dashboards/7/bulk_widgets/",
        kind="bulk_widgets",
        request={"create": [], "update": [], "delete": [3]},
        response={"created": [{**LINE, "id": 9, "name": "Calls"}], "updated": [], "deleted": [3]},
        outcome="saved",
    )
    after = entry_after(bulk)
    assert [w["id"] for w in after["widgets"]] == [9]
    assert entry_changes(bulk) == ["Added widget 'Calls'", "Removed widget 'Durations'"]


def test_a_delete_says_what_went_and_a_create_what_came() -> None:
    gone = entry(kind="delete", method="DELETE", request=None, outcome="saved")
    assert entry_after(gone) is None
    assert entry_changes(gone) == ["Deleted the dashboard 'Ops' and its 1 widget(s)"]
    made = describe_change(None, {"name": "New", "project": None, "filters": None})
    assert made == ["Created the dashboard", "Named it 'New'"]


def test_a_draft_document_is_plain_json_and_reads_back() -> None:
    draft = new_draft(Dashboard.model_validate(COPY))
    draft.change(name="Ops, edited", project=4)
    draft.restoring_entry_id = 12
    document = json.loads(json.dumps(draft_document(draft)))
    back = draft_from_document(document)
    assert (back.name, back.project, back.filters_json()) == ("Ops, edited", 4, WEEK)
    assert back.loaded == draft.loaded and back.restoring_entry_id == 12
    assert back.changes() == draft.changes() and back.undo_stack == []
    with pytest.raises(ValueError):
        draft_from_document({"format": 99})


def test_a_draft_documents_widget_changes_read_back() -> None:
    draft = new_draft(Dashboard.model_validate(COPY))
    added = WorkingWidget(
        key=new_key(),
        choices=Choices(
            name="Calls per agent",
            field="duration",
            chart_type="bar",
            time_period="day",
            aggregation="avg",
            group_by={"type": "field", "field": "agent_id"},
        ),
    )
    draft.change(widgets=(*working_copy(draft.loaded.widgets or []), added))
    back = draft_from_document(json.loads(json.dumps(draft_document(draft))))
    assert back.widgets == draft.widgets
    assert back.widget_bulk() == draft.widget_bulk() and back.is_dirty()


def test_an_export_reads_back_and_a_broken_file_is_named() -> None:
    text = export_document([Dashboard.model_validate(COPY)])
    [item] = read_export(text)
    assert item["name"] == "Ops" and item["widgets"][0]["field"] == "duration"
    with pytest.raises(TransferError, match="not JSON"):
        read_export("{")
    with pytest.raises(TransferError, match="not a dashboards export"):
        read_export('{"dashboards": []}')
    with pytest.raises(TransferError, match="no dashboards"):
        read_export(json.dumps({**json.loads(text), "dashboards": []}))


def test_the_dry_run_checks_filters_widgets_and_projects() -> None:
    items = json.loads(export_document([Dashboard.model_validate(COPY)]))["dashboards"]
    [fine] = plan_import(items, projects={})
    assert fine.ok and fine.widgets == [
        {"name": "Durations", "chart_type": "line", "field": "duration"}
    ]
    items[0]["project"] = 5
    items[0]["filters"] = {"field": "duration", "op": "gte", "value": "long"}
    items[0]["widgets"][0]["chart_type"] = "pie"
    [bad] = plan_import(items, projects={1: "Sales"})
    assert not bad.ok and bad.project is None
    assert any(e.startswith("filter") for e in bad.errors)
    assert any("not pie" in e for e in bad.errors)
    assert bad.notes == ["project #5 does not exist here: imported with no project"]


def test_widget_combinations_come_from_the_catalog() -> None:
    assert widget_problems({"chart_type": "line", "field": "duration"}) == []
    assert widget_problems({"chart_type": "line", "field": "nope"}) == ["unknown field 'nope'"]
    assert (
        "aggregation 'p95'"
        in widget_problems({"chart_type": "pie", "field": "topic", "aggregation_function": "p95"})[
            0
        ]
    )
    metric = {"chart_type": "line", "field": "metric_evaluations.value", "metric": 4}
    assert widget_problems(metric, {4: "enum"}) == ["a string field can be shown as pie, not line"]
    assert widget_problems(metric, {}) == ["metric #4 does not exist here"]


def test_the_name_given_is_the_who_and_changes_no_right() -> None:
    named = Actor(email=None, role="admin", display_name=" Hedda ")
    assert named.label == "Hedda" and ANONYMOUS.label == "anonymous"
    assert named == ANONYMOUS and can(named, "import")
    viewer = Actor(email="v@example.com", role="viewer", display_name="Boss")
    assert viewer.label == "v@example.com" and not can(viewer, "edit")
