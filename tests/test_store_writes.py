"""The write service over real HTTP against the demo API, on both store backends: every
kind of write journalled before it is sent and completed after, with its outcome."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin_store import Store
from admin_store import writes as w
from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import (
    APIConnectionError,
    BadRequestError,
    ConflictError,
    NotFoundError,
)
from services.access import Actor
from tests.harness import DemoAPI, free_port

pytestmark = [pytest.mark.store, pytest.mark.api]

LAST_7_DAYS = {
    "operator": "and",
    "conditions": [{"field": "timestamp", "op": "gte", "value": "now-7d"}],
}
LINE = {"name": "Durations", "chart_type": "line", "field": "duration"}


@pytest.fixture
def api(demo_api_server: DemoAPI) -> Iterator[DemoAPI]:
    demo_api_server.clear_faults()
    yield demo_api_server
    demo_api_server.clear_faults()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


ANN = Actor("ann@example.com", "admin")


def context(store: Store, api: DemoAPI, email: str = "ann@example.com") -> w.WriteContext:
    client = CekuraClient(api.url, api.api_key, timeout=(3.05, 30), backoff_factor=0.05)
    return w.WriteContext(
        store, client, store.connection(api.url, api.api_key), Actor(email, "admin")
    )


@pytest.fixture
def ctx(store: Store, api: DemoAPI) -> w.WriteContext:
    return context(store, api)


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def test_every_kind_of_write_is_journalled(ctx: w.WriteContext) -> None:
    journal, me = ctx.store.journal, ctx.connection
    name = unique("journal")
    created = w.create_dashboard(ctx, name=name, filters=LAST_7_DAYS)
    [entry] = journal.entries(me, kind="create")
    assert (entry.outcome, entry.dashboard_id, entry.dashboard_name) == ("saved", created.id, name)
    assert entry.request == {"name": name, "filters": LAST_7_DAYS}
    assert entry.response["id"] == created.id and entry.before is None
    assert entry.actor == "ann@example.com" and entry.method == "POST"

    widgets = w.bulk_widgets(ctx, dashboard_id=created.id, create=[LINE])
    [bulk] = journal.entries(me, kind="bulk_widgets")
    assert bulk.request == {"create": [LINE], "update": [], "delete": []}
    assert bulk.before["id"] == created.id and bulk.before["widgets"] == []
    assert bulk.response["created"][0]["id"] == widgets.created[0].id

    fresh = ctx.client.get_dashboard(dashboard_id=created.id)
    saved = w.update_dashboard(
        ctx, dashboard_id=created.id, changes={"name": name + " v2"}, expected=fresh
    )
    [update] = journal.entries(me, kind="update")
    # The full server copy read just before, widgets and all.
    assert update.before["name"] == name and len(update.before["widgets"]) == 1
    assert update.request == {"name": name + " v2"}
    assert update.response["name"] == saved.name == name + " v2"

    copy = w.duplicate_dashboard(ctx, dashboard_id=created.id, name=name + " copy")
    [dup] = journal.entries(me, kind="duplicate")
    assert (dup.dashboard_id, dup.source_dashboard_id) == (copy.id, created.id)
    assert dup.before["id"] == created.id and dup.request == {"name": name + " copy"}
    assert [e.id for e in journal.entries(me, dashboard_id=created.id)][0] == dup.id

    w.delete_dashboard(ctx, dashboard_id=created.id)
    [deleted] = journal.entries(me, kind="delete")
    assert deleted.outcome == "saved" and deleted.request is None
    assert deleted.before["name"] == name + " v2" and len(deleted.before["widgets"]) == 1
    with pytest.raises(NotFoundError):
        ctx.client.get_dashboard(dashboard_id=created.id)

    # Re-created from the delete entry's copy: a new id, the same name, filters and widgets.
    back, result = w.recreate_dashboard(ctx, copy=deleted.before)
    assert back.id != created.id and result is not None
    again = ctx.client.get_dashboard(dashboard_id=back.id)
    assert (again.name, again.filters) == (name + " v2", LAST_7_DAYS)
    assert [(x.name, x.chart_type, x.field) for x in again.widgets] == [
        ("Durations", "line", "duration")
    ]
    restores = journal.entries(me, kind="restore")
    assert [e.method for e in restores] == ["POST", "POST"]
    assert len({e.batch_id for e in restores}) == 1 and restores[0].batch_id
    assert restores[1].source_dashboard_id == created.id
    assert all(e.outcome == "saved" for e in journal.entries(me))

    versions = journal.versions(me, created.id)
    assert [v.dashboard["name"] for v in versions][:2] == [name + " v2", name]
    for dashboard_id in (copy.id, back.id):
        w.delete_dashboard(ctx, dashboard_id=dashboard_id)


def test_a_refused_write_keeps_the_apis_words(ctx: w.WriteContext) -> None:
    created = w.create_dashboard(ctx, name=unique("refused"))
    bad = {"operator": "and", "conditions": [{"field": "duration", "op": "gte", "value": "long"}]}
    with pytest.raises(BadRequestError) as caught:
        w.update_dashboard(ctx, dashboard_id=created.id, changes={"filters": bad})
    [entry] = ctx.store.journal.entries(ctx.connection, outcome="refused")
    assert entry.status == 400 and entry.message == caught.value.user_message
    assert entry.response == caught.value.body and "filters" in entry.response
    assert entry.request == {"filters": bad} and entry.before["id"] == created.id
    w.delete_dashboard(ctx, dashboard_id=created.id)


def test_a_stale_save_is_neither_sent_nor_journalled(ctx: w.WriteContext, api: DemoAPI) -> None:
    created = w.create_dashboard(ctx, name=unique("stale"))
    mine = ctx.client.get_dashboard(dashboard_id=created.id)
    w.update_dashboard(ctx, dashboard_id=created.id, changes={"name": "someone else"})
    api.clear_faults()
    with pytest.raises(ConflictError) as caught:
        w.update_dashboard(ctx, dashboard_id=created.id, changes={"name": "mine"}, expected=mine)
    assert caught.value.server_copy is not None and caught.value.server_copy.name == "someone else"
    assert api.fault_counts().get(f"PATCH /dashboards/dashboards/{created.id}/", 0) == 0
    assert [e.request for e in ctx.store.journal.entries(ctx.connection, kind="update")] == [
        {"name": "someone else"}
    ]
    w.delete_dashboard(ctx, dashboard_id=created.id)


def test_a_connection_dropped_after_commit_is_journalled_unknown(
    ctx: w.WriteContext, api: DemoAPI
) -> None:
    created = w.create_dashboard(ctx, name=unique("dropped"))
    path = f"/dashboards/dashboards/{created.id}/"
    api.clear_faults()
    api.arm_fault(method="PATCH", path=path, kind="reset_after_commit", times=1)
    with pytest.raises(APIConnectionError) as caught:
        w.update_dashboard(ctx, dashboard_id=created.id, changes={"name": "applied?"})
    assert caught.value.outcome_unknown
    [entry] = ctx.store.journal.entries(ctx.connection, kind="update")
    assert entry.outcome == "unknown" and entry.outcome_unknown
    assert entry.message == caught.value.user_message and "cannot tell" in entry.message
    assert entry.completed_at is not None and entry.response is None
    # The server did apply it, and it was sent once, never again.
    assert ctx.client.get_dashboard(dashboard_id=created.id).name == "applied?"
    assert api.fault_counts()[f"PATCH {path}"] == 1
    w.delete_dashboard(ctx, dashboard_id=created.id)


def test_nothing_reached_the_api_is_failed(store: Store, api: DemoAPI) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    client = CekuraClient(closed, api.api_key, timeout=(1, 5), max_retries=0)
    ctx = w.WriteContext(store, client, store.connection(closed, api.api_key), ANN)
    with pytest.raises(APIConnectionError) as caught:
        w.create_dashboard(ctx, name="never sent")
    assert not caught.value.outcome_unknown
    [entry] = store.journal.entries(ctx.connection)
    assert entry.outcome == "failed" and entry.message == caught.value.user_message


def test_no_journal_no_write(ctx: w.WriteContext, api: DemoAPI) -> None:
    """If the store cannot take the "started" entry, the request is never sent."""
    with ctx.store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE journal"))
    api.clear_faults()
    with pytest.raises(sa.exc.DBAPIError):
        w.create_dashboard(ctx, name=unique("unjournalled"))
    assert api.fault_counts().get("POST /dashboards/dashboards/", 0) == 0


def test_a_context_must_match_its_client(store: Store, api: DemoAPI) -> None:
    client = CekuraClient(api.url, api.api_key)
    with pytest.raises(ValueError, match="different API addresses"):
        w.WriteContext(store, client, store.connection("http://127.0.0.1:1", api.api_key), ANN)


def test_the_key_is_never_stored(
    store_url: str, api: DemoAPI, request: pytest.FixtureRequest
) -> None:
    """Writes of every outcome, a draft; then the database file (and its WAL and lock
    files) or a pg_dump of the database holds no trace of the key."""
    store = Store.open(store_url)
    ctx = context(store, api)
    created = w.create_dashboard(ctx, name=unique("key"))
    w.bulk_widgets(ctx, dashboard_id=created.id, create=[LINE])
    with pytest.raises(BadRequestError):
        w.update_dashboard(ctx, dashboard_id=created.id, changes={"name": "x" * 1000})
    api.arm_fault(
        method="PATCH", path=f"/dashboards/dashboards/{created.id}/", kind="reset_after_commit"
    )
    with pytest.raises(APIConnectionError):
        w.update_dashboard(ctx, dashboard_id=created.id, changes={"name": "dropped"})
    store.drafts.save(
        ctx.connection, dashboard_id=created.id, draft={"name": "d"}, base_updated_at=None
    )
    w.delete_dashboard(ctx, dashboard_id=created.id)
    assert len(store.journal.entries(ctx.connection)) == 5
    key = api.api_key.encode()
    url = sa.make_url(store_url)
    if url.get_backend_name() == "sqlite":
        files = [
            p for p in Path(url.database).parent.iterdir() if p.name.startswith("admin.sqlite3")
        ]
        assert any(p.name.endswith("-wal") for p in files)  # read while still open
        for path in files:
            assert key not in path.read_bytes(), path
        store.close()
        main = Path(url.database).read_bytes()
        assert b"journal" in main and key not in main
    else:
        store.close()
        dump = request.getfixturevalue("postgres_server").pg_dump(url.database)
        assert "COPY public.journal" in dump and ctx.connection.key_hash in dump
        assert api.api_key not in dump
