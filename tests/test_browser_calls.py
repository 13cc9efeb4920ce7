"""From a bar to its calls and on to the Calls page, in Debian's Chromium, the way a
person does it: click the tallest bar, read the count, open the Calls page from the
panel, narrow by an agent, download the CSV. Every number is checked against the API.

The journey runs from the editor's charts, and once more from tests/drilldown_demo_app.py,
which draws a dashboard's widgets with build_view, `on_select="rerun"` and
render_point_calls and nothing else, beside the real Calls page.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.drilldown import drilldown_filter
from services import state_keys as keys
from services.calls import CALLS_FILTER_ID
from tests.harness import (
    LOOPBACK,
    ROOT,
    DemoAPI,
    StreamlitApp,
    _wait_until,
    free_port,
    rerun_after,
    wait_for_app,
)

pytestmark = pytest.mark.browser

CALL_LOGS = "GET /observability/v1/call-logs/"
DEMO_APP = Path(__file__).with_name("drilldown_demo_app.py")


@pytest.fixture(scope="module")
def demo_app(
    demo_api_server: DemoAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitApp]:
    """The drill-down stand-in app on a free loopback port, stopped by its pid."""
    port = free_port()
    log = tmp_path_factory.mktemp("drill_app") / "streamlit.log"
    env = os.environ | {
        "CEKURA_BASE_URL": demo_api_server.url,
        "CEKURA_API_KEY": demo_api_server.api_key,
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(DEMO_APP), "--server.port", str(port)]
    cmd += ["--server.address", LOOPBACK, "--server.headless", "true"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    app = StreamlitApp(f"http://{LOOPBACK}:{port}", proc)
    try:
        _wait_until(
            lambda: requests.get(app.url + "/_stcore/health", timeout=2).text == "ok",
            proc,
            "drill-down demo app",
            90,
            log,
        )
        yield app
    finally:
        app.stop()


def a_count_bar_widget(client: CekuraClient) -> tuple[Any, Any, Any]:
    """A seeded dashboard with a daily count bar chart (no group: one bar per bucket, so
    the tallest bar is the bucket with most calls), its widget and its data."""
    for summary in client.iter_dashboards():
        dashboard = client.get_dashboard(dashboard_id=summary.id)
        for widget in dashboard.widgets:
            if (
                widget.chart_type == "bar"
                and widget.aggregation_function == "count"
                and widget.group_by is None
                and widget.time_period == "day"
            ):
                answer = client.widget_data(widget_id=widget.id)
                if isinstance(answer.data, list) and len(answer.data) >= 3:
                    return dashboard, widget, answer
    raise AssertionError("no seeded daily count bar chart")


def heading_count(scope: Any) -> int:
    text = scope.locator("h3").filter(has_text=re.compile(r"^[\d,]+ calls?$")).first.inner_text()
    return int(text.split(" ")[0].replace(",", ""))


def click_tallest_bar(page: Page, box_key: str) -> None:
    """Click the bar drawn tallest (Vega draws bars as SVG paths; the tallest is found by
    its height on screen, not from the data)."""
    bars = page.locator(f".st-key-{box_key} .mark-rect path")
    expect(bars.first).to_be_visible(timeout=30_000)
    bars.first.scroll_into_view_if_needed()
    wait_for_app(page)
    boxes = [bars.nth(i).bounding_box() or {"height": 0.0} for i in range(bars.count())]
    tallest = max(range(len(boxes)), key=lambda i: boxes[i]["height"])
    rerun_after(page, bars.nth(tallest).click)


def choose_agent(page: Page, name: str) -> None:
    box = page.locator(f".st-key-{keys.w_ed_agents(CALLS_FILTER_ID)}")
    box.click()
    page.keyboard.type(name)
    rerun_after(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")


def journey(page: Page, api: DemoAPI, tmp_path: Path, dashboard_url: str, box_key: str) -> None:
    """Open a dashboard, click the tallest bar, see its calls with the matching count,
    open the Calls page from it, narrow by agent, download the CSV and check its rows."""
    client = CekuraClient(api.url, api.api_key, timeout=(3.05, 30))
    dashboard, widget, answer = a_count_bar_widget(client)
    tallest = max(answer.data, key=lambda p: p["value"])
    filters = drilldown_filter(widget, tallest, widget.effective_filters)
    assert filters is not None

    page.goto(dashboard_url.format(id=dashboard.id))
    wait_for_app(page)
    api.clear_faults()
    click_tallest_bar(page, box_key.format(id=widget.id))
    panel = page.locator(f".st-key-calls_panel_w{widget.id}_saved")
    expect(panel).to_be_visible()
    assert heading_count(panel) == tallest["sample_count"]
    # one click, one page shown: one call-logs request
    assert api.fault_counts().get(CALL_LOGS, 0) == 1

    rerun_after(page, panel.get_by_role("link", name="Open these calls on the Calls page").click)
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"/calls\?"))
    expect(page.get_by_role("heading", name="Calls", exact=True)).to_be_visible()
    assert heading_count(page) == tallest["sample_count"]

    # narrow by the agent of the newest of those calls
    newest = client.list_call_logs(project_id=dashboard.project, filters=filters, page_size=1)
    agent_id, agent_name = newest.results[0].agent, newest.results[0].agent_name
    choose_agent(page, agent_name or f"Agent {agent_id}")
    narrowed = {
        **filters,
        "conditions": [
            *filters["conditions"],
            {"field": "agent.id", "op": "eq", "value": agent_id},
        ],
    }
    expected = client.list_call_logs(project_id=dashboard.project, filters=narrowed, page_size=1000)
    expect(
        page.locator("h3").filter(has_text=re.compile(rf"^{expected.count} calls?$"))
    ).to_be_visible()
    assert 0 < expected.count <= tallest["sample_count"]

    rerun_after(page, page.get_by_role("button", name="Export these calls as CSV").click)
    download_button = page.get_by_role("button", name=re.compile(r"^Download CSV"))
    expect(download_button).to_be_visible()
    with page.expect_download() as info:
        download_button.click()
    path = tmp_path / "calls.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [int(r["Call ID"]) for r in rows] == [c.id for c in expected.results]
    assert {r["Agent"] for r in rows} == {agent_name}
    assert all(r["Customer number"].startswith("•••") for r in rows if r["Customer number"])


def test_journey_from_the_editor(
    streamlit_app: StreamlitApp, demo_api_server: DemoAPI, page: Page, tmp_path: Path
) -> None:
    journey(
        page,
        demo_api_server,
        tmp_path,
        streamlit_app.url + "/editor?dashboard={id}",
        "chart_box_{id}",
    )


def test_journey_from_the_stand_in_charts(
    demo_app: StreamlitApp, demo_api_server: DemoAPI, page: Page, tmp_path: Path
) -> None:
    """The same on the stand-in app: render_point_calls as any chart helper calls it."""
    journey(page, demo_api_server, tmp_path, demo_app.url + "/?dashboard={id}", "demo_widget_{id}")
