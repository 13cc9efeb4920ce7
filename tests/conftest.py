"""Shared fixtures. Each server a test starts is stopped by its fixture, by process id."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    DemoAPI,
    StreamlitApp,
    chromium_path,
    start_demo_api,
    start_streamlit,
)

# The app's own store (journal, drafts) for every app and browser test of this run, in a
# folder of its own: never the checkout's data/admin.sqlite3. Set before any app starts,
# so AppTest (in process) and `streamlit run` (a child process) both inherit it.
_STORE_DIR = tempfile.mkdtemp(prefix="cekura-admin-store-")
os.environ.setdefault("CEKURA_ADMIN_DB_URL", f"sqlite:///{_STORE_DIR}/admin.sqlite3")


@pytest.fixture(autouse=True)
def _navigation_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every AppTest run goes through app.py, as on the real server (services/router.py)."""
    if request.node.get_closest_marker("app") is None:
        yield
        return
    from services.router import apptest_runs_through_the_router

    with apptest_runs_through_the_router():
        yield


@pytest.fixture(scope="session")
def demo_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    """One demo API (2,000 calls, fault API on) shared by the session's tests. Tests that
    change data create their own dashboards; tests that arm faults clear them after."""
    api = start_demo_api(tmp_path_factory.mktemp("demo_api"))
    yield api
    api.stop()


@pytest.fixture
def fresh_demo_api(tmp_path: Path) -> Iterator[DemoAPI]:
    """A demo API of the test's own, with a fresh database."""
    api = start_demo_api(tmp_path)
    yield api
    api.stop()


@pytest.fixture
def app_env(demo_api_server: DemoAPI, monkeypatch: pytest.MonkeyPatch) -> DemoAPI:
    """Point an in-process AppTest at the shared demo API through the environment."""
    monkeypatch.setenv("CEKURA_BASE_URL", demo_api_server.url)
    monkeypatch.setenv("CEKURA_API_KEY", demo_api_server.api_key)
    return demo_api_server


@pytest.fixture(scope="session")
def streamlit_app(
    demo_api_server: DemoAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitApp]:
    app = start_streamlit(
        tmp_path_factory.mktemp("streamlit"),
        {"CEKURA_BASE_URL": demo_api_server.url, "CEKURA_API_KEY": demo_api_server.api_key},
    )
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if not os.path.exists(exe):
        pytest.fail(
            f"No Chromium at {exe}: install Debian's 'chromium' or set CEKURA_TEST_CHROMIUM."
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- the admin's store: the same tests on SQLite and on a throwaway PostgreSQL -------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One PostgreSQL for the session (see tests/pg_harness.py); tests take a database each."""
    from tests.pg_harness import start_postgres

    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store database of the test's own, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database())
