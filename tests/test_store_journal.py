"""The store on both backends (SQLite file, throwaway PostgreSQL): schema and migrations,
the journal, drafts, the per-dashboard lock, and several processes on one database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from admin_store import DRAFT_LIFETIME, LockTimeoutError, Store, StoreConfigError
from admin_store.config import database_url, hash_secret, normalized_url
from admin_store.migrations import LATEST, MIGRATIONS
from admin_store.schema import meta, schema_version
from tests.harness import ROOT

pytestmark = pytest.mark.store

KEY = "sk-live-" + "a1b2c3d4" * 4
OTHER_KEY = "sk-live-" + "ffee0011" * 4
BASE = "http://127.0.0.1:9"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


def start(store: Store, connection, **kw):  # type: ignore[no-untyped-def]
    values = {
        "actor": "ann@example.com",
        "kind": "update",
        "method": "PATCH",
        "path": "/dashboards/dashboards/1/",
        "request": {"name": "x"},
        "dashboard_id": 1,
    } | kw
    return store.journal.start(connection, **values)


def worker(command: str, url: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.store_worker", command, url],
        cwd=ROOT,
        env={**os.environ, "STORE_WORKER_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- settings -------------------------------------------------------------------------------


def test_settings_come_from_the_environment_then_secrets_then_defaults() -> None:
    assert database_url("postgresql://s/db", environ={}) == "postgresql://s/db"
    env = {"CEKURA_ADMIN_DB_URL": "postgresql://e/db"}
    assert database_url("postgresql://s/db", environ=env) == "postgresql://e/db"
    assert database_url(None, environ={}).endswith("/data/admin.sqlite3")
    assert hash_secret(None, environ={}) is None
    assert hash_secret("s", environ={"CEKURA_ADMIN_HASH_SECRET": "e"}) == "e"
    assert normalized_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    for bad, words in [
        ("sqlite://", "in-memory"),
        ("mysql://h/db", "PostgreSQL and SQLite only"),
        ("not a url", "not a database URL"),
    ]:
        with pytest.raises(StoreConfigError, match=words):
            normalized_url(bad)


# --- schema ---------------------------------------------------------------------------------


def test_schema_is_created_once_and_versioned(store_url: str) -> None:
    first = Store.open(store_url)
    assert first.schema_version() == LATEST
    first.close()
    again = Store.open(store_url)  # nothing left to apply
    with again.engine.connect() as conn:
        rows = conn.execute(sa.select(schema_version.c.version)).scalars().all()
    again.close()
    assert rows == [m.version for m in MIGRATIONS]


def test_concurrent_first_starts_agree(store_url: str) -> None:
    """Four processes open one brand-new database at the same moment: the migration lock
    lets one migrate, and all of them end with the same schema and hash secret."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store_worker", "open", store_url],
            cwd=ROOT,
            env={**os.environ, "STORE_WORKER_KEY": KEY},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]
    outs = [json.loads(out) for out, _ in results]
    assert {o["version"] for o in outs} == {LATEST}
    assert len({o["key_hash"] for o in outs}) == 1
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        secrets_kept = conn.execute(sa.select(meta.c.value)).scalars().all()
        versions = conn.execute(sa.select(schema_version.c.version)).scalars().all()
    assert len(secrets_kept) == 1 and versions == [m.version for m in MIGRATIONS]
    assert store.connection(BASE, KEY).key_hash == outs[0]["key_hash"]
    store.close()


def test_a_configured_hash_secret_is_used_and_none_is_stored(store_url: str) -> None:
    store = Store.open(store_url, hash_secret="from-the-environment")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(meta.c.value)).scalars().all() == []
    configured = store.connection(BASE, KEY).key_hash
    store.close()
    stored = Store.open(store_url)
    assert stored.connection(BASE, KEY).key_hash != configured
    assert Store.open(store_url).connection(BASE, KEY) == stored.connection(BASE, KEY)
    stored.close()


def test_connection_hashes_the_key_and_normalises_the_address(store: Store) -> None:
    connection = store.connection(BASE + "/ ", f" {KEY} ")
    assert connection == store.connection(BASE, KEY)
    assert connection.base_url == BASE and len(connection.key_hash) == 64
    assert KEY not in repr(connection) and KEY not in connection.key_hash
    assert store.connection(BASE, OTHER_KEY).key_hash != connection.key_hash
    with pytest.raises(ValueError, match="API key"):
        store.connection(BASE, "  ")


# --- the journal ----------------------------------------------------------------------------


def test_entries_newest_first_with_every_filter(store: Store) -> None:
    me = store.connection(BASE, KEY)
    first = start(store, me, before={"id": 1, "name": "a"})
    store.journal.complete(first, outcome="saved", response={"id": 1, "name": "b"})
    second = start(store, me, actor="bob", kind="delete", method="DELETE", request=None)
    store.journal.complete(second, outcome="refused", status=403, message="Not allowed.")
    third = start(store, me, dashboard_id=2, batch_id="batch-1")
    fourth = start(store, me, dashboard_id=2, batch_id="batch-1")
    store.journal.complete(fourth, outcome="unknown", message="dropped")

    assert [e.id for e in store.journal.entries(me)] == [fourth, third, second, first]
    assert [e.id for e in store.journal.entries(me, dashboard_id=1)] == [second, first]
    assert [e.id for e in store.journal.entries(me, actor="bob")] == [second]
    assert [e.id for e in store.journal.entries(me, kind="delete")] == [second]
    assert [e.id for e in store.journal.entries(me, outcome="saved")] == [first]
    # A started entry's outcome is unknown too.
    assert [e.id for e in store.journal.entries(me, outcome="unknown")] == [fourth, third]
    assert [e.id for e in store.journal.entries(me, batch_id="batch-1")] == [fourth, third]
    assert [e.id for e in store.journal.entries(me, before_id=third, limit=1)] == [second]
    assert store.journal.actors(me) == ["ann@example.com", "bob"]

    refused = store.journal.entry(me, second)
    assert refused is not None
    assert (refused.outcome, refused.status, refused.message) == ("refused", 403, "Not allowed.")
    saved = store.journal.entry(me, first)
    assert saved is not None and saved.before == {"id": 1, "name": "a"}
    assert saved.response == {"id": 1, "name": "b"} and saved.request == {"name": "x"}
    assert saved.completed_at is not None and saved.completed_at >= saved.started_at
    assert saved.started_at.tzinfo is not None
    pending = store.journal.entry(me, third)
    assert pending is not None and pending.outcome == "started" and pending.outcome_unknown


def test_an_entry_is_completed_once(store: Store) -> None:
    me = store.connection(BASE, KEY)
    entry = start(store, me)
    assert store.journal.complete(entry, outcome="saved")
    assert not store.journal.complete(entry, outcome="refused")
    found = store.journal.entry(me, entry)
    assert found is not None and found.outcome == "saved"
    with pytest.raises(ValueError, match="outcome"):
        store.journal.complete(entry, outcome="started")
    with pytest.raises(ValueError, match="kind"):
        start(store, me, kind="rename")
    with pytest.raises(ValueError, match="plain JSON"):
        start(store, me, request={"when": datetime.now(UTC)})


def test_only_the_same_connection_sees_its_entries(store: Store) -> None:
    me = store.connection(BASE, KEY)
    other_key = store.connection(BASE, OTHER_KEY)
    other_server = store.connection("http://127.0.0.1:10", KEY)
    mine = start(store, me)
    start(store, other_key)
    start(store, other_server)
    assert [e.id for e in store.journal.entries(me)] == [mine]
    assert store.journal.entry(other_key, mine) is None
    assert [e.base_url for e in store.journal.entries(other_server)] == ["http://127.0.0.1:10"]
    assert store.journal.versions(other_key, 1) == []


def test_versions_of_a_dashboard(store: Store) -> None:
    me = store.connection(BASE, KEY)
    v1 = {"id": 1, "name": "one", "updated_at": "2026-01-01T00:00:00Z", "widgets": []}
    v2 = {"id": 1, "name": "two", "updated_at": "2026-01-02T00:00:00Z", "widgets": []}
    v3 = {"id": 1, "name": "three", "updated_at": "2026-01-03T00:00:00Z", "widgets": []}
    a = start(store, me, before=v1)
    store.journal.complete(a, outcome="saved", response=v2)
    b = start(store, me, before=v2)  # the same copy as a's after: not listed twice
    store.journal.complete(b, outcome="saved", response=v3)
    c = start(store, me, before=v3)
    store.journal.complete(c, outcome="refused", response={"detail": "no"})
    start(store, me, dashboard_id=2, before={"id": 2, "name": "elsewhere"})

    versions = store.journal.versions(me, 1)
    assert [(v.entry_id, v.side, v.dashboard["name"]) for v in versions] == [
        (b, "after", "three"),
        (a, "after", "two"),
        (a, "before", "one"),
    ]
    assert versions[0].updated_at == "2026-01-03T00:00:00Z"


def test_a_crash_between_start_and_completion_leaves_outcome_unknown(store_url: str) -> None:
    result = worker("crash", store_url)
    assert result.returncode == 3, result.stderr
    entry_id = json.loads(result.stdout)["entry"]
    store = Store.open(store_url)
    me = store.connection(BASE, KEY)
    [entry] = store.journal.entries(me, outcome="unknown")
    store.close()
    assert entry.id == entry_id and entry.outcome == "started" and entry.outcome_unknown
    assert entry.completed_at is None and entry.kind == "delete"


def test_two_processes_see_each_others_entries_and_drafts(store_url: str) -> None:
    store = Store.open(store_url)
    me = store.connection(BASE, KEY)  # made first: the worker must use the same secret
    written = worker("write", store_url)
    assert written.returncode == 0, written.stderr
    theirs = json.loads(written.stdout)
    assert [(e.id, e.actor) for e in store.journal.entries(me)] == [(theirs["entry"], "worker")]
    draft = store.drafts.get(me, theirs["draft"])
    assert draft is not None and draft.draft == {"by": "worker"}

    mine = start(store, me, actor="main")
    my_draft = store.drafts.save(me, dashboard_id=3, draft={"by": "main"}, base_updated_at="t")
    read = worker("read", store_url)
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout)
    assert seen["entries"] == [[mine, "main"], [theirs["entry"], "worker"]]
    assert [my_draft.token, {"by": "main"}] in seen["drafts"]
    # A worker with another key sees nothing of either.
    stranger = json.loads(worker("read", store_url, key=OTHER_KEY).stdout)
    assert stranger == {"entries": [], "drafts": []}
    store.close()


# --- drafts ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_drafts_save_update_list_and_stay_private(store_url: str) -> None:
    store = Store.open(store_url)
    me, other = store.connection(BASE, KEY), store.connection(BASE, OTHER_KEY)
    draft = store.drafts.save(me, dashboard_id=5, draft={"filters": [1]}, base_updated_at="u1")
    assert len(draft.token) >= 32
    again = store.drafts.save(
        me, dashboard_id=5, draft={"filters": [1, 2]}, base_updated_at="u1", token=draft.token
    )
    assert again.token == draft.token and again.created_at == draft.created_at
    got = store.drafts.get(me, draft.token)
    assert got is not None and got.draft == {"filters": [1, 2]} and got.base_updated_at == "u1"

    # Another key can neither read nor overwrite it: its save gets a token of its own.
    assert store.drafts.get(other, draft.token) is None
    theirs = store.drafts.save(
        other, dashboard_id=5, draft={"x": 1}, base_updated_at=None, token=draft.token
    )
    assert theirs.token != draft.token
    assert store.drafts.get(me, draft.token).draft == {"filters": [1, 2]}  # type: ignore[union-attr]

    second = store.drafts.save(me, dashboard_id=6, draft={"y": 1}, base_updated_at=None)
    assert [d.token for d in store.drafts.list(me)] == [second.token, draft.token]
    assert [d.token for d in store.drafts.list(me, dashboard_id=5)] == [draft.token]
    assert store.drafts.delete(me, draft.token) and not store.drafts.delete(me, draft.token)
    assert not store.drafts.delete(me, theirs.token)
    with pytest.raises(ValueError, match="plain JSON"):
        store.drafts.save(me, dashboard_id=5, draft={1, 2}, base_updated_at=None)
    store.close()


def test_drafts_expire_fourteen_days_after_their_last_save(store_url: str) -> None:
    clock = Clock()
    store = Store.open(store_url, clock=clock)
    me = store.connection(BASE, KEY)
    old = store.drafts.save(me, dashboard_id=1, draft={"a": 1}, base_updated_at=None)
    clock.now += timedelta(days=10)
    kept = store.drafts.save(me, dashboard_id=2, draft={"b": 1}, base_updated_at=None)
    assert old.expires_at == old.updated_at + DRAFT_LIFETIME
    clock.now += timedelta(days=4, seconds=1)  # old is 14 days and 1 s old, kept 4 days
    assert [d.token for d in store.drafts.list(me)] == [kept.token]
    assert store.drafts.get(me, old.token) is None
    # Saving refreshes: an expired token gets a new draft under a new token.
    renewed = store.drafts.save(
        me, dashboard_id=1, draft={"a": 2}, base_updated_at=None, token=old.token
    )
    assert renewed.token != old.token
    store.close()


# --- the per-dashboard lock -----------------------------------------------------------------


def test_the_lock_makes_a_second_holder_wait(store_url: str) -> None:
    """Two Store objects (two engines, as two processes would have): the second waits
    for the first to leave the block, and the journal can be written meanwhile."""
    first, second = Store.open(store_url), Store.open(store_url)
    me = first.connection(BASE, KEY)
    events: list[str] = []
    held = threading.Event()

    def other() -> None:
        held.wait(10)
        with second.dashboard_lock(me, 1):
            events.append("second in")

    thread = threading.Thread(target=other)
    thread.start()
    with first.dashboard_lock(me, 1):
        held.set()
        start(first, me)  # the journal is not blocked by the lock
        time.sleep(0.5)
        events.append("first out")
    thread.join(30)
    assert events == ["first out", "second in"]
    assert len(first.journal.entries(me)) == 1
    first.close()
    second.close()


def test_a_lock_held_too_long_times_out(store_url: str) -> None:
    holder, waiter = Store.open(store_url), Store.open(store_url, lock_seconds=0.3)
    me = holder.connection(BASE, KEY)
    with holder.dashboard_lock(me, 1):
        began = time.monotonic()
        with pytest.raises(LockTimeoutError) as caught:
            with waiter.dashboard_lock(me, 1):
                pass
        assert time.monotonic() - began < 10
    assert "still running" in caught.value.user_message
    with waiter.dashboard_lock(me, 1):  # free again
        pass
    holder.close()
    waiter.close()


def test_postgres_locks_are_per_dashboard(postgres_server) -> None:  # type: ignore[no-untyped-def]
    """(SQLite has one lock for every dashboard.)"""
    store_url = postgres_server.create_database()
    holder, waiter = Store.open(store_url), Store.open(store_url, lock_seconds=0.3)
    me = holder.connection(BASE, KEY)
    with holder.dashboard_lock(me, 1), waiter.dashboard_lock(me, 2):
        with pytest.raises(LockTimeoutError):
            with waiter.dashboard_lock(me, 1):
                pass
    holder.close()
    waiter.close()


def test_a_save_does_not_revive_a_draft_that_expired_unread(store_url: str) -> None:
    """Saves do not purge (the editor saves after every edit); an expired draft that no
    read has purged yet still cannot be saved over."""
    clock = Clock()
    store = Store.open(store_url, clock=clock)
    me = store.connection(BASE, KEY)
    old = store.drafts.save(me, dashboard_id=1, draft={"a": 1}, base_updated_at=None)
    clock.now += DRAFT_LIFETIME + timedelta(seconds=1)
    renewed = store.drafts.save(
        me, dashboard_id=1, draft={"a": 2}, base_updated_at=None, token=old.token
    )
    assert renewed.token != old.token
    assert store.drafts.get(me, old.token) is None
    assert store.drafts.get(me, renewed.token).draft == {"a": 2}  # type: ignore[union-attr]
    store.close()
