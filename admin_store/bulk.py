"""Applying a bulk plan and reverting a batch: one dashboard at a time, each through the
write service (`writes.update_dashboard`: lock, re-read, stale-write check, PATCH with
If-Match, journal), so a bulk change is exactly as safe as a single save.

Each step is a function of one dashboard that never raises for that dashboard's own
trouble: it returns what happened (saved / skipped / conflict / failed / unknown) with
the reason, so a caller's loop goes on with the next one and can stop between any two.

Requests per dashboard that changes: the re-read and the PATCH (2). Nothing is retried
blindly: only a 429 answer is waited out and that one dashboard sent again, because a 429
says the write was refused (not applied); a write whose outcome is unknown is reported
as unknown and never re-sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from admin_store import writes
from admin_store.records import JournalEntry
from cekura_dashboards.bulk_plan import PlanItem
from cekura_dashboards.errors import CekuraError, ConflictError, RateLimitError
from cekura_dashboards.models import Dashboard

logger = logging.getLogger(__name__)

Outcome = Literal["saved", "skipped", "conflict", "failed", "unknown"]
OUTCOMES: tuple[Outcome, ...] = ("saved", "skipped", "conflict", "failed", "unknown")
# A 429 without Retry-After waits this long; more than MAX_RATE_LIMIT_WAITS in a row for
# one dashboard and it is reported as failed (the API keeps refusing).
DEFAULT_RATE_LIMIT_WAIT_S = 2.0
MAX_RATE_LIMIT_WAITS = 3
CONFLICT_SINCE_DRY_RUN = (
    "Changed on the server since the dry run read it, so this change was not sent. "
    "Run the dry run again to include it."
)
CHANGED_SINCE_BATCH = (
    "Changed by someone since this batch saved it, so it was not reverted (that would "
    "undo their change)."
)


@dataclass(frozen=True)
class StepResult:
    dashboard_id: int
    name: str
    outcome: Outcome
    reason: str = ""
    saved: Dashboard | None = None  # the server's answer when saved


def apply_item(
    ctx: writes.WriteContext,
    item: PlanItem,
    *,
    batch_id: str,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] | None = None,
) -> StepResult:
    """Send one dashboard's planned change (or report why not)."""
    if item.status != "change" or not item.body:
        return StepResult(item.dashboard_id, item.name, "skipped", item.reason)
    return _send(
        item.dashboard_id,
        item.name,
        lambda: writes.update_dashboard(
            ctx,
            dashboard_id=item.dashboard_id,
            changes=item.body or {},
            expected=item.before,
            batch_id=batch_id,
        ),
        conflict_reason=CONFLICT_SINCE_DRY_RUN,
        sleep=sleep,
        on_wait=on_wait,
    )


def _send(
    dashboard_id: int,
    name: str,
    write: Callable[[], Dashboard],
    *,
    conflict_reason: str,
    sleep: Callable[[float], None],
    on_wait: Callable[[float], None] | None,
) -> StepResult:
    waits = 0
    while True:
        try:
            saved = write()
        except ConflictError:
            return StepResult(dashboard_id, name, "conflict", conflict_reason)
        except RateLimitError as err:
            # 429: the API refused the write, so sending it again cannot apply it twice.
            if err.outcome_unknown or waits >= MAX_RATE_LIMIT_WAITS:
                return _failure(dashboard_id, name, err)
            waits += 1
            wait = err.retry_after if err.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT_S
            logger.info("dashboard %d: rate limited, waiting %.1f s", dashboard_id, wait)
            if on_wait is not None:
                on_wait(wait)
            sleep(wait)
            continue
        except CekuraError as err:  # AccessDenied too: the role check refused it
            return _failure(dashboard_id, name, err)
        return StepResult(dashboard_id, name, "saved", "", saved)


def _failure(dashboard_id: int, name: str, err: CekuraError) -> StepResult:
    if err.outcome_unknown:
        return StepResult(
            dashboard_id,
            name,
            "unknown",
            "The connection dropped after the change was sent: it may or may not have been "
            f"saved. Open the dashboard to check; it was not sent again. ({err.user_message})",
        )
    return StepResult(dashboard_id, name, "failed", err.user_message)


# --- revert ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RevertStep:
    """One dashboard of a batch to put back: its before-copy and the copy the batch left."""

    dashboard_id: int
    name: str
    restore: Mapping[str, Any]  # the keys the batch changed, with their values before it
    after: Dashboard | None  # the batch's saved answer (None: nothing known was saved)
    note: str = ""  # why it cannot be reverted (then `after` is None)


def revert_steps(ctx: writes.WriteContext, batch_id: str) -> list[RevertStep]:
    """What reverting `batch_id` would do, from its journal entries (oldest first): each
    saved PATCH of the batch gives back its `before` values of the keys it sent; an entry
    whose outcome is unknown is listed, never guessed at."""
    entries = ctx.store.journal.entries(ctx.connection, batch_id=batch_id, limit=1000)
    by_dashboard: dict[int, list[JournalEntry]] = {}
    for entry in reversed(entries):  # oldest first
        if entry.kind == "update" and entry.dashboard_id is not None:
            by_dashboard.setdefault(entry.dashboard_id, []).append(entry)
    steps: list[RevertStep] = []
    for dashboard_id, found in by_dashboard.items():
        saved = [e for e in found if e.outcome == "saved"]
        name = found[-1].dashboard_name or ""
        if saved:
            entry = saved[-1]
            before = entry.before if isinstance(entry.before, dict) else {}
            keys = entry.request if isinstance(entry.request, dict) else {}
            steps.append(
                RevertStep(
                    dashboard_id,
                    name,
                    {key: before.get(key) for key in keys},
                    Dashboard.model_validate(entry.response),
                )
            )
        elif any(e.outcome_unknown for e in found):
            steps.append(
                RevertStep(
                    dashboard_id,
                    name,
                    {},
                    None,
                    "Whether the batch saved it is unknown, so it is not reverted; open it to "
                    "check.",
                )
            )
    return steps


def revert_step(
    ctx: writes.WriteContext,
    step: RevertStep,
    *,
    batch_id: str,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] | None = None,
) -> StepResult:
    """Put one dashboard back to its before-copy, journalled as kind "restore" under
    `batch_id` (the revert's own batch). The batch's saved answer is the expected copy:
    the write service re-reads and compares (same_json on name, project, filters, and
    updated_at), so a dashboard changed by anyone since is a conflict, not overwritten."""
    if step.after is None or not step.restore:
        return StepResult(step.dashboard_id, step.name, "skipped", step.note)
    after = step.after
    return _send(
        step.dashboard_id,
        step.name,
        lambda: writes.update_dashboard(
            ctx,
            dashboard_id=step.dashboard_id,
            changes=dict(step.restore),
            expected=after,
            kind="restore",
            batch_id=batch_id,
        ),
        conflict_reason=CHANGED_SINCE_BATCH,
        sleep=sleep,
        on_wait=on_wait,
    )


def tally(results: list[StepResult]) -> dict[Outcome, int]:
    return {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}
