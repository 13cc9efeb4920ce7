"""Search on a server that ignores `search` (the public API documents none): the client
learns that once per connection, reads the list once per search, and the matches are
paged from what it read. Against the demo API with `--ignore-search` and 10,000
dashboards, put straight into its database (10,000 POSTs would take most of a minute)."""

import sqlite3

import pytest

from cekura_dashboards import CekuraClient
from tests.harness import DemoAPI, start_demo_api

pytestmark = pytest.mark.api

DASHBOARDS = 10_000


@pytest.fixture(scope="module")
def ignoring_api(tmp_path_factory: pytest.TempPathFactory) -> DemoAPI:
    api = start_demo_api(
        tmp_path_factory.mktemp("ignoring"),
        calls=200,
        faults=False,
        search=False,
    )
    with sqlite3.connect(api.db_path) as db:
        have = db.execute("SELECT COUNT(*) FROM dashboards").fetchone()[0]
        db.executemany(
            "INSERT INTO dashboards(name, project_id, filters, created_at, updated_at) "
            "VALUES (?, NULL, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [(f"Team {i % 50} board {i}",) for i in range(DASHBOARDS - have)],
        )
    yield api
    api.stop()


def _names(api: DemoAPI) -> list[tuple[int, str]]:
    with sqlite3.connect(api.db_path) as db:
        return [(i, n or "") for i, n in db.execute("SELECT id, name FROM dashboards ORDER BY id")]


def test_the_switch_really_makes_the_server_ignore_search(ignoring_api: DemoAPI) -> None:
    answer = ignoring_api.get("/dashboards/dashboards/", params={"search": "zzz-none"}).json()
    assert answer["count"] == DASHBOARDS


def test_a_search_costs_at_most_101_requests_and_page_turns_cost_none(
    ignoring_api: DemoAPI,
) -> None:
    client = CekuraClient(ignoring_api.url, ignoring_api.api_key)
    before = client.request_count

    assert client.server_searches() is False
    found = client.search_dashboards(search="team 7 ")
    first_search = client.request_count - before

    expected = [i for i, n in _names(ignoring_api) if "team 7 " in n.casefold()]
    assert [d.id for d in found.matches] == expected
    assert found.complete and found.scanned == found.total == DASHBOARDS
    assert first_search <= 101  # 1 probe + 100 pages of 100

    after_search = client.request_count
    pages = [found.page(n, 25) for n in (1, 2, 3, 8)]
    assert client.request_count == after_search  # page turns read nothing
    assert [d.id for d in pages[1].results] == expected[25:50]
    assert pages[0].count == len(expected) == 200
    assert pages[3].next is None and pages[3].previous is not None

    client.search_dashboards(search="board 9999")
    assert client.request_count - after_search == 100  # the probe is not repeated


def test_results_past_the_page_cap_are_said_not_cut(ignoring_api: DemoAPI) -> None:
    client = CekuraClient(ignoring_api.url, ignoring_api.api_key)
    partial = client.search_dashboards(search="board", max_pages=3)
    assert not partial.complete
    assert partial.scanned == 300 and partial.total == DASHBOARDS


def test_list_dashboards_with_search_is_right_on_an_ignoring_server(
    ignoring_api: DemoAPI,
) -> None:
    client = CekuraClient(ignoring_api.url, ignoring_api.api_key)
    second = client.list_dashboards(page=2, page_size=10, search="TEAM 3 ")
    expected = [i for i, n in _names(ignoring_api) if "team 3 " in n.casefold()]
    assert second.count == len(expected)
    assert [d.id for d in second.results] == expected[10:20]


def test_a_searching_server_is_asked_once_per_search(demo_api_server) -> None:
    client = CekuraClient(demo_api_server.url, demo_api_server.api_key)
    assert client.server_searches() is True
    before = client.request_count
    client.list_dashboards(search="a", page_size=100)
    assert client.request_count == before + 1
