"""A bulk change of 200 dashboards against the demo API over HTTP on 127.0.0.1.

1. The dry run: read the list once (every page, as "every matching dashboard" does), one
   GET per dashboard, then plan (cekura_dashboards.bulk_plan). Goal: under 5 s, with the
   demo API's data already warm (one untimed pass first), at most 1 list read of each
   page and 1 GET per dashboard. A second dry run from the copies already read is timed
   too (the page keeps them for a minute): it sends nothing.
2. The apply: every dashboard through admin_store.bulk.apply_item (the write service:
   lock, re-read, PATCH, journal). Goal: exactly 2 requests per changed dashboard,
   counted by the demo API's fault-API counters.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from admin_store import Store, bulk, writes
from cekura_dashboards import bulk_plan as bp
from cekura_dashboards.client import CekuraClient
from services.access import Actor
from tests.harness import DemoAPI, start_demo_api

DASHBOARDS = 200
GOAL_DRY_RUN_S = 5.0
OLD_AGENT, NEW_AGENT = 7, 8


def _filters(agent: int) -> dict[str, Any]:
    return {
        "operator": "and",
        "conditions": [
            {"field": "timestamp", "op": "gte", "value": "now-7d"},
            {"field": "agent.id", "op": "in", "value": [agent]},
            {"field": "duration", "op": "gte", "value": 30},
        ],
    }


def _all_matching(client: CekuraClient, search: str) -> list[Any]:
    found: list[Any] = []
    for page in range(1, 100):
        result = client.list_dashboards(page=page, page_size=100, search=search)
        found.extend(result.results)
        if not result.next:
            return found
    return found


def _dry_run(client: CekuraClient, search: str, cache: dict[int, Any]) -> bp.BulkPlan:
    ids = [int(d.id) for d in _all_matching(client, search)]
    copies = []
    for dashboard_id in ids:
        if dashboard_id not in cache:
            cache[dashboard_id] = client.get_dashboard(dashboard_id=dashboard_id)
        copies.append(cache[dashboard_id])
    return bp.plan_bulk(copies, bp.replace_agent(OLD_AGENT, NEW_AGENT))


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def _run(api: DemoAPI, workdir: Path) -> None:
    tag = f"bench bulk {secrets.token_hex(3)}"
    for n in range(DASHBOARDS):
        body = {"name": f"{tag} {n:03d}", "project": 3, "filters": _filters(OLD_AGENT)}
        api.post("/dashboards/dashboards/", json=body).raise_for_status()
    client = CekuraClient(api.url, api.api_key, timeout=(3.05, 30))
    _dry_run(client, tag, {})  # warm the demo API's data (untimed)

    api.clear_faults()
    cache: dict[int, Any] = {}
    started = time.perf_counter()
    plan = _dry_run(client, tag, cache)
    cold_s = time.perf_counter() - started
    counts = api.fault_counts()
    gets = sum(
        n
        for k, n in counts.items()
        if k.startswith("GET /dashboards/dashboards/") and k != "GET /dashboards/dashboards/"
    )
    lists = counts.get("GET /dashboards/dashboards/", 0)
    writes_sent = sum(n for k, n in counts.items() if not k.startswith("GET"))
    assert plan.counts()["change"] == DASHBOARDS, plan.summary()

    api.clear_faults()
    started = time.perf_counter()
    replanned = bp.plan_bulk(list(cache.values()), bp.replace_agent(OLD_AGENT, NEW_AGENT))
    warm_s = time.perf_counter() - started
    assert len(replanned.items) == DASHBOARDS

    store = Store.open(f"sqlite:///{workdir / 'admin.sqlite3'}")
    ctx = writes.WriteContext(
        store, client, store.connection(api.url, api.api_key), Actor("bench@example.com", "admin")
    )
    batch = writes.new_batch_id()
    api.clear_faults()
    started = time.perf_counter()
    results = [bulk.apply_item(ctx, item, batch_id=batch) for item in plan.items]
    apply_s = time.perf_counter() - started
    counts = api.fault_counts()
    store.close()
    saved = bulk.tally(results)["saved"]
    per_dashboard = {
        (
            counts.get(f"GET /dashboards/dashboards/{i.dashboard_id}/", 0),
            counts.get(f"PATCH /dashboards/dashboards/{i.dashboard_id}/", 0),
        )
        for i in plan.items
    }
    total_requests = sum(counts.values())

    print(f"dashboards: {DASHBOARDS} (filter: 3 conditions; change: replace agent)")
    ok_dry = cold_s < GOAL_DRY_RUN_S and gets <= DASHBOARDS and writes_sent == 0
    print(
        f"dry run, reading every copy: {cold_s:.2f} s "
        f"({lists} list page reads, {gets} dashboard GETs, {writes_sent} writes); "
        f"goal < {GOAL_DRY_RUN_S:.0f} s, <= 1 GET each, no write: {_verdict(ok_dry)}"
    )
    print(f"dry run again from the copies already read: {warm_s * 1000:.0f} ms, 0 requests")
    ok_apply = per_dashboard == {(1, 1)} and total_requests == 2 * saved and saved == DASHBOARDS
    print(
        f"apply: {saved} saved in {apply_s:.2f} s, {total_requests} requests "
        f"({total_requests / max(1, saved):.2f} per changed dashboard; per dashboard "
        f"(GET, PATCH) = {sorted(per_dashboard)}); goal exactly 2 each: {_verdict(ok_apply)}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as folder:
        api = start_demo_api(Path(folder), calls=2000)
        try:
            _run(api, Path(folder))
        finally:
            api.stop()


if __name__ == "__main__":
    main()
