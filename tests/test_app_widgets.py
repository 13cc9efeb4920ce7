"""The widget editor through AppTest against the shared demo API over HTTP: the choice
cascade offers only what widget_rules allows, later answers are reset with words when an
earlier one changes, opening and answering sends no write and at most one preview per
settled answer (the fault API's counters), and widget changes join the draft (undo,
discard, the unsaved mark, the preview of both requests, one save)."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import DemoAPI
from tests.test_app_editor import draft_of, make_dashboard, open_editor, server_copy

pytestmark = pytest.mark.app
PREVIEW = "POST /dashboards/widgets/preview_data/"


def _k(dashboard_id: int, part: str) -> str:
    return keys.w_wed(dashboard_id, part)


def _writes(counts: dict[str, int]) -> int:
    return sum(
        n
        for request, n in counts.items()
        if request.split(" ")[0] in ("POST", "PATCH", "PUT", "DELETE")
        and not request.endswith(("preview_data/", "bulk_data/"))
        and "__faults__" not in request
    )


def _with_widgets(api: DemoAPI, name: str) -> dict[str, Any]:
    made = make_dashboard(api, name)
    path = f"/dashboards/dashboards/{made['id']}/bulk_widgets/"
    answer = api.post(
        path,
        json={
            "create": [
                {"name": "Topics", "chart_type": "pie", "field": "topic", "metadata": {"x": 1}},
                {"name": "Summary", "chart_type": "stat"},
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    return server_copy(api, made["id"])


def _options(at: AppTest, key: str) -> list[str]:
    return list(at.selectbox(key=key).options)


def _text(at: AppTest) -> str:
    parts = (
        [e.value for e in at.info] + [e.value for e in at.caption] + [e.value for e in at.markdown]
    )
    return "\n".join(str(p) for p in parts).replace("\\", "")  # markdown escapes


def test_the_cascade_offers_only_valid_choices_and_says_what_it_reset(
    app_env: DemoAPI,
) -> None:
    api = app_env
    made = _with_widgets(api, "cascade")
    did = made["id"]
    at = open_editor(did)
    api.clear_faults()  # counts from here

    at.button(key=_k(did, "add")).click().run()
    assert not at.exception, at.exception
    assert "Pick what to plot." in _text(at)
    at.text_input(key=_k(did, "name")).input("Average call duration per day, by agent").run()
    at.selectbox(key=_k(did, "plot")).select("f:duration").run()
    # a number plots as line or bar (and the summary): never as a pie
    assert _options(at, _k(did, "chart")) == ["Line", "Bar", "Summary numbers"]
    at.selectbox(key=_k(did, "chart")).select("bar").run()
    assert _options(at, _k(did, "period")) == ["hour", "day", "week", "month"]
    assert _options(at, _k(did, "agg")) == [
        "Count", "Total", "Average", "Minimum", "Maximum", "Median", "95th percentile",
        "99th percentile",
    ]  # fmt: skip
    at.selectbox(key=_k(did, "period")).select("day").run()
    assert api.fault_counts().get(PREVIEW, 0) == 0  # incomplete: what is missing, no request
    at.selectbox(key=_k(did, "agg")).select("avg").run()
    assert api.fault_counts().get(PREVIEW, 0) == 1  # complete: one preview
    at.selectbox(key=_k(did, "group")).select("f:agent.id").run()
    edit = at.session_state[keys.s_widget_edit(did)]
    assert (edit.choices.field, edit.choices.chart_type, edit.choices.aggregation) == (
        "duration",
        "bar",
        "avg",
    )
    counts = api.fault_counts()
    assert _writes(counts) == 0
    assert counts.get(PREVIEW, 0) == 2  # one per settled answer once the bar was complete
    at.selectbox(key=_k(did, "group")).select("none").run()
    at.selectbox(key=_k(did, "group")).select("f:agent.id").run()
    assert api.fault_counts().get(PREVIEW, 0) == 2  # going back to an answer costs nothing

    # an earlier answer changes: the later ones are kept when valid, reset when not
    at.selectbox(key=_k(did, "plot")).select("f:topic").run()
    edit = at.session_state[keys.s_widget_edit(did)]
    assert edit.choices.chart_type == "bar" and edit.choices.time_period == "day"
    assert edit.choices.aggregation == "count"
    assert any("Aggregation reset to count" in note for note in edit.notes)
    assert _options(at, _k(did, "agg")) == ["Count"]
    at.selectbox(key=_k(did, "chart")).select("pie").run()
    edit = at.session_state[keys.s_widget_edit(did)]
    assert edit.choices.group_by is None and edit.choices.time_period is None
    assert any("Group by cleared" in note for note in edit.notes)
    assert not [s for s in at.selectbox if s.key == _k(did, "period")]  # bar only

    # a rename sends no preview: the request has no name in it
    before = api.fault_counts().get(PREVIEW, 0)
    at.text_input(key=_k(did, "name")).input("Topics per day").run()
    assert api.fault_counts().get(PREVIEW, 0) == before
    # a metric: its evaluation type decides (an enum metric is a pie only)
    metrics = api.get("/test_framework/v1/metrics/", params={"project_id": made["project"]}).json()
    items = metrics["results"] if isinstance(metrics, dict) else metrics
    enum = next(m for m in items if m["eval_type"] == "enum")
    at.selectbox(key=_k(did, "plot")).select(f"m:{enum['id']}").run()
    assert _options(at, _k(did, "chart")) == ["Pie", "Summary numbers"]
    at.selectbox(key=_k(did, "chart")).select("stat").run()
    assert not [s for s in at.selectbox if s.key == _k(did, "plot")]  # stat hides the field
    assert _writes(api.fault_counts()) == 0
    assert draft_of(at, did).widget_bulk().body() == {"create": [], "update": [], "delete": []}


def test_widget_changes_join_the_draft_and_save_in_one_bulk_request(app_env: DemoAPI) -> None:
    api = app_env
    made = _with_widgets(api, "join the draft")
    did = made["id"]
    pie = next(w for w in made["widgets"] if w["name"] == "Topics")
    stat = next(w for w in made["widgets"] if w["name"] == "Summary")
    at = open_editor(did)

    at.button(key=_k(did, "add")).click().run()
    at.text_input(key=_k(did, "name")).input("Calls per agent").run()
    at.selectbox(key=_k(did, "plot")).select("f:agent_id").run()
    at.selectbox(key=_k(did, "chart")).select("bar").run()
    at.selectbox(key=_k(did, "period")).select("day").run()
    at.selectbox(key=_k(did, "agg")).select("count").run()
    at.selectbox(key=_k(did, "group")).select("f:agent.id").run()
    at.button(key=_k(did, "apply")).click().run()
    assert not at.exception, at.exception
    draft = draft_of(at, did)
    assert draft.is_dirty() and draft.changes() == {}

    # edit the pie: another field
    at.selectbox(key=_k(did, "pick")).select(f"w{pie['id']}").run()
    at.button(key=_k(did, "edit")).click().run()
    at.selectbox(key=_k(did, "plot")).select("f:call_ended_reason").run()
    at.button(key=_k(did, "apply")).click().run()
    # delete the summary, after the confirmation naming it and its chart
    at.selectbox(key=_k(did, "pick")).select(f"w{stat['id']}").run()
    at.button(key=_k(did, "delete")).click().run()
    assert any("Summary" in w.value and "summary numbers" in w.value for w in at.warning)
    at.button(key=_k(did, "delete_confirm")).click().run()

    body = draft_of(at, did).widget_bulk().body()
    assert body["update"] == [{"id": pie["id"], "field": "call_ended_reason"}]  # changed keys
    assert body["delete"] == [stat["id"]]
    assert body["create"] == [
        {
            "name": "Calls per agent",
            "chart_type": "bar",
            "data_type": "numeric",
            "field": "agent_id",
            "time_period": "day",
            "aggregation_function": "count",
            "group_by": {"type": "field", "field": "agent.id"},
        }
    ]
    # undo takes back the delete, redo does it again; discard drops every widget change
    at.button(key=keys.w_ed_undo(did)).click().run()
    assert draft_of(at, did).widget_bulk().delete == ()
    at.button(key=keys.w_ed_redo(did)).click().run()
    assert draft_of(at, did).widget_bulk().delete == (stat["id"],)

    # the preview shows both requests and the words
    at.text_input(key=keys.w_ed_name(did)).input("join the draft, renamed").run()
    at.button(key=keys.w_ed_preview(did)).click().run()
    codes = [c.value for c in at.code]
    assert any(c.startswith("PATCH ") for c in codes)
    assert any(c.startswith("POST ") and c.endswith(f"/{did}/bulk_widgets/") for c in codes)
    words = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Added widget 'Calls per agent' (bar, count per day, by agent)" in words
    assert "Deleted widget 'Summary' (summary numbers)" in words

    api.clear_faults()
    at.button(key=keys.w_ed_save(did)).click().run()
    assert not at.exception, at.exception
    counts = api.fault_counts()
    assert counts.get(f"PATCH /dashboards/dashboards/{did}/") == 1
    assert counts.get(f"POST /dashboards/dashboards/{did}/bulk_widgets/") == 1
    after = server_copy(api, did)
    assert after["name"] == "join the draft, renamed"
    by_name = {w["name"]: w for w in after["widgets"]}
    assert set(by_name) == {"Topics", "Calls per agent"}
    assert by_name["Topics"]["field"] == "call_ended_reason"
    assert by_name["Topics"]["metadata"] == {"x": 1}  # Cekura's front end's, untouched
    assert not draft_of(at, did).is_dirty()


def test_widgets_refused_after_the_patch_saved_keep_the_unsaved_half(app_env: DemoAPI) -> None:
    api = app_env
    made = _with_widgets(api, "half saved")
    did = made["id"]
    stat = next(w for w in made["widgets"] if w["name"] == "Summary")
    at = open_editor(did)
    at.text_input(key=keys.w_ed_name(did)).input("half saved, renamed").run()
    at.selectbox(key=_k(did, "pick")).select(f"w{stat['id']}").run()
    at.button(key=_k(did, "delete")).click().run()
    at.button(key=_k(did, "delete_confirm")).click().run()

    api.clear_faults()
    api.arm_fault(
        method="POST", path=f"/dashboards/dashboards/{did}/bulk_widgets/", kind="status", status=503
    )
    try:
        at.button(key=keys.w_ed_save(did)).click().run()
    finally:
        api.clear_faults()
    assert not at.exception, at.exception
    after = server_copy(api, did)
    assert after["name"] == "half saved, renamed"  # the PATCH went through
    assert {w["name"] for w in after["widgets"]} == {"Topics", "Summary"}  # the widgets did not
    draft = draft_of(at, did)
    assert draft.changes() == {} and draft.widget_bulk().delete == (stat["id"],)
    assert draft.save_issue is not None and draft.save_issue.saved_part == "Saved: the name."
    shown = "\n".join(str(s.value) for s in at.success).replace("\\", "")
    assert "Saved: the name. Not saved: the widget changes" in shown
    assert "Deleted widget 'Summary'" in _text(at)

    at.button(key=keys.w_ed_retry(did)).click().run()  # the draft keeps the rest: save it
    assert {w["name"] for w in server_copy(api, did)["widgets"]} == {"Topics"}
    assert not draft_of(at, did).is_dirty()


def test_a_widget_changed_by_someone_else_is_a_conflict_and_nothing_is_sent(
    app_env: DemoAPI,
) -> None:
    api = app_env
    made = _with_widgets(api, "widget conflict")
    did = made["id"]
    pie = next(w for w in made["widgets"] if w["name"] == "Topics")
    at = open_editor(did)
    at.selectbox(key=_k(did, "pick")).select(f"w{pie['id']}").run()
    at.button(key=_k(did, "edit")).click().run()
    at.text_input(key=_k(did, "name")).input("Topics (mine)").run()
    at.button(key=_k(did, "apply")).click().run()
    assert api.patch(f"/dashboards/widgets/{pie['id']}/", json={"name": "Theirs"}).ok

    api.clear_faults()
    at.button(key=keys.w_ed_save(did)).click().run()
    assert _writes(api.fault_counts()) == 0
    draft = draft_of(at, did)
    assert draft.save_issue is not None and draft.save_issue.kind == "conflict"
    words = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Their widget changes" in words and "Changed widget 'Theirs'" in words
    assert "Changed widget 'Topics': name" in words


def test_the_widget_filter_is_edited_with_the_dashboards_builder(app_env: DemoAPI) -> None:
    """Issue 11: the widget's own filter in the same builder as the dashboard's, on a
    dashboard with no filter either (two empty builders on one page must not share keys)."""
    did = make_dashboard(app_env, "widget filter", filters=None)["id"]
    at = open_editor(did)
    at.button(key=_k(did, "add")).click().run()
    at.text_input(key=_k(did, "name")).input("Long calls").run()
    at.selectbox(key=_k(did, "plot")).select("f:duration").run()
    at.selectbox(key=_k(did, "chart")).select("line").run()

    at.button(key=f"flt_root_wf{did}_add_condition").click().run()
    assert not at.exception, at.exception
    row = str(at.session_state[keys.s_flt_edit(f"wf{did}")].node_id)
    at.pills(key=f"flt_{row}_field_pick").set_value("duration").run()
    assert at.selectbox(key=f"flt_{row}_op").value == "gte"
    at.number_input(key=f"flt_{row}_number").set_value(300).run()
    assert not at.exception, at.exception

    edit = at.session_state[keys.s_widget_edit(did)]
    wanted = {"field": "duration", "op": "gte", "value": 300}
    found = edit.choices.filters
    assert found == wanted or wanted in (found or {}).get("conditions", [])
    assert draft_of(at, did).tree is None  # the dashboard's own filter is untouched
    at.button(key=_k(did, "apply")).click().run()
    [created] = draft_of(at, did).widget_bulk().create
    assert created["filters"] == found
