"""The README's picture: the dashboards list as `make run` shows it, on the embedded demo
data, taken in Debian's Chromium.

Every run saves it in test-artifacts/. It replaces the committed docs/screenshot-dashboards.png
only when that is missing or when CEKURA_UPDATE_SCREENSHOTS=1 (its exact times change on
every run, and a test run should not leave the git tree modified)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.harness import ROOT, StreamlitApp, start_streamlit, wait_for_app

README_SCREENSHOT = ROOT / "docs" / "screenshot-dashboards.png"
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture
def demo_mode_app(tmp_path: Path) -> Iterator[StreamlitApp]:
    """The app with no key configured, so it starts its own demo API (a small seed in a
    temporary database), as `make run` does on a fresh machine."""
    if (ROOT / ".streamlit" / "secrets.toml").exists():
        pytest.skip(".streamlit/secrets.toml configures an API key, so there is no demo mode")
    app = start_streamlit(
        tmp_path,
        {"CEKURA_DEMO_DB": str(tmp_path / "demo.sqlite3"), "CEKURA_DEMO_CALLS": "2000"},
        unset=("CEKURA_API_KEY", "CEKURA_BASE_URL"),
    )
    yield app
    app.stop()


@pytest.mark.browser
def test_readme_screenshot_of_the_dashboards_list(
    browser, demo_mode_app: StreamlitApp, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(demo_mode_app.url + "/")
        wait_for_app(page, timeout=60_000)  # the first visit starts and seeds the demo API
        expect(page.get_by_role("heading", name="Dashboards", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("demo data")
        expect(page.get_by_text(re.compile(r"^Showing 1–\d+ of \d+ dashboards"))).to_be_visible()
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.mouse.move(1390, 890)
        page.wait_for_timeout(500)  # the table's canvas paints after the layout settles
        taken = screenshot_dir / "readme-dashboards.png"
        page.screenshot(path=str(taken))
    finally:
        context.close()
    assert taken.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if not README_SCREENSHOT.exists() or os.environ.get("CEKURA_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(taken, README_SCREENSHOT)
