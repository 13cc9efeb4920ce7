"""Widget journeys in Debian's Chromium: a new user adds a bar chart, sees its preview,
changes an existing pie's metric, deletes a widget, sees both requests, saves, and the API
holds exactly those widgets; and a save whose bulk_widgets/ answers 503 after the PATCH
went through says what was saved and keeps the rest in the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.harness import DemoAPI, StreamlitApp, rerun_after, wait_for_app
from tests.test_browser_journeys import button, choose, create_dashboard, server_copy, shot, unique

pytestmark = pytest.mark.browser
WINDOW = {"field": "timestamp", "op": "gte", "value": "now-7d"}


def _metrics(api: DemoAPI, project: int) -> list[dict[str, Any]]:
    answer = api.get("/test_framework/v1/metrics/", params={"project_id": project}).json()
    return list(answer["results"] if isinstance(answer, dict) else answer)


def _dashboard(api: DemoAPI, label: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project = 2
    enums = [m for m in _metrics(api, project) if m["eval_type"] == "enum"]
    assert len(enums) >= 2
    made = create_dashboard(api, unique(label), project=project, filters=WINDOW)
    answer = api.post(
        f"/dashboards/dashboards/{made['id']}/bulk_widgets/",
        json={
            "create": [
                {
                    "name": "Mood",
                    "chart_type": "pie",
                    "field": "metric_evaluations.value",
                    "metric": enums[0]["id"],
                    "metadata": {"position": {"x": 0, "y": 0}},
                },
                {"name": "Summary", "chart_type": "stat"},
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    return server_copy(api, made["id"]), enums


def _open(page: Page, app: StreamlitApp, dashboard_id: int) -> None:
    page.goto(f"{app.url}/editor?dashboard={dashboard_id}")
    wait_for_app(page)
    expect(page.locator(f".st-key-wed_add_{dashboard_id}")).to_be_visible()


def _pick(page: Page, did: int, name: str, action: str) -> None:
    choose(page, f"wed_pick_{did}", name)
    rerun_after(page, button(page, f"wed_{action}_{did}").click)


def test_add_edit_delete_widgets_and_save_them_with_the_dashboard(
    page: Page,
    streamlit_app: StreamlitApp,
    demo_api_server: DemoAPI,
    screenshot_dir: Path,
) -> None:
    api = demo_api_server
    made, enums = _dashboard(api, "widget journey")
    did = made["id"]
    mood = next(w for w in made["widgets"] if w["name"] == "Mood")
    _open(page, streamlit_app, did)

    rerun_after(page, button(page, f"wed_add_{did}").click)
    name = page.locator(f".st-key-wed_name_{did}").get_by_role("textbox")
    name.fill("Average call duration per day, by agent")
    rerun_after(page, lambda: name.press("Enter"))
    choose(page, f"wed_plot_{did}", "Call duration (seconds)")
    choose(page, f"wed_chart_{did}", "Bar")
    choose(page, f"wed_period_{did}", "day")
    choose(page, f"wed_agg_{did}", "Average")
    choose(page, f"wed_group_{did}", "By Agent")
    panel = page.locator(f".st-key-wed_panel_{did}")
    chart = panel.get_by_test_id("stVegaLiteChart")
    expect(chart).to_be_visible(timeout=20_000)  # the Altair chart of preview_data
    shot(page, screenshot_dir, "widget-preview", top=panel)
    rerun_after(page, button(page, f"wed_apply_{did}").click)

    _pick(page, did, "Mood", "edit")
    other = f"Metric: {enums[1]['name']} (one of a list)"
    choose(page, f"wed_plot_{did}", other)
    rerun_after(page, button(page, f"wed_apply_{did}").click)

    _pick(page, did, "Summary", "delete")
    expect(page.get_by_text("Delete widget “Summary” (summary numbers)?")).to_be_visible()
    rerun_after(page, button(page, f"wed_delete_confirm_{did}").click)

    dash_name = page.locator(f".st-key-ed_name_{did}").get_by_role("textbox")
    dash_name.fill(made["name"] + " v2")
    rerun_after(page, lambda: dash_name.press("Enter"))
    rerun_after(page, button(page, f"ed_preview_{did}").click)
    box = page.locator(f".st-key-ed_preview_box_{did}")
    expect(
        box.get_by_text(f"PATCH {api.url}/dashboards/dashboards/{did}/", exact=True).first
    ).to_be_visible()
    expect(
        box.get_by_text(f"POST {api.url}/dashboards/dashboards/{did}/bulk_widgets/", exact=True)
    ).to_be_visible()
    expect(
        box.get_by_text(
            "Added widget 'Average call duration per day, by agent' "
            "(bar, average duration per day, by agent)"
        )
    ).to_be_visible()
    shot(page, screenshot_dir, "widget-save-preview", top=box)

    rerun_after(page, button(page, f"ed_save_{did}").click)
    expect(page.get_by_text("All changes saved")).to_be_visible(timeout=20_000)
    after = server_copy(api, did)
    assert after["name"] == made["name"] + " v2"
    widgets = {w["name"]: w for w in after["widgets"]}
    assert set(widgets) == {"Mood", "Average call duration per day, by agent"}
    bar = widgets["Average call duration per day, by agent"]
    assert (bar["chart_type"], bar["field"], bar["time_period"], bar["aggregation_function"]) == (
        "bar",
        "duration",
        "day",
        "avg",
    )
    assert bar["group_by"] == {"type": "field", "field": "agent.id"}
    assert widgets["Mood"]["metric"] == enums[1]["id"]
    assert widgets["Mood"]["metadata"] == mood["metadata"]  # never touched


def test_widgets_refused_after_the_patch_keep_the_rest_in_the_draft(
    page: Page, streamlit_app: StreamlitApp, demo_api_server: DemoAPI
) -> None:
    api = demo_api_server
    made, _ = _dashboard(api, "widget fault")
    did = made["id"]
    _open(page, streamlit_app, did)
    _pick(page, did, "Summary", "delete")
    rerun_after(page, button(page, f"wed_delete_confirm_{did}").click)
    dash_name = page.locator(f".st-key-ed_name_{did}").get_by_role("textbox")
    dash_name.fill(made["name"] + " v2")
    rerun_after(page, lambda: dash_name.press("Enter"))

    api.arm_fault(
        method="POST", path=f"/dashboards/dashboards/{did}/bulk_widgets/", kind="status", status=503
    )
    try:
        rerun_after(page, button(page, f"ed_save_{did}").click)
        expect(page.get_by_text("Saved: the name. Not saved: the widget changes")).to_be_visible(
            timeout=20_000
        )
    finally:
        api.clear_faults()
    after = server_copy(api, did)
    assert after["name"] == made["name"] + " v2"
    assert {w["name"] for w in after["widgets"]} == {"Mood", "Summary"}
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
