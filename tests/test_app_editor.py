"""The editor page through AppTest, against the shared demo API over real HTTP.

Each test makes a dashboard of its own through the API, opens /editor?dashboard=ID and
drives the page by widget keys (documented in the editor's report)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import ROOT

APP = ROOT / "app.py"

pytestmark = pytest.mark.app

START_FILTER = {
    "operator": "and",
    "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}],
}


def make_dashboard(api: Any, name: str, filters: Any = START_FILTER) -> dict[str, Any]:
    project = api.get("/user/v1/projects/").json()
    projects = project["results"] if isinstance(project, dict) else project
    response = api.post(
        "/dashboards/dashboards/",
        json={"name": name, "project": projects[0]["id"], "filters": filters},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def server_copy(api: Any, dashboard_id: int) -> dict[str, Any]:
    response = api.get(f"/dashboards/dashboards/{dashboard_id}/")
    assert response.status_code == 200
    return dict(response.json())


def open_editor(dashboard_id: int | str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["dashboard"] = str(dashboard_id)
    at.switch_page("pages/editor.py")
    at.run()
    assert not at.exception, at.exception
    return at


def draft_of(at: AppTest, dashboard_id: int) -> Any:
    return at.session_state[keys.s_draft(dashboard_id)]


def requests_sent(at: AppTest) -> int:
    return int(at.session_state[keys.S_CLIENT].request_count)


def button(at: AppTest, key: str) -> Any:
    return at.button(key=key)


def root_id(at: AppTest, dashboard_id: int) -> str:
    return str(draft_of(at, dashboard_id).tree.node_id)


def new_row(at: AppTest, dashboard_id: int, field: str) -> str:
    """Click the root's "Add condition" and pick `field`: the new (still open) row's id."""
    at.button(key=f"flt_{root_id(at, dashboard_id)}_add_condition").click().run()
    node_id = str(at.session_state[keys.s_flt_edit(f"d{dashboard_id}")].node_id)
    at.pills(key=f"flt_{node_id}_field_pick").set_value(field).run()
    return node_id


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def messages(at: AppTest) -> str:
    parts = [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # markdown escapes


def test_deep_link_opens_the_dashboard(app_env: Any) -> None:
    made = make_dashboard(app_env, "Deep link board")
    at = open_editor(made["id"])
    assert "Deep link board" in at.title[0].value
    assert at.text_input(key=f"ed_name_{made['id']}").value == "Deep link board"
    assert any("last 7 days" in str(i.value) for i in at.info)


def test_unknown_and_missing_ids_say_so_with_a_way_back(app_env: Any) -> None:
    at = open_editor(999_999)
    assert "no dashboard number 999999" in messages(at)
    assert at.page_link[0].label == "Back to the dashboards list"
    at = open_editor("not-a-number")
    assert "Pick a dashboard" in str(at.info[0].value)


def test_name_change_undo_redo_and_discard_cost_no_requests(app_env: Any) -> None:
    made = make_dashboard(app_env, "Undo board")
    did = made["id"]
    at = open_editor(did)
    before = requests_sent(at)
    at.text_input(key=f"ed_name_{did}").input("Renamed board").run()
    assert draft_of(at, did).is_dirty()
    assert not button(at, f"ed_undo_{did}").disabled
    button(at, f"ed_undo_{did}").click().run()
    assert at.text_input(key=f"ed_name_{did}").value == "Undo board"
    assert not draft_of(at, did).is_dirty()
    button(at, f"ed_redo_{did}").click().run()
    assert at.text_input(key=f"ed_name_{did}").value == "Renamed board"
    button(at, f"ed_discard_{did}").click().run()
    assert at.text_input(key=f"ed_name_{did}").value == "Undo board"
    # another project: its agents and metrics are already known
    listed = app_env.get("/user/v1/projects/").json()
    ids = [p["id"] for p in (listed["results"] if isinstance(listed, dict) else listed)]
    at.selectbox(key=f"ed_project_{did}").set_value(ids[-1]).run()
    assert draft_of(at, did).project != made["project"]
    assert requests_sent(at) == before, "draft edits must not send HTTP requests"


def test_add_a_condition_by_clicking_and_set_op_and_value(app_env: Any) -> None:
    made = make_dashboard(app_env, "Builder board")
    did = made["id"]
    at = open_editor(did)
    before = requests_sent(at)
    counts_before = app_env.fault_counts()
    new_id = new_row(at, did, "duration")
    assert at.selectbox(key=f"flt_{new_id}_op").value == "gte"
    at.number_input(key=f"flt_{new_id}_number").set_value(60).run()  # Enter applies
    assert draft_of(at, did).filters_json() == {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "duration", "op": "gte", "value": 60},
        ],
    }
    # the sentence above the builder follows the draft
    assert any("60" in str(i.value) for i in at.info)
    # open the row again: another field starts over on its own op and editor
    button(at, f"flt_{new_id}_open").click().run()
    at.selectbox(key=f"flt_{new_id}_field").set_value("success").run()
    assert at.selectbox(key=f"flt_{new_id}_op").options == ["is", "is not", "is empty"]
    at.segmented_control(key=f"flt_{new_id}_bool").set_value(False).run()
    assert draft_of(at, did).tree.conditions[-1].value is False
    assert button(at, f"flt_{new_id}_open").label.replace("\\", "") == "Call succeeded: no"
    button(at, f"flt_{new_id}_open").click().run()
    button(at, f"flt_{new_id}_delete").click().run()
    assert len(draft_of(at, did).tree.conditions) == 1
    # a dashboard without widgets: the only reads are the call counts of new filters
    # (issue 10), one per distinct valid filter; back at the saved filter costs none
    sent = requests_sent(at) - before
    counts = app_env.fault_counts()
    new = {k: counts[k] - counts_before.get(k, 0) for k in counts}
    assert {k for k, n in new.items() if n} == {"GET /observability/v1/call-logs/"}
    assert new["GET /observability/v1/call-logs/"] == sent <= 4


def test_json_edit_applies_valid_json_and_keeps_invalid_text(app_env: Any) -> None:
    made = make_dashboard(app_env, "JSON board")
    did = made["id"]
    at = open_editor(did)
    at.segmented_control(key=f"ed_mode_{did}").set_value("Edit as JSON").run()
    bad = '{"operator": "and", "conditions": [{"field": "duration", "op": "gte"}]}'
    at.text_area(key=f"ed_json_{did}").input(bad).run()
    assert at.text_area(key=f"ed_json_{did}").value == bad
    assert "conditions[0]" in messages(at) and "Missing 'value'" in messages(at)
    assert button(at, f"ed_save_{did}").disabled
    # the typed text survives a trip to the builder and back
    at.segmented_control(key=f"ed_mode_{did}").set_value("Builder").run()
    at.segmented_control(key=f"ed_mode_{did}").set_value("Edit as JSON").run()
    assert at.text_area(key=f"ed_json_{did}").value == bad
    good = '{"operator": "or", "conditions": [{"field": "topic", "op": "eq", "value": "billing"}]}'
    at.text_area(key=f"ed_json_{did}").input(good).run()
    assert draft_of(at, did).filters_json() == {
        "operator": "or",
        "conditions": [{"field": "topic", "op": "eq", "value": "billing"}],
    }
    assert draft_of(at, did).pending_json is None
    button(at, f"ed_undo_{did}").click().run()
    assert draft_of(at, did).filters_json() == START_FILTER


def test_validation_errors_disable_save_and_show_at_the_node(app_env: Any) -> None:
    made = make_dashboard(app_env, "Invalid board")
    did = made["id"]
    at = open_editor(did)
    new_id = new_row(at, did, "agent.agent_name")
    at.selectbox(key=f"flt_{new_id}_op").set_value("regex").run()
    at.text_input(key=f"flt_{new_id}_text").input("([unclosed").run()
    assert button(at, f"ed_save_{did}").disabled
    assert "problem to fix before saving" in messages(at)
    button(at, f"flt_{new_id}_open").click().run()
    at.text_input(key=f"flt_{new_id}_text").input("^billing").run()
    assert not button(at, f"ed_save_{did}").disabled


def test_preview_shows_exactly_the_changed_keys(app_env: Any) -> None:
    made = make_dashboard(app_env, "Preview board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("Preview board v2").run()
    button(at, f"ed_preview_{did}").click().run()
    codes = [c.value for c in at.code]
    assert {"name": "Preview board v2"} in [_json_or_none(c) for c in codes]
    assert any(
        c.startswith("PATCH ") and c.endswith(f"/dashboards/dashboards/{did}/") for c in codes
    )
    curl = next(c for c in codes if c.startswith("curl"))
    assert app_env.api_key not in curl and "****" in curl
    captions = " ".join(str(c.value) for c in at.caption)
    assert "put your own key in its place" in captions
    assert "demo server's" not in captions  # a configured key is not the demo's
    assert any("Renamed 'Preview board' to 'Preview board v2'" in str(m.value) for m in at.markdown)


def test_save_sends_one_read_and_one_patch_and_the_api_has_the_filter(app_env: Any) -> None:
    made = make_dashboard(app_env, "Save board")
    did = made["id"]
    at = open_editor(did)
    new_id = new_row(at, did, "duration")
    at.number_input(key=f"flt_{new_id}_number").set_value(90).run()
    before = requests_sent(at)
    button(at, f"ed_save_{did}").click().run()
    assert requests_sent(at) - before == 2  # re-read + PATCH, no GET afterwards
    assert server_copy(app_env, did)["filters"] == {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "duration", "op": "gte", "value": 90},
        ],
    }
    assert not draft_of(at, did).is_dirty()
    assert button(at, f"ed_undo_{did}").disabled  # a fresh undo baseline
    assert any("Saved" in str(t.value) for t in at.toast)


def test_a_colleagues_save_is_never_overwritten_silently(app_env: Any) -> None:
    made = make_dashboard(app_env, "Shared board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("My name for it").run()
    theirs = {"operator": "and", "conditions": [{"field": "topic", "op": "eq", "value": "x"}]}
    assert app_env.patch(f"/dashboards/dashboards/{did}/", json={"filters": theirs}).ok
    button(at, f"ed_save_{did}").click().run()
    assert server_copy(app_env, did)["name"] == "Shared board"  # nothing sent
    assert "someone else saved this dashboard" in messages(at)
    texts = "\n".join(str(m.value) for m in at.markdown)
    assert "What they changed" in texts and "What you changed" in texts
    assert "Renamed 'Shared board' to 'My name for it'" in texts
    button(at, f"ed_reload_theirs_{did}").click().run()
    draft = draft_of(at, did)
    assert draft.name == "My name for it" and draft.filters_json() == theirs
    button(at, f"ed_save_{did}").click().run()
    saved = server_copy(app_env, did)
    assert saved["name"] == "My name for it" and saved["filters"] == theirs


def test_overwrite_anyway_sends_my_keys_after_a_conflict(app_env: Any) -> None:
    made = make_dashboard(app_env, "Overwrite board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("Mine").run()
    assert app_env.patch(f"/dashboards/dashboards/{did}/", json={"name": "Theirs"}).ok
    button(at, f"ed_save_{did}").click().run()
    assert server_copy(app_env, did)["name"] == "Theirs"
    button(at, f"ed_overwrite_{did}").click().run()
    assert server_copy(app_env, did)["name"] == "Mine"


def test_a_refused_save_keeps_the_draft_and_retry_works(app_env: Any) -> None:
    made = make_dashboard(app_env, "Fault board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("Fault board renamed").run()
    path = f"/dashboards/dashboards/{did}/"
    app_env.arm_fault(method="PATCH", path=path, kind="status", status=429, times=1)
    try:
        button(at, f"ed_save_{did}").click().run()
        assert "Not saved" in messages(at)
        assert draft_of(at, did).name == "Fault board renamed"
        assert at.text_input(key=f"ed_name_{did}").value == "Fault board renamed"
        assert server_copy(app_env, did)["name"] == "Fault board"
    finally:
        app_env.clear_faults()
    button(at, f"ed_retry_{did}").click().run()
    assert server_copy(app_env, did)["name"] == "Fault board renamed"
    assert not draft_of(at, did).is_dirty()


def test_a_server_error_on_save_offers_a_reread_and_the_draft_survives(app_env: Any) -> None:
    made = make_dashboard(app_env, "Broken board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("Broken board renamed").run()
    path = f"/dashboards/dashboards/{did}/"
    app_env.arm_fault(method="PATCH", path=path, kind="status", status=500, times=1)
    try:
        button(at, f"ed_save_{did}").click().run()
        assert "may or may not have been saved" in messages(at)
    finally:
        app_env.clear_faults()
    button(at, f"ed_reread_{did}").click().run()
    assert any("not saved" in str(t.value) for t in at.toast)
    assert draft_of(at, did).name == "Broken board renamed"
    button(at, f"ed_save_{did}").click().run()
    assert server_copy(app_env, did)["name"] == "Broken board renamed"


def test_the_servers_field_errors_show_beside_the_field(app_env: Any) -> None:
    made = make_dashboard(app_env, "Refused board")
    did = made["id"]
    at = open_editor(did)
    at.selectbox(key=f"ed_project_{did}").set_value(-1).run()
    assert draft_of(at, did).project is None
    assert at.selectbox(key=f"ed_project_{did}").value == -1  # shown as "No project"
    button(at, f"ed_undo_{did}").click().run()
    # the picker offers only real projects; a project deleted meanwhile is what the
    # server alone can refuse
    draft_of(at, did).change(project=987_654)
    at.run()
    assert at.selectbox(key=f"ed_project_{did}").value == 987_654
    button(at, f"ed_save_{did}").click().run()
    assert "The server said:" in messages(at)
    assert "Not saved" in messages(at)
    assert draft_of(at, did).project == 987_654
    assert server_copy(app_env, did)["project"] == made["project"]


def test_an_unknown_outcome_says_so_and_a_reread_tells(app_env: Any) -> None:
    made = make_dashboard(app_env, "Dropped board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=f"ed_name_{did}").input("Dropped board saved").run()
    path = f"/dashboards/dashboards/{did}/"
    app_env.arm_fault(method="PATCH", path=path, kind="reset_after_commit", times=1)
    try:
        button(at, f"ed_save_{did}").click().run()
        assert "cannot tell whether the change was saved" in messages(at)
    finally:
        app_env.clear_faults()
    button(at, f"ed_reread_{did}").click().run()
    assert any("saved after all" in str(t.value) for t in at.toast)
    assert not draft_of(at, did).is_dirty()


def test_an_enum_metrics_score_offers_its_values(app_env: Any) -> None:
    listed = app_env.get("/test_framework/v1/metrics/").json()
    metrics = listed["results"] if isinstance(listed, dict) else listed
    enum = next(m for m in metrics if m["eval_type"] == "enum" and m["enum_values"])
    same_row = {
        "operator": "same_row",
        "conditions": [
            {"field": "metric_evaluations.metric.id", "op": "eq", "value": enum["id"]},
            {"field": "metric_evaluations.value", "op": "eq", "value": enum["enum_values"][0]},
        ],
    }
    made = make_dashboard(app_env, "Enum board", filters=same_row)
    did = made["id"]
    at = open_editor(did)
    score_id = draft_of(at, did).tree.conditions[1].node_id
    at.button(key=f"flt_{score_id}_open").click().run()
    picker = at.selectbox(key=f"flt_{score_id}_choice")
    assert set(map(str, enum["enum_values"])) <= set(picker.options)
    assert picker.value == str(enum["enum_values"][0])
    picker.set_value(str(enum["enum_values"][-1])).run()
    assert draft_of(at, did).tree.conditions[1].value == str(enum["enum_values"][-1])


def test_a_widgets_effective_filter_is_picked_by_its_id(app_env: Any) -> None:
    dashboard = make_dashboard(app_env, "Effective filter")
    made = []
    for name, topic in (("First widget", "billing"), ("Second widget", "refunds")):
        body = {"dashboard": dashboard["id"], "name": name, "chart_type": "line"}
        body |= {"field": "duration", "filters": {"field": "topic", "op": "eq", "value": topic}}
        response = app_env.post("/dashboards/widgets/", json=body)
        assert response.status_code == 201, response.text
        made.append(response.json())
    at = open_editor(dashboard["id"])
    picker = at.selectbox(key=f"ed_effective_{dashboard['id']}")
    assert picker.options == ["1. First widget", "2. Second widget"]
    picker.set_value(made[1]["id"]).run()
    assert not at.exception, at.exception
    shown = "\n".join(str(t.value) for t in at.text)
    assert "refunds" in shown and "billing" not in shown
