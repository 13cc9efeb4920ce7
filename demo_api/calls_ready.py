"""Whether the demo's calls are there yet.

On a fresh database the demo server seeds the small tables first, starts listening, and
has the calls seeded by a process of its own (prepare.py, calls_seeder.py), so the
dashboards list answers while the 50,000 calls are still being written. A request that reads the calls waits for them
here, within its time budget; the routes turn a wait that runs out into a 503.
Needs no FastAPI: preparing the data does not load it.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the seeding process needs no asyncio
    from demo_api.request_budget import RequestBudget

# How often a waiting request looks whether its client has gone or its budget is spent.
_POLL_S = 0.05


class CallsReady:
    """Set once the calls are committed, or once seeding them failed (with the reason)."""

    def __init__(self, *, ready: bool = False) -> None:
        self._done = threading.Event()
        self.failure: str | None = None
        if ready:
            self._done.set()

    def set(self) -> None:
        self._done.set()

    def fail(self, reason: str) -> None:
        self.failure = reason
        self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self.failure is None

    def wait(self, budget: RequestBudget | None, *, timeout: float = 30.0) -> bool:
        """Block (a worker thread, never the event loop) until the calls are seeded or
        seeding them failed: True then. False once `budget` is spent (or its client has
        gone), or after `timeout` without a budget."""
        deadline = time.monotonic() + timeout
        while not self._done.wait(_POLL_S):
            if budget is not None and budget.spent:
                return False
            if budget is None and time.monotonic() >= deadline:
                return False
        return True
