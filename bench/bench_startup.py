"""Time from `make run` to the dashboards table painted in Chromium, against a hello-world
Streamlit app started the same way, in one run. The demo database is seeded before the
timed runs; the first start (which seeds it) is reported on its own."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.harness import CHROMIUM_ARGS, ROOT, chromium_path, free_port

RUNS = 3
HELLO = 'import streamlit as st\n\nst.title("Hello")\nst.dataframe({"a": [1, 2, 3]})\n'
TABLE = '[data-testid="stDataFrame"]'


def _paint_time(browser, cmd: list[str], env: dict[str, str], url: str) -> float:
    """Seconds from starting `cmd` to a table painted at `url`."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # make + streamlit + demo API: stop the whole group
    )
    try:
        page = browser.new_page()
        deadline = time.monotonic() + 120
        while True:
            try:
                page.goto(url, timeout=5_000)
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        page.wait_for_selector(TABLE, timeout=120_000)
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CEKURA_")}
        env["CEKURA_DEMO_DB"] = str(Path(tmp) / "demo.sqlite3")

        def run_app() -> float:
            port = free_port()
            cmd = ["make", "--no-print-directory", "run", f"STREAMLIT_PORT={port}"]
            return _paint_time(browser, cmd, env, f"http://localhost:{port}/")

        def run_hello() -> float:
            port = free_port()
            cmd = [f"{ROOT}/.venv/bin/python", "-m", "streamlit", "run", str(hello)]
            cmd += ["--server.port", str(port), "--server.headless", "true"]
            return _paint_time(browser, cmd, env, f"http://localhost:{port}/")

        first = run_app()
        app_times, hello_times = [], []
        for _ in range(RUNS):
            app_times.append(run_app())
            hello_times.append(run_hello())
        browser.close()

    app_s, hello_s = statistics.median(app_times), statistics.median(hello_times)
    print("startup: make run -> dashboards table painted in Chromium")
    print(f"  first start, seeding the demo database: {first:.2f} s")
    print(f"  make run, database seeded (median of {RUNS}): {app_s:.2f} s")
    print(f"  hello-world streamlit run (median of {RUNS}):  {hello_s:.2f} s")
    print(f"  ratio: {app_s / hello_s:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
