"""The Calls page and the point-to-calls panel through AppTest, against the shared demo API
over real HTTP. Requests are counted by the demo API's fault counters (what reached the
server), not by the app's own word."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from cekura_dashboards import call_table
from cekura_dashboards.client import CekuraClient
from services import calls as calls_service
from services import state_keys as keys
from tests.harness import ROOT, DemoAPI

pytestmark = pytest.mark.app

APP = ROOT / "app.py"
CALL_LOGS = "GET /observability/v1/call-logs/"
TABLE = "page"


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def client_of(api: DemoAPI) -> CekuraClient:
    return CekuraClient(api.url, api.api_key, timeout=(3.05, 30))


def a_project_with_agents(api: DemoAPI) -> tuple[int, list[dict[str, Any]]]:
    for project in api.get("/user/v1/projects/").json():
        agents = api.get(
            "/test_framework/v1/aiagents/short_list/", params={"project_id": project["id"]}
        ).json()["results"]
        if len(agents) >= 2:
            return int(project["id"]), agents
    raise AssertionError("the demo data has no project with two agents")


def open_calls(filters: str | None = None, project: int | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    if filters is not None:
        at.query_params["filters"] = filters
    if project is not None:
        at.query_params["project"] = str(project)
    at.switch_page("pages/calls.py")
    at.run()
    assert not at.exception, at.exception
    return at


def call_log_requests(api: DemoAPI) -> int:
    return int(api.fault_counts().get(CALL_LOGS, 0))


def heading_count(at: AppTest) -> int:
    """The "N calls" heading of the table, as a number."""
    for block in at.markdown:
        text = str(block.value)
        if text.startswith("### ") and " call" in text:
            return int(text[4:].split(" ")[0].replace(",", ""))
    raise AssertionError("no 'N calls' heading on the page")


def texts(at: AppTest) -> str:
    parts = [*at.error, *at.warning, *at.info, *at.caption]
    return "\n".join(str(p.value) for p in parts).replace("\\", "")


SEVEN_DAYS = {
    "operator": "and",
    "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}],
}


# --- the URL ------------------------------------------------------------------------------
def test_a_link_opens_its_filter_and_an_edit_goes_back_into_the_url(app_env: DemoAPI) -> None:
    project, agents = a_project_with_agents(app_env)
    filters = {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-14d"},
            {"field": "success", "op": "eq", "value": False},
        ],
    }
    at = open_calls(compact(filters), project)
    draft = at.session_state[keys.s_draft(calls_service.CALLS_FILTER_ID)]
    assert draft.filters_json() == filters and draft.project == project
    expected = client_of(app_env).list_call_logs(project_id=project, filters=filters, page_size=1)
    assert heading_count(at) == expected.count
    assert at.selectbox(key=keys.w_ed_range(calls_service.CALLS_FILTER_ID)).value == "14d"

    at.multiselect(key=keys.w_ed_agents(calls_service.CALLS_FILTER_ID)).select(
        agents[0]["id"]
    ).run()
    narrowed = {
        "operator": "and",
        "conditions": [
            *filters["conditions"],
            {"field": "agent.id", "op": "eq", "value": agents[0]["id"]},
        ],
    }
    assert at.query_params["filters"] == compact(narrowed)
    assert at.query_params["project"] == str(project)
    fewer = client_of(app_env).list_call_logs(project_id=project, filters=narrowed, page_size=1)
    assert heading_count(at) == fewer.count < expected.count

    # the link, opened in another session, shows the same calls
    again = open_calls(at.query_params["filters"], project)
    assert heading_count(again) == fewer.count


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"operator":"and","conditions":[', "not JSON: Expecting value at character 33"),
        ('{"field":"topic"}', "not a filter: Missing 'op' and 'value'"),
        ("[1]", "a JSON object, not list"),
    ],
)
def test_a_link_whose_filter_is_broken_says_what_is_wrong(
    app_env: DemoAPI, text: str, words: str
) -> None:
    at = open_calls(text)
    assert words in texts(at)
    # the page's own filter is used instead, and the link is left as it came until an edit
    assert at.session_state[keys.s_draft(0)].filters_json() == calls_service.DEFAULT_FILTER
    assert at.query_params["filters"] == text
    at.selectbox(key=keys.w_ed_range(calls_service.CALLS_FILTER_ID)).set_value("24h").run()
    assert "now-24h" in at.query_params["filters"]
    assert words not in texts(at)


# --- the table ----------------------------------------------------------------------------
def test_the_table_has_its_columns_masks_numbers_and_reveals_them(app_env: DemoAPI) -> None:
    at = open_calls(compact(SEVEN_DAYS))
    frame = at.dataframe[0].value
    assert list(frame.columns) == list(call_table.COLUMNS)
    sent = client_of(app_env).list_call_logs(filters=SEVEN_DAYS, page_size=25).results
    numbers = [c.customer_number for c in sent if c.customer_number]
    assert numbers and all(n.startswith("•••") for n in frame["Customer number"])
    assert sorted(frame["Customer number"]) == sorted(call_table.mask_number(n) for n in numbers)
    assert all(":" in d for d in frame["Duration"])
    at.toggle(key=keys.w_calls(TABLE, "reveal")).set_value(True).run()
    assert sorted(at.dataframe[0].value["Customer number"]) == sorted(numbers)
    assert "at most 10,000 calls" in texts(at)


def test_each_page_shown_costs_one_request_and_sorting_costs_none(app_env: DemoAPI) -> None:
    app_env.clear_faults()
    at = open_calls(compact(SEVEN_DAYS))
    assert call_log_requests(app_env) == 1
    first_page = list(at.dataframe[0].value["Time (UTC)"])
    at.button(key=keys.w_calls(TABLE, "next")).click().run()
    assert call_log_requests(app_env) == 2
    assert set(at.dataframe[0].value["Time (UTC)"]).isdisjoint(first_page[1:])
    at.selectbox(key=keys.w_calls(TABLE, "sort")).set_value("Longest first").run()
    seconds = [
        int(m) * 60 + int(s) for m, s in (d.split(":") for d in at.dataframe[0].value["Duration"])
    ]
    assert seconds == sorted(seconds, reverse=True)
    at.button(key=keys.w_calls(TABLE, "prev")).click().run()
    assert sorted(at.dataframe[0].value["Time (UTC)"]) == sorted(first_page)
    assert call_log_requests(app_env) == 2  # the sort and page 1 again were kept


def test_a_window_the_call_logs_refuse_is_explained_and_never_sent(app_env: DemoAPI) -> None:
    app_env.clear_faults()
    old = {
        "operator": "and",
        "conditions": [{"field": "timestamp", "op": "gte", "value": "2020-01-01T00:00:00Z"}],
    }
    at = open_calls(compact(old))
    assert "more than 30 days ago" in texts(at)
    assert "Nothing was asked of the API" in texts(at)
    assert call_log_requests(app_env) == 0
    assert not at.dataframe


# --- the export ---------------------------------------------------------------------------
def test_the_export_stops_at_the_cap_and_says_so(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(call_table, "EXPORT_CAP", 120)
    monkeypatch.setattr(calls_service, "EXPORT_PAGE_SIZE", 50)
    at = open_calls(compact(SEVEN_DAYS))
    total = heading_count(at)
    assert total > 120
    app_env.clear_faults()
    at.button(key=keys.w_calls(TABLE, "export")).click().run()
    assert call_log_requests(app_env) == 3  # 50 + 50 + 20 of the third page
    job = at.session_state[keys.s_calls_export(TABLE)]
    assert job.status == "done" and len(job.rows) == 120 and job.capped
    assert f"newest 120 of {total:,} calls" in texts(at)
    rows = list(csv.DictReader(io.StringIO(job.csv().decode("utf-8-sig"))))
    assert len(rows) == 120
    sent = client_of(app_env).list_call_logs(filters=SEVEN_DAYS, page=1, page_size=120)
    assert [int(r["Call ID"]) for r in rows] == [c.id for c in sent.results]
    assert all(r["Customer number"].startswith("•••") for r in rows if r["Customer number"])
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV (120 calls)"]


def test_a_failed_export_can_be_cancelled_and_asks_for_no_more_pages(app_env: DemoAPI) -> None:
    at = open_calls(compact(SEVEN_DAYS))
    app_env.clear_faults()
    app_env.arm_fault(
        method="GET", path="/observability/v1/call-logs/", kind="status", status=400, times=1
    )
    at.button(key=keys.w_calls(TABLE, "export")).click().run()
    assert "The export stopped after 0 of" in texts(at)
    at.button(key=keys.w_calls(TABLE, "cancel")).click().run()
    assert "Export cancelled after 0 of" in texts(at)
    assert call_log_requests(app_env) == 1
    assert at.session_state[keys.s_calls_export(TABLE)].status == "cancelled"
    app_env.clear_faults()


# --- to a dashboard -----------------------------------------------------------------------
def test_use_on_a_dashboard_puts_the_filter_in_its_draft_and_saves_nothing(
    app_env: DemoAPI,
) -> None:
    project, agents = a_project_with_agents(app_env)
    made = app_env.post(
        "/dashboards/dashboards/",
        json={"name": "Calls target board", "project": project, "filters": SEVEN_DAYS},
    ).json()
    filters = {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-24h"},
            {"field": "agent.id", "op": "eq", "value": agents[-1]["id"]},
        ],
    }
    at = open_calls(compact(filters), project)
    at.selectbox(key=keys.W_CALLS_TARGET).set_value(made["id"]).run()
    at.button(key=keys.W_CALLS_USE).click().run()
    assert not at.exception, at.exception
    draft = at.session_state[keys.s_draft(made["id"])]
    assert draft.filters_json() == filters and draft.is_dirty()
    assert at.query_params["dashboard"] == str(made["id"])
    saved = app_env.get(f"/dashboards/dashboards/{made['id']}/").json()
    assert saved["filters"] == SEVEN_DAYS


# --- the panel under a chart --------------------------------------------------------------
def _panel_script(dashboard_id: int, pick: str) -> None:
    """A chart-less stand-in of the editor's widget area: the widgets of one dashboard
    as views, and the panel for the point a selection event names."""
    import streamlit as st

    from cekura_dashboards.charts import build_view
    from components.point_calls import open_calls_for_point, render_point_calls
    from services.connection import get_client
    from tests.harness import ROOT

    calls_page = st.Page(str(ROOT / "pages" / "calls.py"), title="Calls", url_path="calls")
    st.navigation([st.Page(lambda: None, title="Charts", default=True), calls_page])
    client = get_client()
    dashboard = client.get_dashboard(dashboard_id=dashboard_id)
    widget = next(w for w in dashboard.widgets if w.chart_type == "bar")
    answer = client.widget_data(widget_id=widget.id)
    view = build_view(widget, answer)
    points = answer.data
    index = (
        max(range(len(points)), key=lambda i: points[i]["sample_count"]) if pick == "tallest" else 0
    )
    st.session_state["picked"] = points[index]
    if pick == "old":  # a dashboard saved with a custom range long gone: a bucket in it
        saved_range = {
            "operator": "and",
            "conditions": [
                {"field": "timestamp", "op": "gte", "value": "2020-01-01T00:00:00Z"},
                {"field": "timestamp", "op": "lte", "value": "2020-01-20T00:00:00Z"},
            ],
        }
        old = {**points[0], "time_interval": "2020-01-05T00:00:00Z"}
        open_calls_for_point(widget, old, saved_range, dashboard.project, calls_page=calls_page)
        return
    event = {"selection": {"point": [{"point_index": index}]}}
    render_point_calls(
        widget,
        view,
        event,
        widget.effective_filters,
        dashboard.project,
        data_type=answer.metadata.data_type,
        calls_page=calls_page,
    )


def _seeded_dashboard_with_bars(api: DemoAPI) -> int:
    client = client_of(api)
    for summary in client.iter_dashboards():
        full = client.get_dashboard(dashboard_id=summary.id)
        if any(w.chart_type == "bar" for w in full.widgets):
            return int(summary.id)
    raise AssertionError("no seeded dashboard with a bar widget")


def test_the_tallest_bar_opens_its_calls_for_one_request(app_env: DemoAPI) -> None:
    dashboard_id = _seeded_dashboard_with_bars(app_env)
    at = AppTest.from_function(_panel_script, args=(dashboard_id, "tallest"), default_timeout=60)
    app_env.clear_faults()
    at.run()
    assert not at.exception, at.exception
    assert heading_count(at) == at.session_state["picked"]["sample_count"]
    assert call_log_requests(app_env) == 1
    assert at.page_link[0].label == "Open these calls on the Calls page"


def test_a_point_whose_window_is_refused_is_explained_before_any_request(
    app_env: DemoAPI,
) -> None:
    dashboard_id = _seeded_dashboard_with_bars(app_env)
    at = AppTest.from_function(_panel_script, args=(dashboard_id, "old"), default_timeout=60)
    app_env.clear_faults()
    at.run()
    assert not at.exception, at.exception
    assert "more than 30 days ago" in texts(at)
    assert call_log_requests(app_env) == 0
