"""Issue 15, the list: on a server that ignores `search` (the public API documents none)
the dashboards list reads the project's list once per search, keeps the matches in the
session's read cache, and turns pages from them with no request; Refresh reads again, and
a search cut short by the page cap says so. Against the demo API with `search` off."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import ROOT, DemoAPI, start_demo_api

pytestmark = pytest.mark.app

DASHBOARDS = 1_000
PAGE_SIZE = 25


@pytest.fixture(scope="module")
def ignoring_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    api = start_demo_api(
        tmp_path_factory.mktemp("ignoring_app"), calls=200, faults=False, search=False
    )
    with sqlite3.connect(api.db_path) as db:
        have = db.execute("SELECT COUNT(*) FROM dashboards").fetchone()[0]
        db.executemany(
            "INSERT INTO dashboards(name, project_id, filters, created_at, updated_at) "
            "VALUES (?, NULL, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [(f"Fleet {i % 10} board {i}",) for i in range(DASHBOARDS - have)],
        )
    yield api
    api.stop()


@pytest.fixture
def on_ignoring_api(ignoring_api: DemoAPI, monkeypatch: pytest.MonkeyPatch) -> DemoAPI:
    monkeypatch.setenv("CEKURA_BASE_URL", ignoring_api.url)
    monkeypatch.setenv("CEKURA_API_KEY", ignoring_api.api_key)
    return ignoring_api


def _sent(at: AppTest) -> int:
    return int(at.session_state[keys.S_CLIENT].request_count)


def _ids_shown(at: AppTest) -> list[int]:
    frames = [df for df in at.dataframe if str(df.key).startswith("dash_table_")]
    assert frames, "the table is on the page"
    return [int(i) for i in frames[0].value["ID"]]


def _expected(api: DemoAPI, term: str) -> list[int]:
    with sqlite3.connect(api.db_path) as db:
        rows = db.execute("SELECT id, name FROM dashboards ORDER BY id").fetchall()
    return [i for i, name in rows if term.casefold() in (name or "").casefold()]


def _search(term: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    at.text_input(key=keys.W_DASH_SEARCH).input(term).run()
    assert not at.exception, at.exception
    return at


def _turn_to(at: AppTest, page: int) -> None:
    # what the pager's on_change does (st.pagination has no AppTest handle)
    at.session_state[keys.S_DASH_PAGE] = page
    at.run()
    assert not at.exception, at.exception


def _texts(at: AppTest, kind: str) -> str:
    return "\n".join(str(el.value) for el in getattr(at, kind))


def test_issue15_page_turns_of_a_search_cost_no_requests(on_ignoring_api: DemoAPI) -> None:
    term = "fleet 3 "
    expected = _expected(on_ignoring_api, term)
    assert len(expected) > 3 * PAGE_SIZE  # enough matches for several pages

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    before_search = _sent(at)
    at.text_input(key=keys.W_DASH_SEARCH).input(term).run()
    assert not at.exception, at.exception
    one_search = _sent(at) - before_search
    # the probe (once per connection) + the whole list, 100 a page
    assert one_search <= 1 + math.ceil(DASHBOARDS / 100)
    assert _ids_shown(at) == expected[:PAGE_SIZE]
    assert f"of {len(expected):,} dashboards" in _texts(at, "caption")

    after_search = _sent(at)
    for page in (2, 3, 1, 4):
        _turn_to(at, page)
        assert _ids_shown(at) == expected[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    assert _sent(at) == after_search, "page turns are served from the kept search"
    assert "Searched the first" not in _texts(at, "warning")

    # Refresh reads the list again (and only the list: the probe is not repeated).
    at.button(key=keys.W_DASH_REFRESH).click().run()
    assert _sent(at) - after_search == math.ceil(DASHBOARDS / 100)


def test_issue15_a_search_cut_short_says_so(
    on_ignoring_api: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import services.reads

    monkeypatch.setattr(services.reads, "SEARCH_MAX_PAGES", 3)
    at = _search("board")
    said = _texts(at, "warning")
    assert f"Searched the first 300 of {DASHBOARDS:,} dashboards" in said
    shown: Any = _ids_shown(at)
    assert shown == _expected(on_ignoring_api, "board")[:PAGE_SIZE]
