"""The editor draws the dashboard (issue 10), through AppTest against the shared demo API
over real HTTP: one chart per widget, a failing widget in its own box, the draft's
"after" side with its delta, the call count, the control bar in step with the builder,
and what each step costs in requests, counted by the demo API itself (fault counts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.test_app_editor import draft_of, make_dashboard, open_editor

pytestmark = pytest.mark.app

WINDOW = {
    "operator": "and",
    "conditions": [{"field": "timestamp", "op": "gte", "value": "now-30d"}],
}
# Twelve widgets of every chart type; eleven draw a chart, the stat a line of figures.
TWELVE = [
    {"name": "Calls at a glance", "chart_type": "stat"},
    {"name": "Duration per call", "chart_type": "line", "field": "duration"},
    {
        "name": "Calls per day",
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": "count",
    },
    {
        "name": "Average duration per week",
        "chart_type": "bar",
        "field": "duration",
        "time_period": "week",
        "aggregation_function": "avg",
    },
    {
        "name": "Calls per agent",
        "chart_type": "bar",
        "field": "agent_id",
        "time_period": "week",
        "aggregation_function": "count",
        "group_by": {"type": "field", "field": "agent.id"},
    },
    {"name": "Why calls ended", "chart_type": "pie", "field": "call_ended_reason"},
    {"name": "Success", "chart_type": "pie", "field": "success"},
    {"name": "Topics", "chart_type": "pie", "field": "topic"},
    {"name": "Drop-off", "chart_type": "pie", "field": "dropoff_point"},
    {
        "name": "Success per day",
        "chart_type": "bar",
        "field": "success",
        "time_period": "day",
        "aggregation_function": "avg",
    },
    {
        "name": "Longest call per day",
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": "max",
    },
    {"name": "Reviewed", "chart_type": "pie", "field": "is_reviewed"},
]
PICKERS = {
    "GET /user/v1/projects/",
    "GET /test_framework/v1/aiagents/short_list/",
    "GET /test_framework/v1/metrics/",
}
BULK = "POST /dashboards/widgets/bulk_data/"
PREVIEW = "POST /dashboards/widgets/preview_data/"
COUNT = "GET /observability/v1/call-logs/"


def dashboard_with(api: Any, name: str, widgets: list[dict[str, Any]], filters: Any = WINDOW):
    made = make_dashboard(api, name, filters=filters)
    for body in widgets:
        response = api.post("/dashboards/widgets/", json={"dashboard": made["id"], **body})
        assert response.status_code == 201, response.text
    return made


@contextmanager
def requests_to(api: Any) -> Iterator[dict[str, int]]:
    """The requests the demo API received inside the block, by "METHOD /path"."""
    before = api.fault_counts()
    sent: dict[str, int] = {}
    yield sent
    after = api.fault_counts()
    sent.update({k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0)})


def charts(at: Any) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_titles(at: Any) -> list[str]:
    """The widget titles drawn right above a chart (the chart's own title is left empty)."""
    out = []
    for box in at.main.children.values():
        out += _titles_above_charts(box)
    return out


def _titles_above_charts(node: Any) -> list[str]:
    children = list(getattr(node, "children", {}).values())
    found = []
    for before, element in zip(children, children[1:], strict=False):
        if getattr(element, "type", "") == "vega_lite_chart":
            found.append(str(before.value).strip("*").replace("\\", ""))
    for child in children:
        found += _titles_above_charts(child)
    return found


def texts(at: Any) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    )
    return "\n".join(str(p) for p in parts).replace("\\", "")


def deltas(at: Any) -> list[str]:
    return [
        str(m.value).replace("\\", "").split(" · change in ", 1)[1]
        for m in at.markdown
        if " · change in " in str(m.value).replace("\\", "")
    ]


def test_the_editor_draws_one_chart_per_widget_and_costs_one_bulk_read(app_env: Any) -> None:
    made = dashboard_with(app_env, "Twelve widgets", TWELVE)
    with requests_to(app_env) as sent:
        at = open_editor(made["id"])
    titles = chart_titles(at)
    assert sorted(titles) == sorted(w["name"] for w in TWELVE if w["chart_type"] != "stat")
    assert "Calls at a glance" not in titles
    shown = texts(at)
    assert "% success · avg" in shown  # the stat widget's figures
    assert "calls match the saved filter" in shown
    # open: the dashboard, the pickers, one bulk_data page for 12 widgets, one count
    assert sent.pop(f"GET /dashboards/dashboards/{made['id']}/") == 1
    assert sent.pop(BULK) == 1
    assert sent.pop(COUNT) == 1
    assert set(sent) <= PICKERS, sent
    # a rerun that changes no filter (typing the name) sends nothing
    with requests_to(app_env) as sent:
        at.text_input(key=f"ed_name_{made['id']}").input("Twelve widgets, renamed").run()
    assert sent == {}
    assert len(charts(at)) == 11


def test_a_failing_widget_shows_the_apis_words_and_the_others_still_draw(app_env: Any) -> None:
    nobody = {"field": "customer_number", "op": "eq", "value": "+10000000000"}
    made = dashboard_with(
        app_env,
        "One broken widget",
        [
            {"name": "Fine pie", "chart_type": "pie", "field": "topic"},
            {"name": "Broken pie", "chart_type": "pie", "field": "topic"},
            {
                "name": "Nobody called",
                "chart_type": "bar",
                "field": "duration",
                "time_period": "day",
                "aggregation_function": "count",
                "filters": nobody,
            },
        ],
    )
    broken = app_env.get(f"/dashboards/dashboards/{made['id']}/").json()["widgets"][1]["id"]
    # The API refuses the batch, then that one widget's own data: only it goes blank.
    app_env.arm_fault(method="POST", path=BULK.split()[1], kind="status", status=400, times=1)
    data_path = f"/dashboards/widgets/{broken}/data/"
    app_env.arm_fault(method="GET", path=data_path, kind="status", status=400, times=1)
    try:
        with requests_to(app_env) as sent:
            at = open_editor(made["id"])
    finally:
        app_env.clear_faults()
    assert chart_titles(at) == ["Fine pie"]
    assert "The Cekura API refused the request: Injected fault: HTTP 400." in texts(at)
    assert "No calls in this window" in texts(at)
    assert sent[BULK] == 1 and sent[f"GET {data_path}"] == 1


def test_a_draft_change_makes_the_after_side_appear_with_deltas(app_env: Any) -> None:
    made = dashboard_with(app_env, "Before and after", TWELVE)
    did = made["id"]
    at = open_editor(did)
    assert "With your unsaved changes" not in texts(at) and deltas(at) == []
    with requests_to(app_env) as sent:
        at.selectbox(key=f"ed_range_{did}").set_value("24h").run()
    assert not at.exception, at.exception
    # the control bar wrote the top-level timestamp condition, in its place
    assert draft_of(at, did).filters_json() == {
        "operator": "and",
        "conditions": [{"field": "timestamp", "op": "gte", "value": "now-24h"}],
    }
    # one preview per widget and one count; nothing else
    assert sent == {PREVIEW: 12, COUNT: 1}
    assert len(charts(at)) == 22  # every chart twice: saved and with the draft
    assert texts(at).count("With your unsaved changes") == 12
    found = deltas(at)
    assert len(found) == 12 and all("→" in d for d in found)
    assert any(d.startswith("calls: ") for d in found)
    shown = texts(at)
    assert " match · " in shown and "with the saved filter" in shown
    # the same filter again costs nothing; back at the saved filter the after side goes
    with requests_to(app_env) as sent:
        at.text_input(key=f"ed_name_{did}").input("Renamed while comparing").run()
        at.selectbox(key=f"ed_range_{did}").set_value("30d").run()
    assert sent == {}
    assert len(charts(at)) == 11 and deltas(at) == []


def test_an_invalid_draft_asks_nothing_and_says_why(app_env: Any) -> None:
    made = dashboard_with(app_env, "Invalid after", TWELVE[:3])
    did = made["id"]
    at = open_editor(did)
    at.segmented_control(key=f"ed_mode_{did}").set_value("Edit as JSON").run()
    bad = {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-30d"},
            {"field": "agent.agent_name", "op": "regex", "value": "([unclosed"},
        ],
    }
    with requests_to(app_env) as sent:
        at.text_area(key=f"ed_json_{did}").input(json.dumps(bad)).run()
        bad["conditions"][1]["value"] = "(also[unclosed"
        at.text_area(key=f"ed_json_{did}").input(json.dumps(bad)).run()
    assert draft_of(at, did).filters_json() == bad
    assert sent == {}
    shown = texts(at)
    assert "Not shown while your filter has 1 problem" in shown
    assert "Fix the filter to see how many calls match" in shown
    assert len(charts(at)) == 2  # the saved side still draws


def test_save_costs_a_read_a_patch_and_one_bulk_page_and_shows_the_after(app_env: Any) -> None:
    made = dashboard_with(app_env, "Save and see", TWELVE)
    did = made["id"]
    at = open_editor(did)
    at.selectbox(key=f"ed_range_{did}").set_value("7d").run()
    after = deltas(at)
    with requests_to(app_env) as sent:
        at.button(key=f"ed_save_{did}").click().run()
    assert not at.exception, at.exception
    # re-read + PATCH, then the saved charts again (one bulk page); the count is known
    assert sent == {
        f"GET /dashboards/dashboards/{did}/": 1,
        f"PATCH /dashboards/dashboards/{did}/": 1,
        BULK: 1,
    }
    assert deltas(at) == []
    news = [d.split("→ ")[1].split(" (")[0] for d in after]
    shown = texts(at)
    assert f"{news[0]} calls match the saved filter" in shown


def test_the_control_bar_follows_the_builder_and_says_when_it_cannot(app_env: Any) -> None:
    made = dashboard_with(app_env, "Bar and builder", TWELVE[:1])
    did = made["id"]
    at = open_editor(did)
    assert at.selectbox(key=f"ed_range_{did}").value == "30d"
    assert at.multiselect(key=f"ed_agents_{did}").value == []
    listed = app_env.get("/test_framework/v1/aiagents/short_list/").json()
    agents = listed["results"] if isinstance(listed, dict) else listed
    first = next(a["id"] for a in agents if a.get("project") == made["project"])
    at.multiselect(key=f"ed_agents_{did}").set_value([first]).run()
    assert draft_of(at, did).filters_json()["conditions"][-1] == {
        "field": "agent.id",
        "op": "eq",
        "value": first,
    }
    # the builder's JSON changes the range: the bar shows it on the same run
    at.segmented_control(key=f"ed_mode_{did}").set_value("Edit as JSON").run()
    seven = {
        "operator": "and",
        "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}],
    }
    at.text_area(key=f"ed_json_{did}").input(json.dumps(seven)).run()
    assert at.selectbox(key=f"ed_range_{did}").value == "7d"
    assert at.multiselect(key=f"ed_agents_{did}").value == []
    # a time inside an `or`: the bar does not guess
    odd = {
        "operator": "or",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "topic", "op": "eq", "value": "billing"},
        ],
    }
    at.text_area(key=f"ed_json_{did}").input(json.dumps(odd)).run()
    disabled = [t for t in at.text_input if t.disabled]
    assert any("set in the builder below" in str(t.value).lower() for t in disabled)


def test_a_builder_edit_reruns_the_bar_count_and_charts_and_the_bar_edits_the_builder(
    app_env: Any,
) -> None:
    """The builder reruns only the fragments an edit touches; the control bar, the count
    and the charts are among them exactly when the filter changed (issue 9 x issue 10)."""
    from tests.test_app_editor import new_row

    made = dashboard_with(app_env, "Builder and charts", TWELVE[:2])
    did = made["id"]
    at = open_editor(did)
    assert "With your unsaved changes" not in texts(at)
    # a new row, still open: nothing in the filter changed, nothing follows or is asked
    with requests_to(app_env) as sent:
        node_id = new_row(at, did, "duration")
    assert sent == {}
    assert "With your unsaved changes" not in texts(at)
    # applied: the after side of each widget and the draft's count, one read each
    with requests_to(app_env) as sent:
        at.number_input(key=f"flt_{node_id}_number").set_value(60).run()
    assert not at.exception, at.exception
    assert sent == {PREVIEW: 2, COUNT: 1}
    # stored at once (only fragments reran), and the link names the stored draft
    kept = draft_of(at, did)
    assert kept.token and kept.kept_version == kept.version
    assert at.query_params.get("draft") in (kept.token, [kept.token])
    assert texts(at).count("With your unsaved changes") == 2
    assert " match · " in texts(at)
    # what reran is what AppTest shows: not the control bar, whose range and agents are
    # as it drew them (a duration changed)
    assert f"ed_range_{did}" not in [box.key for box in at.selectbox]
    at.run()
    assert at.selectbox(key=f"ed_range_{did}").value == "30d"
    # the bar's change is the builder's: the time row says the new range
    at.selectbox(key=f"ed_range_{did}").set_value("7d").run()
    assert not at.exception, at.exception
    rows = [b.label.replace("\\", "") for b in at.button if str(b.key).endswith("_open")]
    assert "Call time is in the last 7 days" in rows
    assert "Call duration is at least 60 s" in rows
    # applied again as it was: the filter did not change, nothing is asked
    with requests_to(app_env) as sent:
        at.button(key=f"flt_{node_id}_open").click().run()
        at.button(key=f"flt_{node_id}_apply").click().run()
    assert not at.exception, at.exception
    assert sent == {}
    assert draft_of(at, did).filters_json()["conditions"][-1] == {
        "field": "duration",
        "op": "gte",
        "value": 60,
    }


def test_a_builder_edit_redraws_only_the_followers_it_changed(app_env: Any) -> None:
    """A follower whose inputs an edit left as they were is not redrawn (AppTest shows what
    reran): a duration's value changes the sentence, the count and the charts, not the
    control bar; the time row's changes the control bar too."""
    made = dashboard_with(app_env, "Followers", TWELVE[:1])
    did = made["id"]
    at = open_editor(did)
    time_row = next(
        str(b.key)[len("flt_") : -len("_open")]
        for b in at.button
        if str(b.key).endswith("_open") and "Call time" in b.label
    )
    at.button(key=f"flt_{time_row}_open").click().run()
    at.pills(key=f"flt_{time_row}_when").set_value("now-14d").run()
    assert not at.exception, at.exception
    assert at.selectbox(key=f"ed_range_{did}").value == "14d"  # the bar followed
    assert any("last 14 days" in str(i.value) for i in at.info)  # and the sentence
    # a second change that leaves the draft dirty: the toolbar and Save are as they were
    at.button(key=f"flt_{time_row}_open").click().run()
    at.pills(key=f"flt_{time_row}_when").set_value("now-7d").run()
    assert at.selectbox(key=f"ed_range_{did}").value == "7d"
    assert any("last 7 days" in str(i.value) for i in at.info)
    drawn = [b.key for b in at.button]
    assert f"ed_undo_{did}" not in drawn and f"ed_save_{did}" not in drawn
    # back to the saved filter: the toolbar says so, and Save has nothing to send
    at.button(key=f"flt_{time_row}_open").click().run()
    at.pills(key=f"flt_{time_row}_when").set_value("now-30d").run()
    assert at.button(key=f"ed_save_{did}").disabled
    assert "Back to the saved version" in texts(at)
