"""Issue 14, reproductions 6 and 8, in Debian's Chromium.

- 8: every page fetched its favicon from a Google font host (a `:material/…` page icon).
  Over a whole session (the list, a search, a row, the delete dialog, the editor, an edit,
  the preview, a save) no request may leave the loopback host.
- 6: names holding a bare `http://…` or `www.…` became live links. With hostile names on
  every page of that session, the only `<a>` elements are the app's own (same origin).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from components.inert import ZWJ
from tests.harness import DemoAPI, StreamlitApp, rerun_after, start_demo_api, start_streamlit
from tests.test_app_inert_names import HOSTILE, seed_hostile
from tests.test_browser_journeys import (
    button,
    open_list,
    open_selected,
    search_list,
    select_row,
    type_into,
)

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
_ANCHORS = "() => Array.from(document.querySelectorAll('a')).map(a => [a.href, a.innerText])"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    api = start_demo_api(tmp_path_factory.mktemp("offline_api"), calls=200, faults=False)
    tag = "t" + secrets.token_hex(3)
    seeded = seed_hostile(api, tag)
    app = start_streamlit(
        tmp_path_factory.mktemp("offline_app"),
        {"CEKURA_BASE_URL": api.url, "CEKURA_API_KEY": api.api_key},
    )
    yield {"api": api, "app": app, "tag": tag, **seeded}
    app.stop()
    api.stop()


def _strange_anchors(page: Page, app: StreamlitApp) -> list[list[str]]:
    """`<a>` elements the app did not make: another origin, or words from a name."""
    origin = urlsplit(app.url).netloc
    found = []
    for href, text in page.evaluate(_ANCHORS):
        parts = urlsplit(href)
        if href and parts.scheme in ("http", "https") and parts.netloc != origin:
            found.append([href, text])
        elif href and parts.scheme not in ("http", "https", ""):
            found.append([href, text])
        elif re.search(r"evil|\bx\b|\bi\b|\be\b", text or "") or "evil" in href:
            found.append([href, text])
    return found


def _visible_text(page: Page) -> str:
    return str(page.locator("body").inner_text()).replace(ZWJ, "")


def test_repro8_and_repro6_a_session_stays_on_loopback_and_makes_no_foreign_links(
    page: Page, hostile_app: dict[str, Any], screenshot_dir: Path
) -> None:
    app: StreamlitApp = hostile_app["app"]
    api: DemoAPI = hostile_app["api"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    strange: list[Any] = []

    def check(step: str) -> None:
        strange.extend([step, *a] for a in _strange_anchors(page, app))

    open_list(page, app)
    check("list")
    search_list(page, hostile_app["tag"])
    check("search")

    # the rows: sorted by the API's order; take the first one
    listed = api.get(
        "/dashboards/dashboards/", params={"search": hostile_app["tag"], "page_size": 25}
    ).json()["results"]
    assert len(listed) == len(HOSTILE)
    first = listed[0]
    select_row(page, 0, rows=len(listed))
    selected = page.locator(".st-key-dash_selected_box")
    expect(selected).to_be_visible()
    assert first["name"] in str(selected.inner_text()).replace(ZWJ, "")
    check("selected")

    rerun_after(page, button(page, "dash_delete").click)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert first["name"] in str(dialog.inner_text()).replace(ZWJ, "")
    check("delete dialog")
    page.screenshot(path=str(screenshot_dir / "offline-delete-dialog.png"))
    rerun_after(page, dialog.get_by_role("button", name="Cancel").click)
    expect(dialog).to_have_count(0)

    select_row(page, 0, rows=len(listed))
    open_selected(page, first["id"])
    editor_text = _visible_text(page)
    assert f"Edit dashboard: {first['name']}" in editor_text
    assert "http://evil.example/agent **bold**" in editor_text  # the sentence names the agent
    check("editor")

    new_name = f"www.evil.example/renamed {hostile_app['tag']}"
    type_into(page, f"ed_name_{first['id']}", new_name)
    rerun_after(page, button(page, f"ed_preview_{first['id']}").click)
    expect(page.locator(f".st-key-ed_preview_box_{first['id']}")).to_be_visible()
    assert new_name in _visible_text(page)
    check("preview")
    page.screenshot(path=str(screenshot_dir / "offline-preview.png"), full_page=True)

    rerun_after(page, button(page, f"ed_save_{first['id']}").click)
    saved = api.get(f"/dashboards/dashboards/{first['id']}/").json()
    assert saved["name"] == new_name
    check("saved")

    assert strange == [], strange
    assert requested, "the request log saw the session"
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert foreign == [], foreign
    assert any("/media/" in url and url.endswith(".png") for url in requested), (
        "the favicon is the shipped file, served by the app"
    )
