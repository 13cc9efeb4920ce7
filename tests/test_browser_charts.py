"""A new user narrows a dashboard in Chromium (issue 10): the date range to the last 7 days
and one agent through the control bar, sees the call count and every widget's delta
change before saving, saves, and then sees the saved charts count what the "after" side
said. What was saved is checked through the API."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.harness import ROOT, DemoAPI, StreamlitApp, rerun_after, wait_for_app
from tests.test_browser_journeys import (
    a_project_and_agent,
    choose,
    click_save,
    create_dashboard,
    open_editor,
    server_copy,
    unique,
)

pytestmark = pytest.mark.browser

WIDGETS = [
    {"name": "Calls at a glance", "chart_type": "stat"},
    {
        "name": "Calls per day",
        "chart_type": "bar",
        "field": "duration",
        "time_period": "day",
        "aggregation_function": "count",
    },
    {"name": "Why calls ended", "chart_type": "pie", "field": "call_ended_reason"},
    {"name": "Duration per call", "chart_type": "line", "field": "duration"},
]
COUNT_LINE = re.compile(r"([\d,]+) calls? match")
CHANGE = re.compile(r" · change in ")
DELTA = re.compile(r" · change in (.+): ([\d,]+) → ([\d,]+)")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def count_line(page: Page, dashboard_id: int) -> str:
    return page.locator(f".st-key-ed_match_count_{dashboard_id}").inner_text()


def deltas(page: Page) -> list[tuple[str, int, int]]:
    texts = page.get_by_text(CHANGE).all_inner_texts()
    found = []
    for text in texts:
        match = DELTA.search(text)
        assert match, text
        found.append((match[1], number(match[2]), number(match[3])))
    return found


def chart_totals(page: Page) -> list[int]:
    """The caption under each saved chart ("208 calls"), in page order."""
    captions = page.get_by_test_id("stCaptionContainer").all_inner_texts()
    return [number(m[1]) for c in captions if (m := re.fullmatch(r"([\d,]+) calls( plotted)?", c))]


def pick_agent(page: Page, dashboard_id: int, name: str) -> None:
    box = page.locator(f".st-key-ed_agents_{dashboard_id}")
    box.get_by_role("combobox").click()
    rerun_after(page, page.get_by_role("option", name=name, exact=True).click)
    page.keyboard.press("Escape")
    expect(box).to_contain_text(name)


def test_new_user_narrows_the_range_and_agent_and_sees_before_and_after(
    page: Page,
    streamlit_app: StreamlitApp,
    demo_api_server: DemoAPI,
    screenshot_dir: Path,
) -> None:
    project, agent = a_project_and_agent(demo_api_server)
    month = {
        "operator": "and",
        "conditions": [{"field": "timestamp", "op": "gte", "value": "now-30d"}],
    }
    made = create_dashboard(
        demo_api_server, unique("Narrowed"), project=project["id"], filters=month
    )
    did = made["id"]
    for body in WIDGETS:
        resp = demo_api_server.post("/dashboards/widgets/", json={"dashboard": did, **body})
        assert resp.status_code == 201, resp.text

    open_editor(page, streamlit_app, did)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(3)
    saved_match = COUNT_LINE.search(count_line(page, did))
    assert saved_match and "match the saved filter" in count_line(page, did)
    saved_total = number(saved_match[1])
    saved_totals = chart_totals(page)
    assert len(saved_totals) == 3

    choose(page, f"ed_range_{did}", "Last 7 days")
    expect(page.locator(f".st-key-ed_match_count_{did}")).to_contain_text("with the saved filter")
    week = deltas(page)
    assert len(week) == len(WIDGETS)
    assert all(new < old for _, old, new in week), week
    week_match = COUNT_LINE.search(count_line(page, did))
    assert week_match is not None
    week_total = number(week_match[1])
    assert week_total < saved_total
    assert f"{saved_total:,} with the saved filter" in count_line(page, did)

    pick_agent(page, did, agent["agent_name"])
    wait_for_app(page)
    after = deltas(page)
    assert len(after) == len(WIDGETS)
    assert all(new <= week_new for (_, _, new), (_, _, week_new) in zip(after, week, strict=True))
    assert any(new < week_new for (_, _, new), (_, _, week_new) in zip(after, week, strict=True))
    after_match = COUNT_LINE.search(count_line(page, did))
    assert after_match is not None
    after_total = number(after_match[1])
    assert after_total < week_total
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(6)
    page.get_by_text("What the dashboard shows").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "journey-charts-before-after.png"), full_page=True)

    click_save(page, did)
    expect(page.get_by_text(CHANGE)).to_have_count(0)
    saved = server_copy(demo_api_server, did)
    assert saved["filters"] == {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "agent.id", "op": "eq", "value": agent["id"]},
        ],
    }
    # the saved dashboard counts what the "after" side said it would
    assert f"{after_total:,} calls match the saved filter" in count_line(page, did)
    stat_after = after[0][2]
    expect(page.get_by_text(re.compile(rf"^{stat_after:,} calls? · "))).to_be_visible()
    assert chart_totals(page) == [new for _, _, new in after[1:]]


SCREENSHOT = ROOT / "docs" / "screenshot-editor-charts.png"


def test_screenshot_of_the_seeded_overview_before_and_after(
    browser: Any, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    """The README's picture of the editor: the seeded "Support overview" narrowed to the
    last 7 days and one agent, unsaved, its widgets before and after. Saved in
    test-artifacts/ on every run; docs/ only when missing or CEKURA_UPDATE_SCREENSHOTS=1."""
    listed = demo_api_server.get("/dashboards/dashboards/", params={"page_size": 100}).json()
    overview = next(d for d in listed["results"] if d["name"] == "Support overview")
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        page = context.new_page()
        did = overview["id"]
        open_editor(page, streamlit_app, did)
        choose(page, f"ed_range_{did}", "Last 7 days")
        pick_agent(page, did, "Support Triage")
        wait_for_app(page)
        expect(page.get_by_text(CHANGE)).to_have_count(len(overview_widgets(demo_api_server, did)))
        heading = page.get_by_role("heading", name="What the dashboard shows")
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.mouse.move(1390, 1090)
        page.wait_for_timeout(800)  # the charts paint after the layout settles
        taken = screenshot_dir / "editor-charts.png"
        page.screenshot(path=str(taken))
    finally:
        context.close()
    if not SCREENSHOT.exists() or os.environ.get("CEKURA_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(taken, SCREENSHOT)


def overview_widgets(api: DemoAPI, dashboard_id: int) -> list[Any]:
    return list(server_copy(api, dashboard_id)["widgets"])
