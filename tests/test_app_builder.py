"""The builder's rows through AppTest, against the shared demo API: each field choice lands
on the op and the editor people mean, a new row never carries a placeholder value, and
Escape (Cancel) or a picker closed without a choice keeps the old value."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.test_app_editor import draft_of, make_dashboard, open_editor

pytestmark = pytest.mark.app


def edit_of(at: AppTest, dashboard_id: int) -> Any:
    return at.session_state[keys.s_flt_edit(f"d{dashboard_id}")]


def add_row(at: AppTest, dashboard_id: int, group_id: str | None = None) -> str:
    """Click "Add condition" of a group (the root by default); the new row's id."""
    group = group_id or draft_of(at, dashboard_id).tree.node_id
    button = f"flt_{group}_add_condition"
    if button not in {b.key for b in at.button}:
        # AppTest holds only what the last run drew (closing a new row redraws only its
        # slot); the browser still shows the rest of the page
        at.run()
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    edit = edit_of(at, dashboard_id)
    assert edit is not None and edit.is_new
    return str(edit.node_id)


def choose_field(at: AppTest, node_id: str, field: str) -> None:
    at.pills(key=f"flt_{node_id}_field_pick").set_value(field).run()
    assert not at.exception, at.exception


def op_words(at: AppTest, node_id: str) -> str:
    return str(at.selectbox(key=f"flt_{node_id}_op").value)


def keys_on_page(at: AppTest) -> set[str]:
    found = set()
    for kind in ("selectbox", "multiselect", "number_input", "text_input", "pills"):
        found |= {w.key for w in getattr(at, kind) if w.key}
    found |= {w.key for w in at.segmented_control if w.key}
    return found


# field -> (the op it starts with, the part its value editor is keyed by)
EXPECTED = {
    "agent.id": ("eq", "id"),  # "Agent is" a name picker
    "metric_evaluations.metric.id": ("eq", "id"),
    "duration": ("gte", "number"),  # "at least" a number
    "success": ("eq", "bool"),  # "is" yes/no
    "is_reviewed": ("eq", "bool"),
    "topic": ("eq", "choice"),  # "is" a picker of known values that takes typed text
    "call_ended_reason": ("eq", "choice"),
    "dropoff_point": ("eq", "choice"),
    "timestamp": ("gte", "when"),  # "on or after" quick choices
    "agent.agent_name": ("eq", "choice"),
    "customer_number": ("eq", "text"),
}


def test_each_field_choice_lands_on_the_op_and_editor_people_mean(app_env: Any) -> None:
    made = make_dashboard(app_env, "Guesses board")
    did = made["id"]
    at = open_editor(did)
    for field, (op, part) in EXPECTED.items():
        new = add_row(at, did)
        choose_field(at, new, field)
        pending = edit_of(at, did).pending
        assert (pending.field, pending.op) == (field, op), field
        assert pending.value is None, f"{field} starts with a placeholder value"
        assert f"flt_{new}_{part}" in keys_on_page(at), (field, sorted(keys_on_page(at)))
        at.button(key=f"flt_{new}_cancel").click().run()
    assert len(draft_of(at, did).tree.conditions) == 1  # nothing was added by cancelling


def test_a_row_reads_as_a_sentence_and_only_the_edited_row_has_inputs(app_env: Any) -> None:
    filters = {
        "operator": "and",
        "conditions": [{"field": "duration", "op": "gte", "value": i} for i in range(30)],
    }
    did = make_dashboard(app_env, "Many rows", filters=filters)["id"]
    at = open_editor(did)
    rows = [b for b in at.button if b.key and b.key.endswith("_open")]
    assert "Call duration is at least 5 s" in [b.label for b in rows]
    inputs_closed = len(keys_on_page(at))
    first = draft_of(at, did).tree.conditions[0].node_id
    at.button(key=f"flt_{first}_open").click().run()
    assert at.number_input(key=f"flt_{first}_number").value == 0
    assert len(keys_on_page(at)) - inputs_closed <= 3  # field, op, value: one row's worth
    at.number_input(key=f"flt_{first}_number").set_value(45).run()  # Enter applies
    assert draft_of(at, did).tree.conditions[0].value == 45
    assert edit_of(at, did) is None


def test_repro7_escape_in_a_picker_or_the_row_keeps_the_old_value(app_env: Any) -> None:
    agents = app_env.get(
        "/test_framework/v1/aiagents/short_list/",
        params={"project_id": make_dashboard(app_env, "probe")["project"]},
    ).json()["results"]
    first, other = agents[0], agents[-1]
    filters = {"field": "agent.id", "op": "eq", "value": first["id"]}
    did = make_dashboard(app_env, "Escape board", filters=filters)["id"]
    at = open_editor(did)
    nid = draft_of(at, did).tree.node_id
    at.button(key=f"flt_{nid}_open").click().run()
    picker = at.selectbox(key=f"flt_{nid}_id")
    assert picker.value == first["id"]
    # the picker closed without a choice (Escape clears a Streamlit selectbox): kept
    picker.set_value(None).run()
    assert at.selectbox(key=f"flt_{nid}_id").value == first["id"]
    assert edit_of(at, did).pending.value == first["id"]
    # the field changed in the open row, then Cancel (its shortcut is Escape)
    at.selectbox(key=f"flt_{nid}_field").set_value("duration").run()
    cancel = at.button(key=f"flt_{nid}_cancel")
    assert cancel.proto.shortcut.lower() in ("esc", "escape")
    cancel.click().run()
    assert draft_of(at, did).filters_json() == filters
    assert not draft_of(at, did).is_dirty()
    # and a choice made applies at once
    at.button(key=f"flt_{nid}_open").click().run()
    at.selectbox(key=f"flt_{nid}_id").set_value(other["id"]).run()
    assert draft_of(at, did).filters_json()["value"] == other["id"]


def test_a_reopened_row_sends_its_values_with_its_inputs(app_env: Any) -> None:
    """The first row of an empty filter is drawn in the root's end fragment; applied, the
    whole builder reruns without that fragment, so its inputs left the page in a run of
    another fragment: Streamlit keeps their values, the browser forgets them. Re-opened,
    each input must carry its value to the browser: one drawn without it shows (and sends
    back) its default, the field picker's first option "Call time" (the bad_pattern
    journey's row that turned into a Call-time row)."""
    did = make_dashboard(app_env, "Reopened row", filters=None)["id"]
    at = open_editor(did)
    at.button(key=f"flt_root_d{did}_add_condition").click().run()
    pattern = str(edit_of(at, did).node_id)
    choose_field(at, pattern, "agent.agent_name")
    at.selectbox(key=f"flt_{pattern}_op").set_value("regex").run()
    at.text_input(key=f"flt_{pattern}_text").set_value("billing(").run()  # Enter applies
    assert edit_of(at, did) is None
    assert at.session_state[f"flt_{pattern}_field"] == "agent.agent_name"  # kept
    at.button(key=f"flt_{pattern}_open").click().run()
    assert not at.exception, at.exception
    field = at.selectbox(key=f"flt_{pattern}_field").proto
    assert (field.set_value, field.raw_value) == (True, "Agent name")
    text = at.text_input(key=f"flt_{pattern}_text").proto
    assert (text.set_value, text.value) == (True, "billing(")
    at.text_input(key=f"flt_{pattern}_text").set_value("^billing").run()
    assert draft_of(at, did).filters_json()["conditions"] == [
        {"field": "agent.agent_name", "op": "regex", "value": "^billing"}
    ]


def test_a_row_without_a_value_blocks_save_and_says_so(app_env: Any) -> None:
    did = make_dashboard(app_env, "Needs a value")["id"]
    at = open_editor(did)
    new = add_row(at, did)
    choose_field(at, new, "topic")
    at.button(key=f"flt_{new}_apply").click().run()
    rows = [b.label.replace("\\", "") for b in at.button if b.key == f"flt_{new}_open"]
    assert rows == ["Call topic is … (needs a value)"]
    assert at.button(key=f"ed_save_{did}").disabled


def test_a_same_metric_group_starts_with_its_metric_then_its_score(app_env: Any) -> None:
    made = make_dashboard(app_env, "Same metric")
    did = made["id"]
    at = open_editor(did)
    root = draft_of(at, did).tree.node_id
    at.button(key=f"flt_{root}_add_group").click().run()
    picker = edit_of(at, did)
    assert picker.kind == "group" and picker.is_new and picker.pending is None
    at.pills(key=f"flt_{picker.node_id}_group_kind").set_value("same_row").run()
    edit = edit_of(at, did)
    assert edit.pending.field == "metric_evaluations.metric.id" and edit.pending.op == "eq"
    picker = at.selectbox(key=f"flt_{edit.node_id}_id")
    metrics = app_env.get(
        "/test_framework/v1/metrics/", params={"project_id": made["project"]}
    ).json()
    metrics = metrics["results"] if isinstance(metrics, dict) else metrics
    own = {m["id"] for m in metrics if m.get("project") in (made["project"], None)}
    assert set(picker.options) and all("not in this project" not in o for o in picker.options)
    csat = next(m for m in metrics if m["name"] == "Customer Satisfaction")
    assert csat["id"] in own
    picker.set_value(csat["id"]).run()
    group = draft_of(at, did).tree.conditions[-1]
    score = add_row(at, did, group.node_id)
    assert edit_of(at, did).pending.field == "metric_evaluations.value"
    assert any("scores from 1 to 5" in str(c.value) for c in at.caption)
    at.selectbox(key=f"flt_{score}_op").set_value("lt").run()
    at.number_input(key=f"flt_{score}_number").set_value(3).run()
    assert draft_of(at, did).filters_json()["conditions"][-1] == {
        "operator": "same_row",
        "conditions": [
            {"field": "metric_evaluations.metric.id", "op": "eq", "value": csat["id"]},
            {"field": "metric_evaluations.value", "op": "lt", "value": 3},
        ],
    }


def test_a_long_group_shows_a_page_of_rows_and_says_what_is_hidden(app_env: Any) -> None:
    rows: list[dict[str, Any]] = [{"field": "timestamp", "op": "gte", "value": "now-7d"}]
    rows += [{"field": "duration", "op": "gte", "value": i} for i in range(58)]
    rows.append({"field": "duration", "op": "lt", "value": 0})  # hidden; clashes with >= 1
    made = make_dashboard(app_env, "Long board", filters={"operator": "and", "conditions": rows})
    did = made["id"]
    at = open_editor(did)
    tree = draft_of(at, did).tree
    shown = [b for b in at.button if str(b.key).endswith("_open")]
    ids = [c.node_id for c in tree.conditions]
    assert [b.key for b in shown] == [f"flt_{i}_open" for i in ids[:25]]
    more = at.button(key=f"flt_{tree.node_id}_more")
    assert more.label == "Show 35 more — 1 with a problem"
    more.click().run()
    assert not at.exception, at.exception
    shown = {b.key for b in at.button if str(b.key).endswith("_open")}
    assert shown >= {f"flt_{i}_open" for i in ids}
    assert f"flt_{tree.node_id}_more" not in {b.key for b in at.button}


def test_a_row_added_to_a_long_group_stays_in_view_after_the_page_is_drawn_again(
    app_env: Any,
) -> None:
    rows: list[dict[str, Any]] = [{"field": "duration", "op": "gte", "value": i} for i in range(30)]
    made = make_dashboard(
        app_env, "Long board, added", filters={"operator": "and", "conditions": rows}
    )
    did = made["id"]
    at = open_editor(did)
    root = draft_of(at, did).tree.node_id
    new = add_row(at, did)
    choose_field(at, new, "duration")
    at.number_input(key=f"flt_{new}_number").set_value(5000).run()
    assert not at.exception, at.exception
    assert draft_of(at, did).tree.conditions[-1].node_id == new  # past the first 25
    at.run()  # the whole page again, as after any change outside the builder
    assert f"flt_{new}_open" in {b.key for b in at.button}
    assert at.button(key=f"flt_{root}_more").label == "Show 5 more"  # the new row is not hidden
