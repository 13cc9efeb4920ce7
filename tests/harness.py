"""Real servers for the tests: the embedded demo API and the Streamlit app, each in its own
process on a free loopback port, stopped by process id when the test is done."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _wait_until(ready, proc: subprocess.Popen, what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early with {proc.returncode}:\n{log.read_text()}")
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout}s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class DemoAPI:
    """A `python -m demo_api` process with a fresh database of its own."""

    url: str
    api_key: str
    db_path: Path
    proc: subprocess.Popen = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {"X-CEKURA-API-KEY": self.api_key}

    def get(self, path: str, **kw) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers(), timeout=30, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return requests.post(self.url + path, headers=self.headers(), timeout=30, **kw)

    def patch(self, path: str, **kw) -> requests.Response:
        return requests.patch(self.url + path, headers=self.headers(), timeout=30, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return requests.delete(self.url + path, headers=self.headers(), timeout=30, **kw)

    def arm_fault(self, **fault) -> None:
        self.post("/__faults__/", json=fault).raise_for_status()

    def fault_counts(self) -> dict[str, int]:
        return dict(self.get("/__faults__/").json()["counts"])

    def clear_faults(self) -> None:
        self.delete("/__faults__/").raise_for_status()

    def stop(self) -> None:
        _stop(self.proc)


def start_demo_api(
    workdir: Path,
    *,
    calls: int = 2000,
    seed: int = 0,
    faults: bool = True,
    extra_args: tuple[str, ...] = (),
    etags: bool = True,
    search: bool = True,
) -> DemoAPI:
    port = free_port()
    key = "test-" + secrets.token_hex(12)
    db_path = workdir / "demo.sqlite3"
    log = workdir / "demo_api.log"
    cmd = [sys.executable, "-m", "demo_api", "--host", LOOPBACK, "--port", str(port)]
    cmd += ["--db", str(db_path), "--seed", str(seed), "--calls", str(calls)]
    if faults:
        cmd.append("--enable-fault-api")
    cmd += extra_args
    if not etags:
        cmd.append("--no-etags")
    if not search:
        cmd.append("--ignore-search")
    env = {**os.environ, "DEMO_API_KEY": key}  # not on the command line, where ps shows it
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    api = DemoAPI(f"http://{LOOPBACK}:{port}", key, db_path, proc)
    try:
        _wait_until(
            lambda: api.get("/user/v1/projects/").status_code == 200, proc, "demo API", 60, log
        )
    except BaseException:
        api.stop()
        raise
    return api


@dataclass
class StreamlitApp:
    url: str
    proc: subprocess.Popen = field(repr=False)

    def stop(self) -> None:
        _stop(self.proc)


def start_streamlit(
    workdir: Path,
    env_overrides: dict[str, str],
    *,
    unset: tuple[str, ...] = (),
    args: tuple[str, ...] = (),
) -> StreamlitApp:
    """`streamlit run app.py` on a free port; `unset` names environment variables the app
    must not see (e.g. CEKURA_API_KEY, to run it on its embedded demo data); `args` are
    more Streamlit options (e.g. `--secrets.files`)."""
    port = free_port()
    log = workdir / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if k not in unset} | env_overrides
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    cmd += ["--server.address", LOOPBACK, "--server.headless", "true", *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    app = StreamlitApp(f"http://{LOOPBACK}:{port}", proc)
    try:
        _wait_until(
            lambda: requests.get(app.url + "/_stcore/health", timeout=2).text == "ok",
            proc,
            "Streamlit app",
            90,
            log,
        )
    except BaseException:
        app.stop()
        raise
    return app


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get("CEKURA_TEST_CHROMIUM", "/usr/bin/chromium")


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the current rerun, the way its own e2e tests do
    (a short pause first, so a rerun that a click has just asked for has begun)."""
    page.wait_for_timeout(150)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
        timeout=timeout,
    )


_WATCH_RERUN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__cekuraRerunSeen = false;
  if (window.__cekuraRerunWatch) window.__cekuraRerunWatch.disconnect();
  window.__cekuraRerunWatch = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__cekuraRerunSeen = true;
  });
  window.__cekuraRerunWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def rerun_after(page, action, *, start_timeout: float = 3_000, timeout: float = 30_000) -> None:
    """Do `action` (a click, a key press) and wait until the rerun it asked for is over.

    On a busy machine a rerun can start later than `wait_for_app`'s short pause, so this
    watches the app's script state from before the action until it has been "running".
    An action that asks for no rerun (choosing the option already chosen) only costs
    `start_timeout` ms."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.evaluate(_WATCH_RERUN)
    action()
    try:
        page.wait_for_function("() => window.__cekuraRerunSeen === true", timeout=start_timeout)
    except PlaywrightTimeoutError:
        pass
    wait_for_app(page, timeout)
