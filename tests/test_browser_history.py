"""History journeys in Debian's Chromium against the shared demo API and Streamlit app
(conftest.py): save twice, compare the first and last versions on the History page,
restore the first and save it; and reload the editor mid-edit and find the draft. Every
outcome is checked through the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.harness import DemoAPI, StreamlitApp, rerun_after, wait_for_app
from tests.test_browser_journeys import (
    button,
    click_save,
    create_dashboard,
    open_editor,
    server_copy,
    shot,
    type_into,
    unique,
)

pytestmark = pytest.mark.browser

WEEK = {"operator": "and", "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}]}


def save_name(page: Page, api: DemoAPI, dashboard_id: int, name: str) -> None:
    type_into(page, f"ed_name_{dashboard_id}", name)
    click_save(page, dashboard_id)
    expect(page.get_by_text("All changes saved")).to_be_visible()
    assert server_copy(api, dashboard_id)["name"] == name


def test_compare_the_first_and_last_versions_restore_the_first_and_save(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    first = unique("Versioned board")
    made = create_dashboard(demo_api_server, first, filters=WEEK)
    did = made["id"]
    open_editor(page, streamlit_app, did)
    save_name(page, demo_api_server, did, first + " v2")
    save_name(page, demo_api_server, did, first + " v3")

    page.goto(streamlit_app.url + "/history")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="History", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Compare versions").click()
    type_into(page, "hist_versions_of_0", str(did))
    compare = page.locator(".st-key-histver_a_0_3")
    expect(compare.get_by_role("combobox")).to_have_value(re.compile(r"before entry #\d+"))
    expect(page.get_by_text(f"Renamed '{first}' to '{first} v3'")).to_be_visible()
    shot(page, screenshot_dir, "history-compare", top=compare)

    rerun_after(page, button(page, "hist_restore_a_0").click)
    expect(page).to_have_url(re.compile(rf"/editor\?dashboard={did}&draft=[\w-]+$"))
    wait_for_app(page)
    name_box = page.locator(f".st-key-ed_name_{did} input")
    expect(name_box).to_have_value(first)
    expect(page.get_by_text("This draft restores a version from the history")).to_be_visible()
    # the before/after in words and the exact request, before anything is sent
    expect(page.get_by_text(f"Renamed '{first} v3' to '{first}'").first).to_be_visible()
    expect(
        page.get_by_text(re.compile(rf"PATCH .*/dashboards/dashboards/{did}/")).first
    ).to_be_visible()
    shot(page, screenshot_dir, "history-restore-draft")
    assert server_copy(demo_api_server, did)["name"] == first + " v3"

    click_save(page, did)
    expect(page.get_by_text("All changes saved")).to_be_visible()
    restored = server_copy(demo_api_server, did)
    assert (restored["name"], restored["filters"]) == (first, made["filters"])
    expect(page).to_have_url(re.compile(rf"/editor\?dashboard={did}$"))


def test_a_reload_mid_edit_finds_the_draft_intact(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    name = unique("Reloaded board")
    made = create_dashboard(demo_api_server, name, filters=WEEK)
    did = made["id"]
    open_editor(page, streamlit_app, did)
    type_into(page, f"ed_name_{did}", name + " (unsaved)")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/editor\?dashboard={did}&draft=[\w-]+$"))
    kept_url = page.url

    page.reload()
    wait_for_app(page)
    expect(page).to_have_url(kept_url)
    expect(page.locator(f".st-key-ed_name_{did} input")).to_have_value(name + " (unsaved)")
    expect(page.get_by_text("Reopened your unsaved draft")).to_be_visible()
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    shot(page, screenshot_dir, "history-reloaded-draft")
    assert server_copy(demo_api_server, did)["name"] == name

    # a tab opened on /editor with no id lists the draft with both parameters
    page.goto(streamlit_app.url + "/editor")
    wait_for_app(page)
    link = page.get_by_role("link", name=re.compile(re.escape(name + " (unsaved)")))
    expect(link).to_have_attribute("href", re.compile(rf"dashboard={did}&draft=[\w-]+"))
