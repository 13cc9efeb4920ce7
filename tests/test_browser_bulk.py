"""The bulk change journey in Debian's Chromium: tick 5 dashboards, replace one agent by
another, read the dry run, apply, see the tally, revert the batch; the API is the proof."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.harness import DemoAPI, StreamlitApp, rerun_after, wait_for_app
from tests.test_browser_journeys import button, choose, open_list, search_list, select_row, shot

pytestmark = pytest.mark.browser

DASHBOARDS = "/dashboards/dashboards/"


def filters(agent: int) -> dict[str, Any]:
    return {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "agent.id", "op": "in", "value": [agent]},
        ],
    }


def two_agents(api: DemoAPI) -> tuple[int, dict[str, Any], dict[str, Any]]:
    projects = {p["id"]: p["name"] for p in api.get("/user/v1/projects/").json()}
    for project_id in projects:
        agents = api.get(
            "/test_framework/v1/aiagents/short_list/", params={"project_id": project_id}
        ).json()["results"]
        if len(agents) >= 2:
            for a in agents:
                a["label"] = f"{a['agent_name']} ({projects[project_id]})"
            return project_id, agents[0], agents[1]
    raise AssertionError("no project with two agents")


def test_select_five_replace_an_agent_apply_and_revert(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    api = demo_api_server
    project_id, old, new = two_agents(api)
    tag = f"Bulk journey {secrets.token_hex(3)}"
    made = []
    for n in range(5):
        body = {"name": f"{tag} {n}", "project": project_id, "filters": filters(old["id"])}
        resp = api.post(DASHBOARDS, json=body)
        assert resp.status_code == 201, resp.text
        made.append(resp.json())

    open_list(page, streamlit_app)
    search_list(page, tag)
    expect(page.get_by_text("Showing 1–5 of 5 dashboards.")).to_be_visible()
    for row in range(5):
        select_row(page, row, rows=5)
    expect(page.get_by_text("5 dashboards selected")).to_be_visible()
    shot(page, screenshot_dir, "bulk-1-selected")
    page.locator(".st-key-dash_bulk").get_by_role("button").first.click()
    rerun_after(page, button(page, "dash_bulk_selected").click)
    expect(page.get_by_role("heading", name="Bulk change")).to_be_visible()
    expect(page.get_by_text("the 5 dashboards selected on the list")).to_be_visible()

    choose(page, "bulk_kind", "Replace one agent by another")
    choose(page, "bulk_old_agent", old["label"])
    choose(page, "bulk_new_agent", new["label"])
    rerun_after(page, button(page, "bulk_dry_run").click)
    expect(page.get_by_text("5 will change, 0 already fit, 0 skipped")).to_be_visible()
    expect(page.get_by_text("Nothing was sent", exact=False)).to_be_visible()
    shot(page, screenshot_dir, "bulk-2-dry-run")
    for d in made:  # the dry run sent nothing
        assert api.get(f"{DASHBOARDS}{d['id']}/").json()["filters"] == filters(old["id"])

    apply = button(page, "bulk_apply")
    expect(apply).to_have_text(re.compile("Apply to 5 dashboards"))
    apply.click()
    expect(page.get_by_role("heading", name="Apply finished")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_text("Saved: 5 · Skipped: 0 · Conflict: 0").first).to_be_visible()
    shot(page, screenshot_dir, "bulk-3-applied")
    for d in made:
        assert api.get(f"{DASHBOARDS}{d['id']}/").json()["filters"] == filters(new["id"])

    button(page, "bulk_revert").click()
    expect(page.get_by_role("heading", name="Revert finished")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_text("Saved: 5").first).to_be_visible()
    shot(page, screenshot_dir, "bulk-4-reverted")
    for d in made:
        assert api.get(f"{DASHBOARDS}{d['id']}/").json()["filters"] == filters(old["id"])


def test_name_click_opens_and_create_opens_the_new_dashboard(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI
) -> None:
    name = f"Name click {secrets.token_hex(3)}"
    made = demo_api_server.post(DASHBOARDS, json={"name": name}).json()
    open_list(page, streamlit_app)
    search_list(page, name)
    area = page.get_by_test_id("stDataFrame").get_by_test_id("data-grid-canvas")
    bounds = area.bounding_box()
    assert bounds is not None
    row_height = bounds["height"] / 2
    # the Name column starts after the checkbox column: click inside it, on the row
    page.mouse.click(bounds["x"] + 120, bounds["y"] + row_height * 1.5)
    expect(page).to_have_url(re.compile(rf"/editor\?dashboard={made['id']}$"), timeout=30_000)

    open_list(page, streamlit_app)
    new_name = f"Created {secrets.token_hex(3)}"
    page.get_by_role("button", name="New dashboard").click()
    page.get_by_label("Name", exact=True).fill(new_name)
    page.get_by_role("button", name="Create dashboard").click()
    expect(page).to_have_url(re.compile(r"/editor\?dashboard=\d+$"), timeout=30_000)
    wait_for_app(page)
    created = int(page.url.rsplit("=", 1)[1])
    assert demo_api_server.get(f"{DASHBOARDS}{created}/").json()["name"] == new_name
    expect(page.get_by_role("button", name="Create dashboard")).to_have_count(0)


def test_selecting_a_row_keeps_the_table_in_place_and_delete_is_red(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI
) -> None:
    name = f"Red button {secrets.token_hex(3)}"
    demo_api_server.post(DASHBOARDS, json={"name": name})
    open_list(page, streamlit_app)
    search_list(page, name)
    table = page.get_by_test_id("stDataFrame")
    table.scroll_into_view_if_needed()
    before = page.evaluate("() => window.scrollY") + table.bounding_box()["y"]
    select_row(page, 0, rows=1)
    after = page.evaluate("() => window.scrollY") + table.bounding_box()["y"]
    assert abs(after - before) < 1, (before, after)  # the table did not move on the page
    rerun_after(page, button(page, "dash_delete").click)
    confirm = page.get_by_role("dialog").get_by_role("button", name="Delete dashboard")
    expect(confirm).to_be_visible()
    colour = confirm.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(198, 40, 40)", colour
