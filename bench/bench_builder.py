"""The filter builder in Chromium, click to settled, against a hello-world page changed
the same way in the same run (and, for reference only, that page inside a navigation like
the app's): at 10, 100 and 500 conditions, adding a condition (the new
row opens), changing one (its value typed, Enter applies it) and opening the filter (the
editor page loaded). Medians of interleaved rounds; DOM nodes per condition (the page at
500 conditions against the page at 10) and websocket bytes per edit (frames both ways,
Playwright's `page.on("websocket")`). For reference, not a goal: closing the new row again
(Cancel), the cheapest click the page has, which shows what any interaction with this page
costs before the builder does anything.

"Settled" is Streamlit's own idle mark: `[data-testid="stApp"][data-test-script-state=
"notRunning"]` and no `[data-testid="stSkeleton"]`, after the script state was seen to
change (a MutationObserver set up before the click), so a rerun that starts late is not
missed. This is the builder's speed target; bench_editor.py keeps the request counts.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.harness import (
    CHROMIUM_ARGS,
    LOOPBACK,
    ROOT,
    StreamlitApp,
    chromium_path,
    free_port,
    start_demo_api,
    start_streamlit,
)

ROUNDS = 5
SIZES = (10, 100, 500)
GOALS = {10: 1.5, 100: 2.0, 500: 4.0}  # add/change at N conditions vs hello world
OPEN_GOAL = 3.0  # opening 500 conditions vs opening 10
DOM_GOAL = 25  # DOM nodes per condition
SETTLED = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!app && app.getAttribute('data-test-script-state') === 'notRunning'"
    " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0; }"
)
# In the page: the wall-clock time (ms) at which it last became settled, kept by a
# MutationObserver, so the figure is when the page settled, not when a poll noticed.
WATCH_SETTLED = (
    "() => { if (window.__settledWatch) return; window.__settledWatch = true;"
    " const settled = " + SETTLED + ";"
    " let was = settled(); window.__settledAt = Date.now();"
    " new MutationObserver(() => { const now = settled();"
    "   if (now && !was) window.__settledAt = Date.now(); was = now; })"
    " .observe(document.documentElement, {subtree: true, childList: true, attributes: true,"
    "   attributeFilter: ['data-test-script-state', 'data-testid']}); }"
)
QUIET_S = 0.4  # no frame for this long, and the idle mark: the rerun is over (a keyed
# fragment rerun comes as two runs: the callback run, then the fragments)
# The node id of the last condition row (rows are buttons keyed `flt_<id>_open`; groups'
# headings are too, but they come first in this flat filter).
LAST_ROW = """() => Array.from(document.querySelectorAll('[class*="st-key-flt_"]'))
  .flatMap(e => [...e.classList]).map(c => c.match(/^st-key-flt_(n\\d+)_open$/))
  .filter(m => m).map(m => m[1]).pop()"""


@dataclass
class Counter:
    bytes: int = 0
    received: int = 0  # frames from the server
    last_at: float = 0.0  # when the last one came

    def add(self, payload: Any) -> None:
        self.bytes += len(payload)

    def add_received(self, payload: Any) -> None:
        self.add(payload)
        self.received += 1
        self.last_at = time.perf_counter()


@dataclass
class Figures:
    times: dict[str, list[float]] = field(default_factory=dict)
    ws: dict[str, list[int]] = field(default_factory=dict)

    def record(self, name: str, seconds: float, ws_bytes: int | None = None) -> None:
        self.times.setdefault(name, []).append(seconds)
        if ws_bytes is not None:
            self.ws.setdefault(name, []).append(ws_bytes)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def median_ws(self, name: str) -> float:
        return statistics.median(self.ws[name])


def _watch(page: Any) -> Counter:
    counter = Counter()

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", counter.add_received)
        ws.on("framesent", counter.add)

    page.on("websocket", on_ws)
    return counter


def _timed(page: Any, counter: Counter, action: Any) -> tuple[float, int]:
    """Seconds from the action to settled, and the websocket bytes it cost. A rerun is
    known to have happened by the frames the server sent (a fast rerun can start and end
    within one frame of the page, so the script-state mark may never be seen to change).
    It is over when no frame has come for QUIET_S and the page shows the idle mark; it
    settled at the later of the last frame's arrival and the moment the page last became
    idle (recorded in the page, so neither the quiet wait nor a poll that saw the idle
    mark between the callback's run and the fragments' run is counted)."""
    page.evaluate(WATCH_SETTLED)
    page.wait_for_function(SETTLED, timeout=60_000)
    before_bytes, before_frames = counter.bytes, counter.received
    started = time.perf_counter()
    started_wall = time.time()
    action()
    deadline = started + 60
    while counter.received == before_frames:
        if time.perf_counter() > deadline:
            raise TimeoutError("the action asked for no rerun")
        page.wait_for_timeout(5)
    while True:
        page.wait_for_function(SETTLED, timeout=120_000, polling=10)
        last = counter.last_at
        page.wait_for_timeout(QUIET_S * 1000)
        if counter.last_at == last and page.evaluate(SETTLED):
            idle_at = page.evaluate("() => window.__settledAt") / 1000 - started_wall
            return max(last - started, idle_at), counter.bytes - before_bytes


def _open(page: Any, url: str, ready: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, timeout=120_000)
    page.wait_for_function(SETTLED, timeout=120_000, polling=10)
    return time.perf_counter() - started


def _filter(conditions: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [{"field": "timestamp", "op": "gte", "value": "now-7d"}]
    rows += [{"field": "duration", "op": "gte", "value": i} for i in range(conditions - 1)]
    return {"operator": "and", "conditions": rows}


def _builder_round(
    page: Any, counter: Counter, url: str, dashboard_id: int, size: int, out: Figures
) -> None:
    ready = f".st-key-ed_save_{dashboard_id}"
    out.record(f"open {size}", _open(page, url, ready))
    page.wait_for_timeout(300)
    # add: the root group's "Add condition" (the new row opens in edit mode) ...
    add = page.locator('[class*="st-key-flt_"][class*="_add_condition"]').get_by_role("button")
    seconds, sent = _timed(page, counter, add.click)
    out.record(f"add {size}", seconds, sent)
    # ... then close it again, so every round has `size` rows: timed as well, for reference
    # only: the cheapest click on this page (one small fragment run, nothing to save or
    # count), so what the page itself costs before the builder does anything
    cancel = page.locator('[class*="st-key-flt_"][class*="_cancel"]').get_by_role("button")
    out.record(f"cancel {size}", *_timed(page, counter, cancel.click))
    # change: open the last row (not timed), type a value, Enter applies it (timed)
    last = page.evaluate(LAST_ROW)
    _timed(page, counter, page.locator(f".st-key-flt_{last}_open").get_by_role("button").click)
    box = page.locator('[class*="st-key-flt_"][class*="_number"] input').first
    value = str(1000 + len(out.times.get(f"change {size}", [])))

    def type_and_enter() -> None:
        box.fill(value)
        box.press("Enter")

    seconds, sent = _timed(page, counter, type_and_enter)
    out.record(f"change {size}", seconds, sent)
    if size == SIZES[0]:
        out.record("dom 10", page.evaluate("document.querySelectorAll('*').length"))
    if size == SIZES[-1]:
        out.record("dom 500", page.evaluate("document.querySelectorAll('*').length"))


def _hello_round(page: Any, counter: Counter, url: str, out: Figures, name: str = "hello") -> None:
    out.record(f"open {name}", _open(page, url, ".st-key-hello_add"))
    page.wait_for_timeout(300)
    seconds, sent = _timed(page, counter, page.locator(".st-key-hello_add button").click)
    out.record(f"add {name}", seconds, sent)
    box = page.locator(".st-key-hello_number input")
    value = str(100 + len(out.times.get(f"change {name}", [])))

    def type_and_enter() -> None:
        box.fill(value)
        box.press("Enter")

    seconds, sent = _timed(page, counter, type_and_enter)
    out.record(f"change {name}", seconds, sent)


def _start_page(script: Path, log: Path) -> StreamlitApp:
    """`streamlit run <script>` on a free loopback port, started like the app is."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    cmd += ["--server.address", LOOPBACK, "--server.headless", "true"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    page = StreamlitApp(f"http://{LOOPBACK}:{port}", proc)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(page.url + "/_stcore/health", timeout=2).text == "ok":
                return page
        except requests.RequestException:
            time.sleep(0.1)
    page.stop()
    raise TimeoutError(f"{script} did not start:\n{log.read_text()}")


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        api = start_demo_api(work, calls=2000)
        app = hello = framed = None
        try:
            env = {"CEKURA_BASE_URL": api.url, "CEKURA_API_KEY": api.api_key}
            app = start_streamlit(work, env)
            hello = _start_page(ROOT / "bench" / "builder_hello_page.py", work / "hello.log")
            framed = _start_page(ROOT / "bench" / "builder_hello_nav.py", work / "framed.log")
            project = api.get("/user/v1/projects/").json()[0]["id"]
            boards = {}
            for size in SIZES:
                made = api.post(
                    "/dashboards/dashboards/",
                    json={"name": f"Bench {size}", "project": project, "filters": _filter(size)},
                )
                made.raise_for_status()
                boards[size] = made.json()["id"]
            out = Figures()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                counter = _watch(page)
                hello_page = hello.url + "/"
                # one warm-up pass of each (compiles, caches), not counted
                warm = Figures()
                _hello_round(page, counter, hello_page, warm)
                for size in SIZES:
                    _builder_round(
                        page,
                        counter,
                        f"{app.url}/editor?dashboard={boards[size]}",
                        boards[size],
                        size,
                        warm,
                    )
                for _ in range(ROUNDS):
                    _hello_round(page, counter, hello_page, out)
                    _hello_round(page, counter, framed.url + "/", out, name="framed")
                    for size in SIZES:
                        url = f"{app.url}/editor?dashboard={boards[size]}"
                        _builder_round(page, counter, url, boards[size], size, out)
                browser.close()
            _report(out)
        finally:
            for server in (hello, framed, app):
                if server is not None:
                    server.stop()
            api.stop()


def _report(out: Figures) -> None:
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(f"medians of {ROUNDS} interleaved rounds, click to settled, Chromium")
    for action in ("add", "change"):
        base = out.median(f"{action} hello")
        base_ws = out.median_ws(f"{action} hello")
        for size in SIZES:
            figure = out.median(f"{action} {size}")
            ratio = figure / base
            goal = GOALS[size]
            print(
                f"{action} at {size:>3} conditions: {ms(figure)}, hello world {ms(base)}, "
                f"ratio {ratio:.2f}x, goal <= {goal}x: {_verdict(ratio <= goal)}; "
                f"websocket {out.median_ws(f'{action} {size}') / 1000:.1f} kB per edit "
                f"(hello world {base_ws / 1000:.1f} kB)"
            )
        framed = out.median(f"{action} framed")
        print(
            f"  (not a goal) the hello-world page inside a six-page navigation like the "
            f"app's: {action} {ms(framed)}, {framed / base:.2f}x the bare page: what the "
            "frame alone costs"
        )
    base = out.median("add hello")
    for size in SIZES:
        cheapest = out.median(f"cancel {size}")
        print(
            f"  (not a goal) the cheapest click on the page at {size:>3} conditions, Cancel on "
            f"the new row (one small fragment run, nothing saved or counted): {ms(cheapest)}, "
            f"{cheapest / base:.2f}x hello world's add: the page's own floor"
        )
    open_small, open_big = out.median(f"open {SIZES[0]}"), out.median(f"open {SIZES[-1]}")
    for size in SIZES:
        print(
            f"open at {size:>3} conditions: {ms(out.median(f'open {size}'))} (hello world {ms(out.median('open hello'))})"
        )
    ratio = open_big / open_small
    print(
        f"open {SIZES[-1]} vs open {SIZES[0]}: ratio {ratio:.2f}x, goal <= {OPEN_GOAL}x: "
        f"{_verdict(ratio <= OPEN_GOAL)}"
    )
    per = (out.median("dom 500") - out.median("dom 10")) / (SIZES[-1] - SIZES[0])
    print(
        f"DOM nodes per condition: {per:.1f} ({out.median('dom 10'):.0f} nodes at 10, "
        f"{out.median('dom 500'):.0f} at 500), goal <= {DOM_GOAL}: {_verdict(per <= DOM_GOAL)}"
    )


if __name__ == "__main__":
    main()
