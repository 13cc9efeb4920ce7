"""The editor with its charts against the same page without them (CEKURA_EDITOR_CHARTS=off),
in Chromium, on a 12-widget dashboard of the demo API:

- open: from navigating to /editor?dashboard=ID to the page finished (script idle, Save
  drawn and, with charts, every chart painted). A new browser context each time, so every
  open is a new session with nothing cached. Goal <= 1.5x.
- builder edit: a new value typed into a condition (a filter never seen before, so the
  charts' page asks for one preview per widget and a count), from Enter to the builder's
  sentence showing it. Goal <= 1.1x: the charts must not slow the builder down. Also
  shown, without a goal: the time until the page has settled (charts redrawn).

Rounds alternate between the two pages; medians of ROUNDS rounds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.harness import (
    CHROMIUM_ARGS,
    chromium_path,
    start_demo_api,
    start_streamlit,
    wait_for_app,
)
from tests.test_app_editor_charts import TWELVE

ROUNDS = 5  # at least 5
OPEN_GOAL = 1.5
EDIT_GOAL = 1.1
CHARTS = sum(1 for w in TWELVE if w["chart_type"] != "stat")
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAINTED = """(n) => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
  .filter(e => { const c = e.querySelector('canvas, svg'); return c && c.getBoundingClientRect().height > 50; })
  .length >= n"""
SENTENCE = """(v) => Array.from(document.querySelectorAll('[data-testid="stAlertContentInfo"]'))
  .some(e => e.innerText.includes(v))"""
CONDITIONS = """() => Array.from(document.querySelectorAll('[class*="st-key-flt_"]'))
  .flatMap(e => [...e.classList]).map(c => c.match(/^st-key-flt_(n\\d+)_number$/))
  .filter(m => m).map(m => m[1])"""


def _dashboard(api: Any) -> int:
    projects = api.get("/user/v1/projects/").json()
    projects = projects["results"] if isinstance(projects, dict) else projects
    window = {"field": "timestamp", "op": "gte", "value": "now-30d"}
    duration = {"field": "duration", "op": "gte", "value": 1}
    made = api.post(
        "/dashboards/dashboards/",
        json={
            "name": "Bench: twelve widgets",
            "project": projects[0]["id"],
            "filters": {"operator": "and", "conditions": [window, duration]},
        },
    ).json()
    for body in TWELVE:
        response = api.post("/dashboards/widgets/", json={"dashboard": made["id"], **body})
        response.raise_for_status()
    return int(made["id"])


def _open(browser: Any, url: str, charts: bool) -> tuple[float, Any, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector('[class*="st-key-ed_save_"]', timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    if charts:
        page.wait_for_function(PAINTED, arg=CHARTS, timeout=60_000, polling="raf")
    return time.perf_counter() - started, context, page


def _edit(page: Any, value: int) -> tuple[float, float]:
    """Type `value` into the duration condition; (builder shown, page settled) in s."""
    (node,) = page.evaluate(CONDITIONS)
    field = page.locator(f".st-key-flt_{node}_number input")
    field.fill(str(value))
    started = time.perf_counter()
    field.press("Enter")
    page.wait_for_function(SENTENCE, arg=str(value), timeout=60_000, polling="raf")
    shown = time.perf_counter() - started
    wait_for_app(page, 60_000)
    settled = time.perf_counter() - started - 0.15  # wait_for_app's own pause
    return shown, settled


def _line(name: str, figure: float, baseline: float, goal: float) -> str:
    ratio = figure / baseline
    verdict = "meets" if ratio <= goal else "misses"
    return (
        f"  {name}: {figure * 1000:.0f} ms with charts, {baseline * 1000:.0f} ms without; "
        f"ratio {ratio:.2f}x (goal <= {goal}x) {verdict}"
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        root = Path(tmp)
        (root / "api").mkdir()
        api = start_demo_api(root / "api", faults=False)
        apps = []
        try:
            dashboard_id = _dashboard(api)
            env = {"CEKURA_BASE_URL": api.url, "CEKURA_API_KEY": api.api_key}
            for name, extra in (("with", {}), ("without", {"CEKURA_EDITOR_CHARTS": "off"})):
                (root / name).mkdir()
                apps.append(start_streamlit(root / name, env | extra))
            browser = pw.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            opens: dict[bool, list[float]] = {True: [], False: []}
            shown: dict[bool, list[float]] = {True: [], False: []}
            settled: dict[bool, list[float]] = {True: [], False: []}
            pages = {}
            for charts, app in ((True, apps[0]), (False, apps[1])):  # warm both servers
                _, context, page = _open(
                    browser, f"{app.url}/editor?dashboard={dashboard_id}", charts
                )
                context.close()
            for round_ in range(ROUNDS):
                order = (True, False) if round_ % 2 == 0 else (False, True)
                for charts in order:
                    app = apps[0] if charts else apps[1]
                    seconds, context, page = _open(
                        browser, f"{app.url}/editor?dashboard={dashboard_id}", charts
                    )
                    opens[charts].append(seconds)
                    old = pages.pop(charts, None)
                    if old is not None:
                        old.close()
                    pages[charts] = context
                    # a value no earlier round typed: every preview is a cache miss
                    shown_s, settled_s = _edit(page, 100 + round_ * 2 + int(charts))
                    shown[charts].append(shown_s)
                    settled[charts].append(settled_s)
            for context in pages.values():
                context.close()
            browser.close()
        finally:
            for app in apps:
                app.stop()
            api.stop()

    med = {
        k: {c: statistics.median(v[c]) for c in (True, False)}
        for k, v in (("open", opens), ("shown", shown), ("settled", settled))
    }
    print(
        f"editor with charts against the same page without (Chromium, 12 widgets, "
        f"medians of {ROUNDS} interleaved rounds)"
    )
    print(_line("open", med["open"][True], med["open"][False], OPEN_GOAL))
    print(
        _line(
            "builder edit, until the builder shows it",
            med["shown"][True],
            med["shown"][False],
            EDIT_GOAL,
        )
    )
    print(
        f"  builder edit, until the page settled (charts redrawn, no goal): "
        f"{med['settled'][True] * 1000:.0f} ms with charts, "
        f"{med['settled'][False] * 1000:.0f} ms without"
    )


if __name__ == "__main__":
    main()
