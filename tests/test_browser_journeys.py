"""Journeys in Debian's Chromium, done the way a person does them: clicks on the list and
the builder, and every outcome checked through the API (what the page says is not proof).

Each test makes its own dashboards through the API, so the tests do not depend on each
other or on their order; they share one demo API and one Streamlit app (conftest.py).
Screenshots of the key moments go to `test-artifacts/` (the `screenshot_dir` fixture).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.harness import DemoAPI, StreamlitApp, rerun_after, wait_for_app

pytestmark = pytest.mark.browser

DASHBOARDS = "/dashboards/dashboards/"

# The ids of the builder's condition rows (a row is a button keyed `flt_<node id>_open`,
# the row being edited a box keyed `flt_<node id>_editing`), in page order.
_CONDITION_IDS = """() => Array.from(document.querySelectorAll('[class*="st-key-flt_"]'))
  .flatMap(e => [...e.classList])
  .map(c => c.match(/^st-key-flt_(n\\d+)_(open|editing)$/)).filter(m => m).map(m => m[1])"""

# The problems drawn under one read-only row (the lines of its fragment besides the row).
_MESSAGES_AT = """(nid) => {
  const row = document.querySelector(`.st-key-flt_${nid}_open`);
  if (!row) return ['(the row is not shown)'];
  const block = row.closest('[data-testid="stVerticalBlock"]');
  return [...block.children].filter(c => !c.querySelector('button'))
    .map(c => c.innerText.trim()).filter(t => t);
}"""


# --- data through the API --------------------------------------------------------------------
def unique(label: str) -> str:
    return f"{label} {secrets.token_hex(3)}"


def create_dashboard(api: DemoAPI, name: str, **fields: Any) -> dict[str, Any]:
    resp = api.post(DASHBOARDS, json={"name": name, **fields})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def server_copy(api: DemoAPI, dashboard_id: int) -> dict[str, Any]:
    resp = api.get(f"{DASHBOARDS}{dashboard_id}/")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def a_project_and_agent(api: DemoAPI) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first project that has agents, and the last of its agents (not the default
    first choice of any picker)."""
    for project in api.get("/user/v1/projects/").json():
        agents = api.get(
            "/test_framework/v1/aiagents/short_list/", params={"project_id": project["id"]}
        ).json()["results"]
        if agents:
            return project, agents[-1]
    raise AssertionError("the demo data has no project with agents")


# --- driving the page ------------------------------------------------------------------------
def shot(page: Page, screenshot_dir: Path, name: str, *, top: Any = None) -> None:
    """Save a screenshot; `top` (a locator) is scrolled to the top of the view first."""
    if top is not None:
        top.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(1390, 990)  # no tooltip of the last button clicked in the picture
    page.wait_for_timeout(300)  # let the tooltip fade
    page.screenshot(path=str(screenshot_dir / f"journey-{name}.png"))


def button(page: Page, widget_key: str):
    """The button of a keyed st.button (Streamlit also draws a hidden copy of it)."""
    return page.locator(f".st-key-{widget_key}").get_by_role("button")


def open_list(page: Page, app: StreamlitApp) -> None:
    page.goto(app.url + "/")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Dashboards", exact=True)).to_be_visible()


def search_list(page: Page, text: str) -> None:
    box = page.get_by_label("Search by name")
    box.fill(text)
    rerun_after(page, lambda: box.press("Enter"))


def _settled_box(page: Page, area: Any) -> dict[str, float]:
    """The element's box once it stops moving: after a rerun (a dialog closed) the table
    can be drawn again, and a click at a place computed mid-layout lands on another cell
    (on a busy machine it opened the dashboard instead of ticking its box)."""
    wait_for_app(page)
    last = None
    for _ in range(50):
        box = area.bounding_box()
        assert box is not None
        if box == last:
            return box
        last = box
        page.wait_for_timeout(100)
    raise AssertionError(f"the table kept moving: {last}")


def select_row(page: Page, index: int, rows: int) -> None:
    """Click the selection box of table row `index` (0-based) of `rows` shown rows. The
    table is drawn on a canvas, so the row is found by its place."""
    grid = page.get_by_test_id("stDataFrame")
    area = grid.get_by_test_id("data-grid-canvas")
    area.scroll_into_view_if_needed()
    bounds = _settled_box(page, area)
    row_height = bounds["height"] / (rows + 1) if rows < 10 else 35
    y = row_height * (index + 1) + row_height / 2
    # the canvas lies under a scroll layer that takes the clicks: click at the place
    rerun_after(page, lambda: page.mouse.click(bounds["x"] + 16, bounds["y"] + y))
    expect(button(page, "dash_open")).to_be_visible()


def open_selected(page: Page, dashboard_id: int) -> None:
    rerun_after(page, button(page, "dash_open").click)
    expect(page).to_have_url(re.compile(rf"/editor\?dashboard={dashboard_id}$"))
    wait_for_app(page)
    expect(page.locator(f".st-key-ed_save_{dashboard_id}")).to_be_visible()


def open_editor(page: Page, app: StreamlitApp, dashboard_id: int) -> None:
    page.goto(f"{app.url}/editor?dashboard={dashboard_id}")
    wait_for_app(page)
    expect(page.locator(f".st-key-ed_save_{dashboard_id}")).to_be_visible()


def choose(page: Page, widget_key: str, option: str, *, applies: bool = False) -> None:
    """Pick `option` in the keyed selectbox with the mouse: open the list, click it.
    `applies`: the choice finishes the builder row, which closes (the box goes away)."""
    box = page.locator(f".st-key-{widget_key}")
    combo = box.get_by_role("combobox")
    already = combo.input_value() == option
    for _attempt in range(4):
        if combo.get_attribute("aria-expanded") != "true":
            box.get_by_role("button", name="Open").click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(state="visible", timeout=2_000)
        except PlaywrightTimeoutError:
            continue  # a rerun redrew the box and closed its list: open it again
        if already:
            choice.click()  # the same choice again asks for no rerun
            wait_for_app(page)
        else:
            rerun_after(page, choice.click)
        break
    if applies:
        expect(box).to_have_count(0)
        return
    expect(combo).to_have_value(option)


def condition_ids(page: Page) -> list[str]:
    return list(page.evaluate(_CONDITION_IDS))


def add_condition(page: Page, group: Any = None) -> str:
    """Click "Add condition" (of the only group, or inside `group`, a locator) and return
    the new row's node id (the row opens, asking what to filter on)."""
    before = condition_ids(page)
    where = group if group is not None else page
    rerun_after(page, where.get_by_role("button", name="Add condition").last.click)
    page.wait_for_function(f"() => ({_CONDITION_IDS})().length > {len(before)}")
    wait_for_app(page)
    (new,) = [nid for nid in condition_ids(page) if nid not in before]
    return new


def pick_pill(page: Page, widget_key: str, label: str) -> None:
    """Click one choice of a keyed st.pills / st.segmented_control."""
    box = page.locator(f".st-key-{widget_key}")
    rerun_after(page, box.get_by_text(label, exact=True).click)


def row_text(page: Page, node_id: str):
    """A read-only row: the button whose label is the row's sentence."""
    return button(page, f"flt_{node_id}_open")


def open_row(page: Page, node_id: str) -> None:
    rerun_after(page, button(page, f"flt_{node_id}_open").click)
    expect(page.locator(f".st-key-flt_{node_id}_editing")).to_be_visible()


def type_into(page: Page, widget_key: str, text: str) -> None:
    """Type into a keyed text/number/date box and press Enter (which applies it)."""
    field = page.locator(f".st-key-{widget_key} input")
    field.fill(text)
    rerun_after(page, lambda: field.press("Enter"))
    expect(field).to_have_value(text)


def type_into_row(page: Page, widget_key: str, text: str) -> None:
    """Type into a box of the row being edited and press Enter, which applies the row
    (and closes it, so the box is gone afterwards)."""
    field = page.locator(f".st-key-{widget_key} input")
    field.fill(text)
    rerun_after(page, lambda: field.press("Enter"))
    expect(page.locator(f".st-key-{widget_key}")).to_have_count(0)


def pick_day(page: Page, widget_key: str, *, months_back: int, day: int) -> date:
    """Pick a day in the keyed date input's calendar with the mouse: open it, go back
    `months_back` months from the date it shows, click `day`."""
    box = page.locator(f".st-key-{widget_key}")
    shown = date.fromisoformat(box.locator('input[type="date"]').input_value())
    month_index = shown.year * 12 + shown.month - 1 - months_back
    target = date(month_index // 12, month_index % 12 + 1, day)
    box.get_by_role("button", name="Choose date").click()
    calendar = page.get_by_role("dialog")
    for _ in range(months_back):
        calendar.get_by_role("button", name="Previous month").click()
    label = f", {target:%B} {target.day}, {target.year}"
    day_button = calendar.get_by_role("button", name=re.compile(re.escape(label) + "$"))
    rerun_after(page, day_button.click)
    expect(box.locator('input[type="date"]')).to_have_value(target.isoformat())
    return target


def messages_at(page: Page, node_id: str) -> list[str]:
    return list(page.evaluate(_MESSAGES_AT, node_id))


def save_button(page: Page, dashboard_id: int):
    return button(page, f"ed_save_{dashboard_id}")


def click_save(page: Page, dashboard_id: int) -> None:
    save = save_button(page, dashboard_id)
    expect(save).to_be_enabled()
    rerun_after(page, save.click)


# --- (1) a new user builds a filter by clicking ----------------------------------------------
class Clicks:
    """Counts the clicks of a journey (typing a value is not a click; Enter applies it)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def add(self, group: Any = None) -> str:
        self.count += 1
        return add_condition(self.page, group)

    def pill(self, widget_key: str, label: str) -> None:
        self.count += 1
        pick_pill(self.page, widget_key, label)

    def choose(self, widget_key: str, option: str, *, applies: bool = False) -> None:
        self.count += 2  # open the list, click the option
        choose(self.page, widget_key, option, applies=applies)

    def click(self, locator: Any) -> None:
        self.count += 1
        rerun_after(self.page, locator.click)


def billing_project(api: DemoAPI) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The seeded project that has the agent "Billing Bot" and its CSAT metric."""
    for project in api.get("/user/v1/projects/").json():
        agents = api.get(
            "/test_framework/v1/aiagents/short_list/", params={"project_id": project["id"]}
        ).json()["results"]
        bot = next((a for a in agents if a["agent_name"] == "Billing Bot"), None)
        if bot is None:
            continue
        listed = api.get("/test_framework/v1/metrics/", params={"project_id": project["id"]}).json()
        metrics = listed["results"] if isinstance(listed, dict) else listed
        csat = next(m for m in metrics if m["name"] == "Customer Satisfaction")
        assert "1 to 5" in csat["description"]  # the scale the score editor shows
        return project, bot, csat
    raise AssertionError("the demo data has no Billing Bot")


def test_new_user_builds_a_filter_in_at_most_15_clicks_and_saves_it(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    """ "Last 14 days, agent Billing Bot, same metric evaluation: CSAT below 3"."""
    project, bot, csat = billing_project(demo_api_server)
    name = unique("Unhappy billing calls")
    dashboard_id = create_dashboard(demo_api_server, name, project=project["id"])["id"]
    open_editor(page, streamlit_app, dashboard_id)
    expect(page.get_by_text("No conditions yet")).to_be_visible()
    clicks = Clicks(page)

    when = clicks.add()
    clicks.pill(f"flt_{when}_field_pick", "Call time")
    clicks.pill(f"flt_{when}_when", "Last 14 days")  # a finished choice applies the row
    expect(row_text(page, when)).to_have_text("Call time is in the last 14 days")

    who = clicks.add()
    clicks.pill(f"flt_{who}_field_pick", "Agent")
    clicks.choose(f"flt_{who}_id", "Billing Bot", applies=True)
    expect(row_text(page, who)).to_have_text("Agent is Billing Bot")

    clicks.click(page.get_by_role("button", name="Add group").last)
    kind = page.locator('[class*="st-key-flt_"][class*="_group_kind"]')
    picker = next(c for c in kind.get_attribute("class").split() if c.endswith("_group_kind"))
    clicks.pill(picker[len("st-key-") :], "All true for the same metric evaluation")
    # on a busy machine the rerun can start after rerun_after stopped watching for it
    page.wait_for_function(f"() => ({_CONDITION_IDS})().length > 2")
    wait_for_app(page)
    (metric,) = [n for n in condition_ids(page) if n not in (when, who)]
    clicks.choose(f"flt_{metric}_id", "Customer Satisfaction", applies=True)
    expect(row_text(page, metric)).to_have_text("Metric is Customer Satisfaction")

    group = page.locator(".st-key-flt_" + metric + "_open").locator(
        "xpath=ancestor::div[contains(@class, '_box')][1]"
    )
    score = clicks.add(group)
    expect(page.locator(f".st-key-flt_{score}_editing")).to_contain_text("scores from 1 to 5")
    clicks.choose(f"flt_{score}_op", "less than")
    type_into_row(page, f"flt_{score}_number", "3")
    expect(row_text(page, score)).to_have_text("Metric score is less than 3")
    assert clicks.count <= 15, f"{clicks.count} clicks"

    sentence = page.get_by_test_id("stAlert").filter(has_text="Calls")
    expect(sentence.first).to_contain_text("Billing Bot")
    for node in (when, who, metric, score):
        assert messages_at(page, node) == [], f"a problem shows at {node}"
    shot(page, screenshot_dir, "1-built")
    click_save(page, dashboard_id)
    expect(page.get_by_text("All changes saved")).to_be_visible()
    assert server_copy(demo_api_server, dashboard_id)["filters"] == {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-14d"},
            {"field": "agent.id", "op": "eq", "value": bot["id"]},
            {
                "operator": "same_row",
                "conditions": [
                    {"field": "metric_evaluations.metric.id", "op": "eq", "value": csat["id"]},
                    {"field": "metric_evaluations.value", "op": "lt", "value": 3},
                ],
            },
        ],
    }


def test_list_opens_a_dashboard_from_a_selected_row(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    name = unique("Opened from the list")
    dashboard_id = create_dashboard(demo_api_server, name)["id"]
    open_list(page, streamlit_app)
    search_list(page, name)
    expect(page.get_by_text("Showing 1–1 of 1 dashboard.")).to_be_visible()
    select_row(page, 0, rows=1)
    shot(page, screenshot_dir, "1-list-selected")
    open_selected(page, dashboard_id)


def test_list_controls_still_show_the_list_after_an_empty_search(
    page: Page, streamlit_app: StreamlitApp
) -> None:
    """The empty state leaves out the pager and the page-size box for one run; drawn again,
    the box showed its first option (10) while 25 rows were listed."""
    open_list(page, streamlit_app)
    size = page.locator(".st-key-dash_page_size_input").get_by_role("combobox")
    expect(size).to_have_value("25")
    search_list(page, "no dashboard is called this " + secrets.token_hex(4))
    expect(page.get_by_text("No dashboards match.")).to_be_visible()
    rerun_after(page, button(page, "dash_clear_search").click)
    expect(page.get_by_label("Search by name")).to_have_value("")
    expect(size).to_have_value("25")


# --- (2) two people, one dashboard -----------------------------------------------------------
def test_second_save_is_stopped_and_shown_the_first(
    browser, page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    name = unique("Shared dashboard")
    filters = {
        "operator": "and",
        "conditions": [
            {"field": "duration", "op": "gte", "value": 30},
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
        ],
    }
    dashboard_id = create_dashboard(demo_api_server, name, filters=filters)["id"]
    their_name = name + " (renamed by Ann)"

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        bob = other.new_page()
        open_editor(page, streamlit_app, dashboard_id)  # Ann
        open_editor(bob, streamlit_app, dashboard_id)

        type_into(page, f"ed_name_{dashboard_id}", their_name)
        click_save(page, dashboard_id)
        expect(page.get_by_text("All changes saved")).to_be_visible()
        assert server_copy(demo_api_server, dashboard_id)["name"] == their_name

        duration = condition_ids(bob)[0]
        open_row(bob, duration)
        type_into_row(bob, f"flt_{duration}_number", "90")
        click_save(bob, dashboard_id)
        issue = bob.locator(f".st-key-ed_issue_{dashboard_id}")
        expect(issue).to_contain_text("someone else saved this dashboard")
        expect(issue).to_contain_text(their_name)  # what they changed, beside Bob's change
        expect(bob.get_by_text("Unsaved changes")).to_be_visible()
        issue.scroll_into_view_if_needed()
        shot(bob, screenshot_dir, "2-conflict")
        stored = server_copy(demo_api_server, dashboard_id)
        assert stored["name"] == their_name
        assert stored["filters"] == filters  # nothing of Bob's was written over Ann's save

        rerun_after(bob, button(bob, f"ed_reload_theirs_{dashboard_id}").click)
        expect(bob.locator(f".st-key-ed_name_{dashboard_id} input")).to_have_value(their_name)
        expect(row_text(bob, duration)).to_have_text("Call duration is at least 90 s")
        click_save(bob, dashboard_id)
        expect(bob.get_by_text("All changes saved")).to_be_visible()
        shot(bob, screenshot_dir, "2-reapplied-and-saved")
    finally:
        other.close()

    stored = server_copy(demo_api_server, dashboard_id)
    assert stored["name"] == their_name
    assert stored["filters"]["conditions"][0] == {"field": "duration", "op": "gte", "value": 90}


# --- (3) problems block Save, at the node ----------------------------------------------------
def test_bad_pattern_and_too_old_start_keep_save_disabled(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    dashboard_id = create_dashboard(demo_api_server, unique("Blocked save"))["id"]
    open_editor(page, streamlit_app, dashboard_id)

    pattern = add_condition(page)
    pick_pill(page, f"flt_{pattern}_field_pick", "Agent name")
    choose(page, f"flt_{pattern}_op", "matches the pattern")
    type_into_row(page, f"flt_{pattern}_text", "billing(")
    expect(save_button(page, dashboard_id)).to_be_disabled()
    assert any("cannot be used" in m for m in messages_at(page, pattern)), messages_at(
        page, pattern
    )

    start = add_condition(page)
    pick_pill(page, f"flt_{start}_field_pick", "Call time")
    start_op = page.locator(f".st-key-flt_{start}_op").get_by_role("combobox")
    expect(start_op).to_have_value("on or after")
    pick_pill(page, f"flt_{start}_when", "Exact date and time")
    too_old = pick_day(page, f"flt_{start}_date", months_back=2, day=15)
    assert (datetime.now(UTC).date() - too_old).days > 30
    rerun_after(page, button(page, f"flt_{start}_apply").click)
    expect(save_button(page, dashboard_id)).to_be_disabled()
    start_messages = messages_at(page, start)
    assert any("more than 30 days ago" in m for m in start_messages), start_messages
    assert len(start_messages) == 1  # each message at its own node
    expect(page.get_by_text("2 problems to fix before saving")).to_be_visible()
    shot(page, screenshot_dir, "3-save-blocked", top=page.get_by_text("2 problems to fix"))

    # Fixing both (and only that) lets Save go: it was these two problems that held it.
    open_row(page, pattern)
    type_into_row(page, f"flt_{pattern}_text", "^billing")
    assert messages_at(page, pattern) == []
    expect(save_button(page, dashboard_id)).to_be_disabled()
    open_row(page, start)
    pick_pill(page, f"flt_{start}_when", "Last 7 days")
    assert messages_at(page, start) == []
    expect(save_button(page, dashboard_id)).to_be_enabled()
    assert server_copy(demo_api_server, dashboard_id)["filters"] is None


# --- (4) the API fails during a save ---------------------------------------------------------
def test_failed_save_keeps_the_draft_and_saving_again_works(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI, screenshot_dir: Path
) -> None:
    dashboard_id = create_dashboard(demo_api_server, unique("Flaky save"))["id"]
    path = f"{DASHBOARDS}{dashboard_id}/"
    open_editor(page, streamlit_app, dashboard_id)
    duration = add_condition(page)
    pick_pill(page, f"flt_{duration}_field_pick", "Call duration")
    type_into_row(page, f"flt_{duration}_number", "120")

    demo_api_server.clear_faults()
    demo_api_server.arm_fault(method="PATCH", path=path, kind="status", status=503, times=1)
    try:
        click_save(page, dashboard_id)
        issue = page.locator(f".st-key-ed_issue_{dashboard_id}")
        expect(issue).to_contain_text("Not saved.")
        expect(page.get_by_text("Unsaved changes")).to_be_visible()
        expect(row_text(page, duration)).to_have_text("Call duration is at least 120 s")
        issue.scroll_into_view_if_needed()
        shot(page, screenshot_dir, "4-save-failed")
        assert demo_api_server.fault_counts().get(f"PATCH {path}") == 1
        assert server_copy(demo_api_server, dashboard_id)["filters"] is None

        rerun_after(page, button(page, f"ed_retry_{dashboard_id}").click)
        expect(page.get_by_text("All changes saved")).to_be_visible()
        expect(issue).to_have_count(0)
        shot(page, screenshot_dir, "4-saved-on-retry")
        assert demo_api_server.fault_counts().get(f"PATCH {path}") == 2
    finally:
        demo_api_server.clear_faults()
    assert server_copy(demo_api_server, dashboard_id)["filters"] == {
        "operator": "and",
        "conditions": [{"field": "duration", "op": "gte", "value": 120}],
    }


# --- (5) names from the API are text ---------------------------------------------------------
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


def _nothing_rendered(page: Page, dialogs: list[str]) -> None:
    assert (
        page.evaluate(
            "() => Array.from(document.images).filter(i => i.getAttribute('src') === 'x').length"
        )
        == 0
    )
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator("a", has_text=re.compile(r"^x$")).count() == 0
    assert dialogs == []


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["html", "markdown-link"])
def test_hostile_names_show_as_text(
    name: str,
    page: Page,
    streamlit_app: StreamlitApp,
    demo_api_server: DemoAPI,
    screenshot_dir: Path,
) -> None:
    dashboard_id = create_dashboard(demo_api_server, name)["id"]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    label = "html" if name.startswith("<") else "markdown"

    def select_this_one() -> None:
        # Other tests may have made dashboards of the same name: find this one's row.
        same = demo_api_server.get(DASHBOARDS, params={"search": name, "page_size": 25})
        ids = [d["id"] for d in same.json()["results"]]
        assert ids.index(dashboard_id) < 10, "too many dashboards of this name to click"
        select_row(page, ids.index(dashboard_id), rows=len(ids))
        selected = page.locator(".st-key-dash_selected_box")
        expect(selected.get_by_text(name, exact=True)).to_be_visible()

    open_list(page, streamlit_app)
    search_list(page, name)
    select_this_one()
    _nothing_rendered(page, dialogs)
    shot(page, screenshot_dir, f"5-{label}-list")

    open_selected(page, dashboard_id)
    expect(page.get_by_role("heading", name=f"Edit dashboard: {name}")).to_be_visible()
    expect(page.locator(f".st-key-ed_name_{dashboard_id} input")).to_have_value(name)
    _nothing_rendered(page, dialogs)
    shot(page, screenshot_dir, f"5-{label}-editor")

    # Back on the list (the search is kept), delete it through the confirmation dialog.
    rerun_after(page, page.get_by_role("link", name="Back to the dashboards list").click)
    expect(page.get_by_label("Search by name")).to_have_value(name)
    select_this_one()
    rerun_after(page, button(page, "dash_delete").click)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(name, exact=True)).to_be_visible()
    _nothing_rendered(page, dialogs)
    shot(page, screenshot_dir, f"5-{label}-delete-dialog")
    rerun_after(page, dialog.get_by_role("button", name="Delete dashboard").click)
    expect(dialog).to_have_count(0)
    expect(page.get_by_text(f"Deleted “{name}”.", exact=True)).to_be_visible()
    _nothing_rendered(page, dialogs)
    assert demo_api_server.get(f"{DASHBOARDS}{dashboard_id}/").status_code == 404
