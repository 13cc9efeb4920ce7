"""The demo API as the app runs it: a process of its own, its key never on its command
line, and gone as soon as the process that started it is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from services import demo_server
from tests.harness import ROOT

pytestmark = pytest.mark.api

LISTENING = demo_server.LISTENING


def _wait_for_exit(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_the_app_s_demo_server_is_a_child_with_its_key_kept_off_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_DEMO_DB", str(tmp_path / "demo.sqlite3"))
    monkeypatch.setenv("CEKURA_DEMO_CALLS", "300")
    server = demo_server._start()
    try:
        pid = server.running.proc.pid
        assert pid != os.getpid()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert server.api_key not in cmdline
        headers = {"X-CEKURA-API-KEY": server.api_key}
        listed = requests.get(f"{server.url}/dashboards/dashboards/", headers=headers, timeout=10)
        assert listed.status_code == 200 and listed.json()["count"] > 0
        wrong = requests.get(f"{server.url}/dashboards/dashboards/", timeout=10)
        assert wrong.status_code in (401, 403)
    finally:
        server.running.stop()
    assert server.running.proc.poll() is not None


def test_a_demo_server_that_cannot_start_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("CEKURA_DEMO_DB", str(blocker / "demo.sqlite3"))
    with pytest.raises(Exception, match="not-a-folder|Not a directory|stopped while starting"):
        demo_server._start()


def test_the_demo_server_stops_when_the_process_that_started_it_is_killed(
    tmp_path: Path,
) -> None:
    """A parent killed outright (no atexit, no signal handler) still takes the demo
    server with it: the child sees its standard input close."""
    parent_code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-m', 'demo_api', '--db', sys.argv[1],\n"
        "    '--port', '0', '--calls', '300', '--stop-with-stdin'],\n"
        "    stdin=subprocess.PIPE, stderr=subprocess.PIPE, env={**__import__('os').environ,\n"
        "    'DEMO_API_KEY': 'k' * 32})\n"
        f"for line in child.stderr:\n"
        f"    if line.decode().startswith({LISTENING!r}):\n"
        "        print(child.pid, flush=True)\n"
        "        break\n"
        "import time; time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(tmp_path / "demo.sqlite3")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        os.kill(child_pid, 0)  # it is running
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait_for_exit(child_pid, 15), "the demo server outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
