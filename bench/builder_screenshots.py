"""Screenshots of the builder at 10 and 100 conditions for docs/ (`python -m
bench.builder_screenshots`): a filter of the kinds people make (a time window, agents,
durations, topics, a same-metric group), one row open for editing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tests.harness import (
    CHROMIUM_ARGS,
    ROOT,
    chromium_path,
    rerun_after,
    start_demo_api,
    start_streamlit,
    wait_for_app,
)

TOPICS = ("billing", "refunds", "late payment", "invoice copy")


def _filter(api: Any, project: int, size: int) -> dict[str, Any]:
    agents = api.get(
        "/test_framework/v1/aiagents/short_list/", params={"project_id": project}
    ).json()["results"]
    listed = api.get("/test_framework/v1/metrics/", params={"project_id": project}).json()
    metrics = listed["results"] if isinstance(listed, dict) else listed
    csat = next(m for m in metrics if m["name"] == "Customer Satisfaction")
    rows: list[dict[str, Any]] = [
        {"field": "timestamp", "op": "gte", "value": "now-14d"},
        {"field": "agent.id", "op": "eq", "value": agents[0]["id"]},
        {
            "operator": "same_row",
            "conditions": [
                {"field": "metric_evaluations.metric.id", "op": "eq", "value": csat["id"]},
                {"field": "metric_evaluations.value", "op": "lt", "value": 3},
            ],
        },
        {
            "operator": "or",
            "conditions": [{"field": "topic", "op": "eq", "value": t} for t in TOPICS[:2]],
        },
    ]
    count = 6
    i = 0
    while count < size:
        kind = i % 3
        if kind == 0:
            rows.append({"field": "duration", "op": "gte", "value": 30 + i})
        elif kind == 1:
            rows.append({"field": "topic", "op": "neq", "value": TOPICS[i % len(TOPICS)]})
        else:
            rows.append({"field": "success", "op": "eq", "value": i % 2 == 0})
        count += 1
        i += 1
    return {"operator": "and", "conditions": rows}


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        api = start_demo_api(Path(tmp))
        app = None
        try:
            app = start_streamlit(
                Path(tmp), {"CEKURA_BASE_URL": api.url, "CEKURA_API_KEY": api.api_key}
            )
            projects = api.get("/user/v1/projects/").json()
            project = next(p for p in projects if p["id"] == 2)["id"]  # Billing Bot's
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for size in (10, 100):
                    made = api.post(
                        "/dashboards/dashboards/",
                        json={
                            "name": f"Unhappy billing calls ({size} conditions)",
                            "project": project,
                            "filters": _filter(api, project, size),
                        },
                    ).json()
                    page.goto(f"{app.url}/editor?dashboard={made['id']}")
                    wait_for_app(page)
                    rows = page.locator('[class*="st-key-flt_"][class*="_open"]')
                    rerun_after(page, rows.nth(4).get_by_role("button").click)
                    page.mouse.move(1390, 990)
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(ROOT / "docs" / f"builder-{size}.png"), full_page=True)
                    more = page.locator('[class*="st-key-flt_"][class*="_more"]')
                    if more.count():  # a long group: its page of rows ends in "Show … more"
                        more.first.scroll_into_view_if_needed()
                        page.wait_for_timeout(400)
                        page.screenshot(path=str(ROOT / "docs" / f"builder-{size}-end.png"))
                browser.close()
        finally:
            if app is not None:
                app.stop()
            api.stop()


if __name__ == "__main__":
    main()
