"""Phase 2 of a fresh demo database, the calls (prepare.py), in a process of its own at a
low CPU priority: `start` runs `python -m demo_api.calls_seeder` and sets `calls_ready`
when it has ended (or says why it failed).

Why a process, not a thread of the demo server: the calls take about two seconds of a
core, right while Streamlit runs the first page and the browser draws it. A thread at
normal priority takes that core from them; a thread at low priority holds the server's
interpreter lock while it waits for a core, which made the dashboards list wait (measured
with two busy cores: median 12 ms at normal priority, 80-126 ms and up to 1.2 s at nice 19).
A process of its own shares no lock with the server, so it can simply yield the CPU.

It stops when its standard input closes: the demo server that started it has ended, so
the seed it was writing is rolled back, and the next start writes it again.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from demo_api.calls_ready import CallsReady

logger = logging.getLogger(__name__)

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
# Lower than the app's processes, yet not starved by them: a call reader waits for it.
NICENESS = 10
KEY_ENV = "DEMO_API_KEY"


def start(
    db_path: str | Path, *, seed_value: int, calls: int, now: datetime, calls_ready: CallsReady
) -> subprocess.Popen[bytes]:
    """Seed the calls of `db_path` (its small tables are in) in a new process; a thread
    waits for it and then sets `calls_ready`."""
    cmd = [sys.executable, "-m", "demo_api.calls_seeder", "--db", str(Path(db_path).resolve())]
    cmd += ["--seed", str(seed_value), "--calls", str(calls), "--now", repr(now.timestamp())]
    env = {name: value for name, value in os.environ.items() if name != KEY_ENV}  # not needed
    proc = subprocess.Popen(cmd, cwd=PACKAGE_PARENT, env=env, stdin=subprocess.PIPE)

    def wait() -> None:
        status = proc.wait()
        if status == 0:
            calls_ready.set()
        else:
            logger.error("The process seeding the demo calls ended with status %d", status)
            calls_ready.fail(f"the process seeding them ended with status {status}")

    threading.Thread(target=wait, name="demo-calls-seeder", daemon=True).start()
    return proc


def _stop_when_stdin_closes() -> None:
    def wait() -> None:
        while os.read(0, 4096):  # b"" once the demo server has gone
            pass
        # SIGTERM's default action (this process sets no handler) ends it at once; a
        # transaction it was in is rolled back, and the next start writes it again.
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="stdin-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_api.calls_seeder")
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--now", type=float, required=True, help="epoch seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # not on this system: at normal priority then
        pass
    _stop_when_stdin_closes()
    from demo_api.prepare import seed_remaining_calls

    seed_remaining_calls(
        args.db,
        seed_value=args.seed,
        calls=args.calls,
        now=datetime.fromtimestamp(args.now, UTC),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
