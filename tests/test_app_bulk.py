"""The bulk page through AppTest against the demo API: the dry run sends nothing, the apply
goes one dashboard per run to the end, the revert puts the filters back."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import DemoAPI

pytestmark = pytest.mark.app

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def filters(agent: int) -> dict[str, Any]:
    return {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "agent.id", "op": "in", "value": [agent]},
        ],
    }


def test_dry_run_apply_and_revert(app_env: DemoAPI) -> None:
    tag = f"AppTest bulk {secrets.token_hex(4)}"
    made = []
    for n in range(4):
        body = {"name": f"{tag} {n}", "project": 3, "filters": filters(7)}
        made.append(app_env.post("/dashboards/dashboards/", json=body).json())
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key=keys.W_DASH_SEARCH).input(tag).run()
    at.button(key=keys.W_DASH_BULK_MATCHING).click().run()
    assert not at.exception, at.exception
    at.selectbox(key=keys.W_BULK_KIND).select("replace_agent").run()
    at.selectbox(key=keys.W_BULK_OLD_AGENT).select(7).run()
    at.selectbox(key=keys.W_BULK_NEW_AGENT).select(8).run()
    app_env.clear_faults()
    at.button(key=keys.W_BULK_DRY_RUN).click().run()
    assert not at.exception, at.exception
    counts = app_env.fault_counts()
    assert not [k for k in counts if not k.startswith("GET")], "the dry run sent no write"
    plan = at.session_state[keys.S_BULK_PLAN]
    assert plan.counts() == {"change": 4, "no change": 0, "skipped": 0}
    frame = at.dataframe[0].value
    assert set(frame["Result"]) == {"Will change"}
    assert all('"value": [8]' in body for body in frame["PATCH body"])

    at.button(key=keys.W_BULK_APPLY).click().run()
    assert not at.exception, at.exception
    run = at.session_state[keys.S_BULK_RUN]
    assert run.finished and [r.outcome for r in run.results] == ["saved"] * 4
    for d in made:
        stored = app_env.get(f"/dashboards/dashboards/{d['id']}/").json()["filters"]
        assert stored == filters(8)
    assert "Saved: 4" in "\n".join(str(m.value) for m in at.markdown)

    at.button(key=keys.W_BULK_REVERT).click().run()
    assert not at.exception, at.exception
    run = at.session_state[keys.S_BULK_RUN]
    assert run.kind == "revert" and [r.outcome for r in run.results] == ["saved"] * 4
    for d in made:
        stored = app_env.get(f"/dashboards/dashboards/{d['id']}/").json()["filters"]
        assert stored == filters(7)


def test_without_a_choice_the_page_says_where_to_choose(app_env: DemoAPI) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/bulk.py").run()
    assert not at.exception, at.exception
    assert any("Choose the dashboards first" in str(i.value) for i in at.info)


def test_add_a_condition_built_with_the_builder(app_env: DemoAPI) -> None:
    tag = f"AppTest add {secrets.token_hex(4)}"
    body = {"name": tag, "project": 3, "filters": filters(7)}
    made = app_env.post("/dashboards/dashboards/", json=body).json()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key=keys.W_DASH_SEARCH).input(tag).run()
    at.button(key=keys.W_DASH_BULK_MATCHING).click().run()
    at.selectbox(key=keys.W_BULK_KIND).select("add_condition").run()
    assert not at.exception, at.exception
    assert at.button(key=keys.W_BULK_DRY_RUN).disabled  # nothing built yet
    at.button(key=keys.w_filter("root_bulk", "add_condition")).click().run()
    assert not at.exception, at.exception
    # the new row is open, with nothing in the filter until it has a value
    assert at.session_state[keys.s_draft(0)].tree is None
    node_id = str(at.session_state[keys.s_flt_edit("bulk")].node_id)
    at.pills(key=keys.w_filter(node_id, "field_pick")).set_value("duration").run()
    at.number_input(key=keys.w_filter(node_id, "number")).set_value(60).run()  # Enter applies
    assert not at.exception, at.exception
    at.button(key=keys.W_BULK_DRY_RUN).click().run()
    assert not at.exception, at.exception
    plan = at.session_state[keys.S_BULK_PLAN]
    (item,) = plan.items
    assert item.dashboard_id == made["id"] and item.status == "change"
    added = item.body["filters"]["conditions"][-1]
    assert added == {"field": "duration", "op": "gte", "value": 60}
    assert item.body["filters"]["conditions"][:2] == filters(7)["conditions"]
