"""Noisy neighbour: how much slower a plain GET gets while 8 pathological regex requests
(`agent.agent_name` matches `^(.+)+!`, which stalled Python's `re` for minutes) run
against the same demo API, over real HTTP on loopback.

Rounds interleave the two conditions, so a machine that gets busier during the run slows
both alike: each round times the GET alone, then the GET with 8 clients sending the regex
request back to back. The figure is the median over all rounds of each condition.
Goal: the GET under load takes at most twice as long as alone (issue 14)."""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.harness import DemoAPI, start_demo_api

CALLS = 50_000
ROUNDS = 7
SAMPLES = 5  # GETs per condition per round
NEIGHBOURS = 8

GOAL_RATIO = 2.0
PLAIN = "/dashboards/dashboards/"
PATHOLOGICAL = json.dumps({"field": "agent.agent_name", "op": "regex", "value": "^(.+)+!"})


def _timed_get(session: requests.Session, api: DemoAPI) -> float:
    started = time.perf_counter()
    reply = session.get(api.url + PLAIN, headers=api.headers(), timeout=60)
    elapsed = time.perf_counter() - started
    reply.raise_for_status()
    return elapsed


class Neighbours:
    """`NEIGHBOURS` clients, each sending the regex request again as soon as it is answered."""

    def __init__(self, api: DemoAPI) -> None:
        self.api = api
        self.stop = threading.Event()
        self.answers: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(NEIGHBOURS)]

    def _run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                reply = session.get(
                    self.api.url + "/observability/v1/call-logs/",
                    params={"filters_v2": PATHOLOGICAL},
                    headers=self.api.headers(),
                    timeout=120,
                )
                with self.lock:
                    self.answers[reply.status_code] = self.answers.get(reply.status_code, 0) + 1

    def __enter__(self) -> Neighbours:
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)  # all 8 in flight before the first timed GET
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=150)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        api = start_demo_api(Path(tmp), calls=CALLS, faults=False)
        print(f"demo API with {CALLS:,} calls ready in {time.perf_counter() - started:.1f} s")
        alone: list[float] = []
        loaded: list[float] = []
        answers: dict[int, int] = {}
        try:
            with requests.Session() as session:
                _timed_get(session, api)  # warm the connection and the page cache
                for _ in range(ROUNDS):
                    alone += [_timed_get(session, api) for _ in range(SAMPLES)]
                    with Neighbours(api) as neighbours:
                        loaded += [_timed_get(session, api) for _ in range(SAMPLES)]
                    for status, count in neighbours.answers.items():
                        answers[status] = answers.get(status, 0) + count
        finally:
            api.stop()
    baseline_ms = statistics.median(alone) * 1000
    figure_ms = statistics.median(loaded) * 1000
    ratio = figure_ms / baseline_ms
    verdict = "meets" if ratio <= GOAL_RATIO else "misses"
    print(f"noisy neighbour: GET {PLAIN} while {NEIGHBOURS} '^(.+)+!' regex requests run")
    print(f"  figure   (with neighbours, median of {len(loaded)}): {figure_ms:.1f} ms")
    print(f"  baseline (alone, median of {len(alone)}):           {baseline_ms:.1f} ms")
    print(f"  ratio: {ratio:.2f}x   goal: <= {GOAL_RATIO:g}x   {verdict}")
    print(f"  neighbour answers by status: {dict(sorted(answers.items()))}")


if __name__ == "__main__":
    main()
