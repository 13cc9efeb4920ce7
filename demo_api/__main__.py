"""`python -m demo_api --host 127.0.0.1 --port PORT --db PATH --api-key KEY [--seed N]
[--calls N] [--enable-fault-api] [--no-etags] [--ignore-search] [--request-budget SECONDS]
[--calls-in-background] [--stop-with-stdin]`,
or `python -m demo_api --prepare-only --db PATH [--seed N] [--calls N]` to seed (or bring
up to now) the database and exit. `make run` starts it with --calls-in-background and
--stop-with-stdin (services/demo_server.py).

The key may come from the environment (`DEMO_API_KEY`) instead of `--api-key`, which keeps
it out of the process list that every local user can read.

Prints `demo_api listening on http://HOST:PORT` to stderr once it accepts connections
(port 0 picks a free port), never the key. SIGTERM stops it cleanly (exit status 0), and so
does the end of its standard input with `--stop-with-stdin`: the app's launcher keeps a
pipe open to it, so the demo server cannot outlive the app, however the app ends."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import NoReturn

from demo_api.request_budget import DEFAULT_BUDGET_SECONDS

logger = logging.getLogger("demo_api")
KEY_ENV = "DEMO_API_KEY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demo_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", required=True, help="SQLite file (created and seeded if new)")
    parser.add_argument(
        "--api-key",
        default=os.environ.get(KEY_ENV),
        help=f"the X-CEKURA-API-KEY to accept (or set {KEY_ENV}); not needed to prepare",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--enable-fault-api", action="store_true")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="seed the database (or bring it up to now) and exit; needs no key",
    )
    parser.add_argument(
        "--request-budget",
        type=float,
        default=DEFAULT_BUDGET_SECONDS,
        help="seconds one request may take before its database work is stopped",
    )
    parser.add_argument(
        "--no-etags", action="store_true", help="answer without ETags (as the contract allows)"
    )
    parser.add_argument(
        "--ignore-search",
        action="store_true",
        help="answer the dashboards list unfiltered by ?search=, as the public API may",
    )
    parser.add_argument(
        "--calls-in-background",
        action="store_true",
        help="on a fresh database, listen once the small tables are seeded and seed the "
        "calls meanwhile; requests that read calls wait for them",
    )
    parser.add_argument(
        "--stop-with-stdin",
        action="store_true",
        help="stop when standard input closes (the process that started it has ended)",
    )
    return parser


def _exit_cleanly(signum: int, frame: object) -> NoReturn:
    sys.exit(0)


def _stop_when_stdin_closes() -> None:
    def wait() -> None:
        # The raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read
        # holds its lock, which the interpreter's shutdown would then wait for.
        while os.read(0, 4096):  # b"" at end of file: the other end has gone
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="stdin-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.prepare_only and not args.api_key:
        parser.error(f"the API key is required: --api-key or {KEY_ENV}")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.prepare_only:
        from demo_api.prepare import prepare_database

        prepare_database(args.db, seed_value=args.seed, calls=args.calls, now=datetime.now(UTC))
        return 0
    from demo_api.app import ListeningServer, create_app, server_config

    # uvicorn shuts down gracefully on SIGTERM and then re-raises it for the previous
    # handler: this one turns it into a normal exit.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if args.stop_with_stdin:
        _stop_when_stdin_closes()
    app = create_app(
        args.db,
        args.api_key,
        seed=args.seed,
        calls=args.calls,
        enable_fault_api=args.enable_fault_api,
        request_budget=args.request_budget,
        send_etags=not args.no_etags,
        honour_search=not args.ignore_search,
        calls_in_background=args.calls_in_background,
    )
    server = ListeningServer(server_config(app, args.host, args.port))
    server.on_listening = lambda host, port: logger.info(
        "demo_api listening on http://%s:%d", host, port
    )
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
