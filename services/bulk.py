"""The bulk page's state: which dashboards it changes (chosen on the list), the dry run's
reads, and the apply or revert in progress, advanced one dashboard per script run so
Cancel (a click between two runs) stops after the current dashboard.

The work itself is admin_store/bulk.py (one dashboard per step, through the write
service) and cekura_dashboards/bulk_plan.py (the dry run, pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

from admin_store import bulk, writes
from cekura_dashboards.bulk_plan import BulkPlan
from cekura_dashboards.models import Dashboard
from services import state_keys as keys
from services.reads import (
    load_all_matching_dashboards,
    load_dashboard,
    remember_dashboard,
)
from services.writing import write_context


@dataclass(frozen=True)
class BulkTarget:
    """The dashboards to change: the rows ticked on the list (`ids`), or every dashboard
    matching a search and project (`ids` None), with the count the list showed."""

    ids: tuple[int, ...] | None
    project_id: int | None = None
    search: str = ""
    count: int = 0

    @property
    def label(self) -> str:
        if self.ids is not None:
            n = len(self.ids)
            return f"the {n} dashboard{'s' if n != 1 else ''} selected on the list"
        what = []
        if self.search.strip():
            what.append(f"whose name contains “{self.search.strip()}”")
        if self.project_id is not None:
            what.append("in the chosen project")
        scope = " ".join(what) if what else "of every project"
        return f"every dashboard {scope} ({self.count:,} when the list was read)"


def choose_rows(dashboards: Sequence[Any]) -> None:
    _choose(BulkTarget(tuple(int(d.id) for d in dashboards), count=len(dashboards)))


def choose_matching(*, project_id: int | None, search: str, count: int) -> None:
    _choose(BulkTarget(None, project_id, search or "", count))


def _choose(target: BulkTarget) -> None:
    st.session_state[keys.S_BULK_TARGET] = target
    st.session_state.pop(keys.S_BULK_PLAN, None)
    st.session_state.pop(keys.S_BULK_COUNTS, None)
    run = current_run()
    if run is None or run.finished:
        st.session_state.pop(keys.S_BULK_RUN, None)


def current_target() -> BulkTarget | None:
    found = st.session_state.get(keys.S_BULK_TARGET)
    return found if isinstance(found, BulkTarget) else None


def target_ids(target: BulkTarget) -> tuple[list[int], bool]:
    """The ids to change and whether that list is complete (all pages read once)."""
    if target.ids is not None:
        return list(target.ids), True
    summaries, complete = load_all_matching_dashboards(
        project_id=target.project_id, search=target.search
    )
    return [int(d.id) for d in summaries], bool(complete)


def load_copies(ids: Sequence[int]) -> list[Dashboard]:
    """Each dashboard as the dry run plans from it: at most one GET each, cached."""
    return [load_dashboard(i) for i in ids]


# --- apply / revert, one dashboard per run ----------------------------------------------------
RunKind = Literal["apply", "revert"]


@dataclass
class BulkRun:
    kind: RunKind
    batch_id: str  # what the writes are journalled under
    steps: list[Any]  # PlanItems (apply) or RevertSteps (revert)
    label: str
    of_batch: str | None = None  # revert: the batch being reverted
    results: list[bulk.StepResult] = field(default_factory=list)
    cancelled: bool = False
    waiting: str = ""  # what a rate-limit wait is for, while it lasts

    @property
    def done(self) -> int:
        return len(self.results)

    @property
    def finished(self) -> bool:
        return self.cancelled or self.done >= len(self.steps)

    def not_run(self) -> list[Any]:
        return self.steps[self.done :]


def current_run() -> BulkRun | None:
    found = st.session_state.get(keys.S_BULK_RUN)
    return found if isinstance(found, BulkRun) else None


def start_apply(plan: BulkPlan) -> None:
    steps = [item for item in plan.items if item.status == "change"]
    run = BulkRun("apply", writes.new_batch_id(), steps, plan.change.label)
    st.session_state[keys.S_BULK_RUN] = run
    st.session_state[keys.S_BULK_LAST_BATCH] = run.batch_id


def start_revert(batch_id: str) -> None:
    steps = bulk.revert_steps(write_context(), batch_id)
    run = BulkRun(
        "revert", writes.new_batch_id(), list(steps), "Revert this batch", of_batch=batch_id
    )
    st.session_state[keys.S_BULK_RUN] = run


def cancel_run() -> None:
    run = current_run()
    if run is not None and not run.finished:
        run.cancelled = True


def advance(run: BulkRun) -> bulk.StepResult | None:
    """Do the next dashboard of `run` and record what happened. The result is appended
    before anything is drawn, so a rerun that interrupts the page after the write cannot
    lose it (and never makes the same write twice)."""
    if run.finished:
        return None
    step = run.steps[run.done]
    ctx = write_context()
    if run.kind == "apply":
        result = bulk.apply_item(ctx, step, batch_id=run.batch_id)
    else:
        result = bulk.revert_step(ctx, step, batch_id=run.batch_id)
    run.results.append(result)
    if result.saved is not None:
        remember_dashboard(result.saved)
    return result
