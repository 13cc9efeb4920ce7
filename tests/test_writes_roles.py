"""The role check is made where the write is made (admin_store/writes.py), so no button
left enabled, no crafted message and no future page can write past it."""

import ast
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import admin_store.writes as w
from admin_store import Store
from cekura_dashboards import CekuraClient
from services.access import CLIENT_WRITE_ACTIONS, AccessDenied, Actor
from tests.harness import ROOT, DemoAPI

pytestmark = pytest.mark.api

VIEWER = Actor("vera@example.com", "viewer")
EDITOR = Actor("ed@example.com", "editor")

# Every write function of the service, called as simply as it can be.
CALLS: dict[str, Callable[[w.WriteContext, int], Any]] = {
    "create_dashboard": lambda ctx, d: w.create_dashboard(ctx, name="refused"),
    "duplicate_dashboard": lambda ctx, d: w.duplicate_dashboard(ctx, dashboard_id=d),
    "update_dashboard": lambda ctx, d: w.update_dashboard(
        ctx, dashboard_id=d, changes={"name": "refused"}
    ),
    "delete_dashboard": lambda ctx, d: w.delete_dashboard(ctx, dashboard_id=d),
    "bulk_widgets": lambda ctx, d: w.bulk_widgets(ctx, dashboard_id=d, delete=[1]),
    "recreate_dashboard": lambda ctx, d: w.recreate_dashboard(ctx, copy={"name": "refused"}),
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    yield s
    s.close()


def _context(store: Store, api: DemoAPI, actor: Actor) -> w.WriteContext:
    client = CekuraClient(api.url, api.api_key)
    return w.WriteContext(store, client, store.connection(api.url, api.api_key), actor)


def test_the_table_names_every_write_function_of_the_service() -> None:
    public = {
        name
        for name, fn in inspect.getmembers(w, inspect.isfunction)
        if fn.__module__ == w.__name__
        and not name.startswith("_")
        and "ctx" in inspect.signature(fn).parameters
    }
    assert public == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_viewer_is_refused_by_every_write_and_nothing_is_sent(
    name: str, store: Store, demo_api_server: DemoAPI
) -> None:
    dashboard = demo_api_server.get("/dashboards/dashboards/").json()["results"][0]["id"]
    ctx = _context(store, demo_api_server, VIEWER)
    with pytest.raises(AccessDenied) as refused:
        CALLS[name](ctx, dashboard)
    assert "viewer" in refused.value.user_message
    assert ctx.client.request_count == 0
    assert store.journal.entries(ctx.connection) == []


def test_an_editor_may_edit_but_not_delete_or_bulk_change(
    store: Store, demo_api_server: DemoAPI
) -> None:
    ctx = _context(store, demo_api_server, EDITOR)
    made = w.create_dashboard(ctx, name="editor's board")
    with pytest.raises(AccessDenied):
        w.delete_dashboard(ctx, dashboard_id=made.id)
    with pytest.raises(AccessDenied):
        w.update_dashboard(
            ctx, dashboard_id=made.id, changes={"name": "x"}, batch_id=w.new_batch_id()
        )
    [entry] = store.journal.entries(ctx.connection)
    assert entry.actor == "ed@example.com" and entry.outcome == "saved"


def _client_write_calls(path: Path) -> list[str]:
    """`<anything>.<client write method>(` calls in one source file, but for calls of the
    write service itself (`import admin_store.writes as <name>`)."""
    tree = ast.parse(path.read_text())
    service = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "admin_store.writes"
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in service:
                continue
            if node.func.attr in CLIENT_WRITE_ACTIONS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    return found


def test_the_app_writes_only_through_the_write_service() -> None:
    """No page, component or service calls a client write method itself: each write of
    the app goes through admin_store/writes.py and so through its role check."""
    app_files = [ROOT / "app.py", *(ROOT / d for d in ("pages", "components", "services"))]
    sources = [p for f in app_files for p in ([f] if f.is_file() else sorted(f.rglob("*.py")))]
    direct = [call for path in sources for call in _client_write_calls(path)]
    assert direct == []


def test_an_import_needs_the_import_right(store: Store, demo_api_server: DemoAPI) -> None:
    editor = _context(store, demo_api_server, EDITOR)
    with pytest.raises(AccessDenied) as refused:
        w.create_dashboard(editor, name="imported", kind="import", batch_id=w.new_batch_id())
    assert "import dashboards" in refused.value.user_message
    dashboard = demo_api_server.get("/dashboards/dashboards/").json()["results"][0]["id"]
    with pytest.raises(AccessDenied):
        w.bulk_widgets(editor, dashboard_id=dashboard, delete=[1], kind="import")
    assert editor.client.request_count == 0
    admin = _context(store, demo_api_server, Actor("ad@example.com", "admin"))
    made = w.create_dashboard(admin, name="imported", kind="import", batch_id=w.new_batch_id())
    [entry] = store.journal.entries(admin.connection, kind="import")
    assert entry.dashboard_id == made.id and entry.outcome == "saved"
