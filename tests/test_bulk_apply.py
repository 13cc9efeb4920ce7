"""Applying and reverting a bulk change over real HTTP against the demo API: the tally, the
journal, and how many requests reached the server (the fault API's counters)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from admin_store import Store, bulk
from admin_store import writes as w
from cekura_dashboards import bulk_plan as bp
from cekura_dashboards.client import CekuraClient
from services.access import Actor
from tests.harness import DemoAPI

pytestmark = [pytest.mark.store, pytest.mark.api]

OLD_AGENT, NEW_AGENT = 7, 8


def filters(agent: int) -> dict[str, Any]:
    return {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "agent.id", "op": "in", "value": [agent]},
        ],
    }


@pytest.fixture
def api(demo_api_server: DemoAPI) -> Iterator[DemoAPI]:
    demo_api_server.clear_faults()
    yield demo_api_server
    demo_api_server.clear_faults()


@pytest.fixture
def ctx(tmp_path: Any, api: DemoAPI) -> Iterator[w.WriteContext]:
    store = Store.open(f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    client = CekuraClient(api.url, api.api_key, timeout=(3.05, 30), backoff_factor=0.05)
    yield w.WriteContext(
        store, client, store.connection(api.url, api.api_key), Actor("ann@example.com", "admin")
    )
    store.close()


@pytest.fixture
def fifty(api: DemoAPI) -> Iterator[list[int]]:
    tag = secrets.token_hex(4)
    ids = []
    for n in range(50):
        body = {"name": f"bulk {tag} {n:02d}", "project": 3, "filters": filters(OLD_AGENT)}
        resp = api.post("/dashboards/dashboards/", json=body)
        resp.raise_for_status()
        ids.append(int(resp.json()["id"]))
    yield ids
    for dashboard_id in ids:
        api.delete(f"/dashboards/dashboards/{dashboard_id}/")


def path(dashboard_id: int) -> str:
    return f"/dashboards/dashboards/{dashboard_id}/"


def run(ctx: w.WriteContext, plan: bp.BulkPlan, batch_id: str, **kw: Any) -> list[bulk.StepResult]:
    return [bulk.apply_item(ctx, item, batch_id=batch_id, **kw) for item in plan.items]


def test_fifty_with_three_conflicts_and_one_503(
    ctx: w.WriteContext, api: DemoAPI, fifty: list[int]
) -> None:
    copies = [ctx.client.get_dashboard(dashboard_id=i) for i in fifty]
    plan = bp.plan_bulk(copies, bp.replace_agent(OLD_AGENT, NEW_AGENT))
    assert plan.counts()["change"] == 50
    conflicts = fifty[5], fifty[20], fifty[41]
    for dashboard_id in conflicts:  # someone else, between the dry run and the apply
        api.patch(path(dashboard_id), json={"name": "changed behind the batch"}).raise_for_status()
    failing = fifty[30]
    api.clear_faults()
    api.arm_fault(method="PATCH", path=path(failing), kind="status", status=503, times=1)

    batch = w.new_batch_id()
    results = run(ctx, plan, batch)

    assert bulk.tally(results) == {
        "saved": 46,
        "skipped": 0,
        "conflict": 3,
        "failed": 1,
        "unknown": 0,
    }
    by_id = {r.dashboard_id: r for r in results}
    assert {i for i, r in by_id.items() if r.outcome == "conflict"} == set(conflicts)
    assert by_id[failing].outcome == "failed" and "error 503" in by_id[failing].reason
    counts = api.fault_counts()
    for dashboard_id in fifty:
        gets, patches = (counts.get(f"{m} {path(dashboard_id)}", 0) for m in ("GET", "PATCH"))
        expected = (1, 0) if dashboard_id in conflicts else (1, 1)
        assert (gets, patches) == expected, dashboard_id
    assert sum(counts.values()) == 50 + 47  # nothing else was sent
    # the server holds the new agent exactly where the tally says "saved"
    for dashboard_id in fifty:
        stored = api.get(path(dashboard_id)).json()["filters"]
        agent = NEW_AGENT if by_id[dashboard_id].outcome == "saved" else OLD_AGENT
        assert stored == filters(agent), dashboard_id
    entries = ctx.store.journal.entries(ctx.connection, batch_id=batch, limit=1000)
    assert sorted(e.outcome for e in entries) == ["refused"] + ["saved"] * 46


def test_revert_restores_the_batch_and_skips_what_someone_changed_since(
    ctx: w.WriteContext, api: DemoAPI, fifty: list[int]
) -> None:
    ten = fifty[:10]
    copies = [ctx.client.get_dashboard(dashboard_id=i) for i in ten]
    plan = bp.plan_bulk(copies, bp.replace_agent(OLD_AGENT, NEW_AGENT))
    batch = w.new_batch_id()
    assert bulk.tally(run(ctx, plan, batch))["saved"] == 10
    touched = ten[3]
    api.patch(path(touched), json={"name": "edited after the batch"}).raise_for_status()

    steps = bulk.revert_steps(ctx, batch)
    assert sorted(s.dashboard_id for s in steps) == sorted(ten)
    revert_batch = w.new_batch_id()
    api.clear_faults()
    results = [bulk.revert_step(ctx, s, batch_id=revert_batch) for s in steps]

    assert bulk.tally(results) == {
        "saved": 9,
        "skipped": 0,
        "conflict": 1,
        "failed": 0,
        "unknown": 0,
    }
    (skipped,) = [r for r in results if r.outcome == "conflict"]
    assert skipped.dashboard_id == touched and "since" in skipped.reason
    for dashboard_id in ten:
        stored = api.get(path(dashboard_id)).json()["filters"]
        agent = NEW_AGENT if dashboard_id == touched else OLD_AGENT
        assert stored == filters(agent)
    restores = ctx.store.journal.entries(ctx.connection, batch_id=revert_batch)
    assert len(restores) == 9 and {e.kind for e in restores} == {"restore"}
    assert all(e.request == {"filters": filters(OLD_AGENT)} for e in restores)
    counts = api.fault_counts()
    assert sum(n for k, n in counts.items() if k.startswith("PATCH")) == 9


def test_a_429_waits_as_told_and_sends_that_dashboard_again(
    ctx: w.WriteContext, api: DemoAPI, fifty: list[int]
) -> None:
    three = fifty[:3]
    copies = [ctx.client.get_dashboard(dashboard_id=i) for i in three]
    plan = bp.plan_bulk(copies, bp.replace_agent(OLD_AGENT, NEW_AGENT))
    api.clear_faults()
    limited = three[1]
    api.arm_fault(
        method="PATCH", path=path(limited), kind="status", status=429, retry_after=2, times=1
    )
    waits: list[float] = []
    results = run(ctx, plan, w.new_batch_id(), sleep=waits.append)
    assert [r.outcome for r in results] == ["saved"] * 3
    assert waits == [2.0]
    counts = api.fault_counts()
    # refused once (nothing applied), then re-read and sent again; the others 2 each
    assert counts[f"PATCH {path(limited)}"] == 2
    assert counts[f"GET {path(limited)}"] == 2
    assert all(counts[f"PATCH {path(i)}"] == 1 for i in three if i != limited)


def test_a_write_whose_answer_was_lost_is_unknown_and_not_sent_again(
    ctx: w.WriteContext, api: DemoAPI, fifty: list[int]
) -> None:
    copies = [ctx.client.get_dashboard(dashboard_id=fifty[0])]
    plan = bp.plan_bulk(copies, bp.replace_agent(OLD_AGENT, NEW_AGENT))
    api.clear_faults()
    api.arm_fault(method="PATCH", path=path(fifty[0]), kind="reset_after_commit", times=1)
    (result,) = run(ctx, plan, w.new_batch_id())
    assert result.outcome == "unknown" and "not sent again" in result.reason
    assert api.fault_counts()[f"PATCH {path(fifty[0])}"] == 1


def test_skipped_and_no_change_items_send_nothing(
    ctx: w.WriteContext, api: DemoAPI, fifty: list[int]
) -> None:
    copies = [ctx.client.get_dashboard(dashboard_id=i) for i in fifty[:2]]
    plan = bp.plan_bulk(copies, bp.replace_agent(99, NEW_AGENT))  # no dashboard has 99
    api.clear_faults()
    results = run(ctx, plan, w.new_batch_id())
    assert [r.outcome for r in results] == ["skipped", "skipped"]
    assert results[0].reason == bp.NO_CHANGE
    assert api.fault_counts() == {}
