"""No lost update without ETags: against a demo API that sends none (so no If-Match), two
app-side writers, each with its own client and its own Store (as two processes would
have), make 100 read-modify-write saves each (increment a counter in the name). Through
the write service, whose per-dashboard lock covers re-read + PATCH, none is lost, on
either store backend. The same writers calling the client directly lose updates.

Each PATCH is held 20 ms by the server (a `delay` fault) so that the window between the
re-read and the write is wide on any machine: it makes the no-lock loss certain rather
than likely, and shows the lock holds even when the window is wide. Measured with the
writers without the lock, 2 x 100 saves on loopback, 2-core machine, three runs each:
57, 76 and 86 of 200 updates lost with no delay; 97, 94 and 100 with the 20 ms delay."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from admin_store import Store
from admin_store import writes as w
from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import ConflictError
from cekura_dashboards.models import Dashboard
from services.access import Actor
from tests.harness import DemoAPI, start_demo_api

pytestmark = [pytest.mark.store, pytest.mark.api]

SAVES_EACH = 100
PATCH_DELAY = 0.02


@pytest.fixture(scope="module")
def no_etag_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    api = start_demo_api(tmp_path_factory.mktemp("no_etags"), calls=200, etags=False)
    yield api
    api.stop()


def client_for(api: DemoAPI) -> CekuraClient:
    return CekuraClient(api.url, api.api_key, timeout=(3.05, 30), backoff_factor=0.05)


@pytest.fixture
def counter(no_etag_api: DemoAPI) -> Iterator[Dashboard]:
    client = client_for(no_etag_api)
    created = client.create_dashboard(name="counter 0")
    path = f"/dashboards/dashboards/{created.id}/"
    no_etag_api.clear_faults()
    no_etag_api.arm_fault(
        method="PATCH", path=path, kind="delay", seconds=PATCH_DELAY, times=10_000
    )
    yield created
    no_etag_api.clear_faults()
    client.delete_dashboard(dashboard_id=created.id)


def count_in(dashboard: Dashboard) -> int:
    return int((dashboard.name or "").rsplit(" ", 1)[1])


Save = Callable[[Dashboard, dict[str, str]], Dashboard]


def run_writers(savers: list[tuple[CekuraClient, Save]], dashboard_id: int) -> list[int]:
    """Each writer: read, add one to the counter, save with the copy it read; on a
    conflict start again from the server's copy, until SAVES_EACH saves went through.
    Returns each writer's number of conflicts."""
    conflicts = [0] * len(savers)
    errors: list[BaseException] = []
    go = threading.Barrier(len(savers))

    def writer(index: int, client: CekuraClient, save: Save) -> None:
        try:
            go.wait(30)
            copy = client.get_dashboard(dashboard_id=dashboard_id)
            saved = 0
            while saved < SAVES_EACH:
                try:
                    copy = save(copy, {"name": f"counter {count_in(copy) + 1}"})
                    saved += 1
                except ConflictError as err:
                    assert err.server_copy is not None
                    copy = err.server_copy
                    conflicts[index] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(i, client, save))
        for i, (client, save) in enumerate(savers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert not errors, errors
    return conflicts


def test_the_demo_api_can_answer_without_etags(
    no_etag_api: DemoAPI, demo_api_server: DemoAPI
) -> None:
    client = client_for(no_etag_api)
    created = client.create_dashboard(name="no etag")
    path = f"/dashboards/dashboards/{created.id}/"
    assert "ETag" not in no_etag_api.get(path).headers
    assert client.get_dashboard_and_etag(dashboard_id=created.id)[1] is None
    client.delete_dashboard(dashboard_id=created.id)
    # The ordinary demo API does send one.
    listing = demo_api_server.get("/dashboards/dashboards/").json()["results"][0]
    assert demo_api_server.get(f"/dashboards/dashboards/{listing['id']}/").headers["ETag"]


def test_two_writers_through_the_lock_lose_nothing(
    store_url: str, no_etag_api: DemoAPI, counter: Dashboard
) -> None:
    stores = [Store.open(store_url), Store.open(store_url)]
    contexts = [
        w.WriteContext(
            s,
            client_for(no_etag_api),
            s.connection(no_etag_api.url, no_etag_api.api_key),
            Actor(f"writer{i}@example.com", "editor"),
        )
        for i, s in enumerate(stores)
    ]

    def saver(ctx: w.WriteContext) -> Save:
        return lambda copy, changes: w.update_dashboard(
            ctx, dashboard_id=counter.id, changes=changes, expected=copy
        )

    run_writers([(ctx.client, saver(ctx)) for ctx in contexts], counter.id)

    final = contexts[0].client.get_dashboard(dashboard_id=counter.id)
    assert count_in(final) == 2 * SAVES_EACH  # 0 lost
    entries = stores[0].journal.entries(contexts[0].connection, dashboard_id=counter.id, limit=1000)
    assert len(entries) == 2 * SAVES_EACH and {e.outcome for e in entries} == {"saved"}
    assert {e.actor for e in entries} == {"writer0@example.com", "writer1@example.com"}
    # Every save started from the copy the one before it left: 0, 1, ..., 199.
    bases = sorted(int(e.before["name"].rsplit(" ", 1)[1]) for e in entries)
    assert bases == list(range(2 * SAVES_EACH))
    for store in stores:
        store.close()


def test_without_the_lock_updates_are_lost(no_etag_api: DemoAPI, counter: Dashboard) -> None:
    """The client's own stale-write check alone: both writers pass the re-read before
    either PATCH lands, and one increment overwrites the other."""
    clients = [client_for(no_etag_api), client_for(no_etag_api)]

    def saver(client: CekuraClient) -> Save:
        return lambda copy, changes: client.update_dashboard(
            dashboard_id=counter.id, changes=changes, expected=copy
        )

    run_writers([(c, saver(c)) for c in clients], counter.id)
    final = count_in(clients[0].get_dashboard(dashboard_id=counter.id))
    lost = 2 * SAVES_EACH - final
    assert lost > 0, "the re-read/PATCH window did not open; the lock test proves less"
