"""The client's transport rules against a tiny recording HTTP server on 127.0.0.1: the
headers it sends, If-Match, 412, a server that echoes the key, connection refused, and
settings that must never send anything."""

from __future__ import annotations

import json
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from cekura_dashboards.client import API_KEY_HEADER, CekuraClient
from cekura_dashboards.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    CekuraError,
    ConfigurationError,
    ConflictError,
    ResponseValidationError,
)
from tests.harness import free_port

KEY = "sk-test-3f9c0a7e5b21d4c8"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[Seen], Reply]


class Recorder:
    """An HTTP server that records every request (headers included) and answers from
    `routes` keyed by (method, path without query); anything else gets 200 `{}`."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.routes: dict[tuple[str, str], Route] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                recorder.seen.append(seen)
                route = recorder.routes.get((self.command, self.path.split("?")[0]))
                status, headers, body = route(seen) if route else (200, {}, b"{}")
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def json_route(
        self, method: str, path: str, body: Any, status: int = 200, **headers: str
    ) -> None:
        payload = json.dumps(body).encode()
        self.routes[(method, path)] = lambda _seen: (status, headers, payload)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.stop()


DASHBOARD = {
    "id": 1,
    "name": "Support",
    "project": None,
    "filters": None,
    "widgets": [],
    "widget_count": 0,
    "created_at": "2026-11-01T10:00:00.000000Z",
    "updated_at": "2026-11-02T10:00:00.000000Z",
}


def assert_no_key(err: BaseException, key: str = KEY) -> None:
    """The key appears nowhere an error could be shown, logged or stored."""
    texts = [str(err), repr(err), repr(err.args), json.dumps(vars(err), default=repr)]
    if isinstance(err, CekuraError):
        texts.append(err.user_message)
    for text in texts:
        assert key not in text
    # Nor in a linked exception (a requests error holds the request and its headers).
    linked = err.__cause__ or err.__context__
    while linked is not None:
        request = getattr(linked, "request", None)
        assert key not in str(linked) and key not in str(getattr(request, "headers", ""))
        linked = linked.__cause__ or linked.__context__


# --- settings that never send a request ----------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("base_url", "key", "words"),
    [
        ("http://api.cekura.ai", KEY, "https://"),
        ("api.cekura.ai", KEY, "full web address"),
        ("https://user:pw@api.cekura.ai", KEY, "user name"),
        ("https://api.cekura.ai", "", "API key is needed"),
        ("https://api.cekura.ai", "abc\ndef", "Paste it again"),
    ],
)
def test_unusable_settings_fail_before_sending(base_url: str, key: str, words: str) -> None:
    client = CekuraClient(base_url, key)
    with pytest.raises(ConfigurationError) as caught:
        client.list_projects()
    assert words in caught.value.user_message
    assert client.request_count == 0
    if key:
        assert_no_key(caught.value, key)


@pytest.mark.unit
def test_client_never_shows_or_pickles_its_key() -> None:
    client = CekuraClient("https://api.cekura.ai", KEY)
    assert KEY not in repr(client) and KEY not in str(client)
    assert KEY not in str(dict(client._session.headers))
    with pytest.raises(TypeError):
        pickle.dumps(client)


# --- over real HTTP ------------------------------------------------------------------------


@pytest.mark.api
def test_every_request_sends_key_user_agent_and_no_redirect(recorder: Recorder) -> None:
    recorder.json_route("GET", "/user/v1/projects/", [{"id": 1, "name": "P"}])
    client = CekuraClient(recorder.url + "/", f"  {KEY}  ")
    projects = client.list_projects()
    assert [p.name for p in projects] == ["P"]
    (seen,) = recorder.seen
    assert seen.headers[API_KEY_HEADER.lower()] == KEY  # pasted whitespace stripped
    assert seen.headers["user-agent"].startswith("cekura-dashboards-admin/")
    assert seen.path == "/user/v1/projects/"
    assert "authorization" not in seen.headers
    assert client.request_count == 1


@pytest.mark.api
def test_patch_carries_if_match_from_the_re_read(recorder: Recorder) -> None:
    path = "/dashboards/dashboards/1/"
    recorder.json_route("GET", path, DASHBOARD, ETag='"v7"')
    recorder.json_route("PATCH", path, {**DASHBOARD, "name": "New"})
    client = CekuraClient(recorder.url, KEY)
    loaded = client.get_dashboard(dashboard_id=1)
    saved = client.update_dashboard(dashboard_id=1, changes={"name": "New"}, expected=loaded)
    assert saved.name == "New"
    methods = [s.method for s in recorder.seen]
    assert methods == ["GET", "GET", "PATCH"]
    patch = recorder.seen[-1]
    assert patch.headers["if-match"] == '"v7"'
    assert json.loads(patch.body) == {"name": "New"}  # only the changed key


@pytest.mark.api
def test_412_becomes_conflict_with_the_server_copy(recorder: Recorder) -> None:
    path = "/dashboards/dashboards/1/"
    theirs = {**DASHBOARD, "name": "Theirs", "updated_at": "2026-11-03T10:00:00Z"}
    recorder.json_route("GET", path, theirs, ETag='"v8"')
    recorder.json_route("PATCH", path, {"detail": "Precondition failed."}, status=412)
    client = CekuraClient(recorder.url, KEY)
    with pytest.raises(ConflictError) as caught:
        client.update_dashboard(dashboard_id=1, changes={"name": "Mine"})
    assert caught.value.status == 412
    assert caught.value.server_copy is not None and caught.value.server_copy.name == "Theirs"
    assert [s.method for s in recorder.seen] == ["PATCH", "GET"]


@pytest.mark.api
def test_a_server_that_echoes_the_key_does_not_leak_it(recorder: Recorder) -> None:
    def echo(seen: Seen) -> Reply:
        key = seen.headers[API_KEY_HEADER.lower()]
        return 400, {}, json.dumps({"detail": f"bad key {key}", "name": [key]}).encode()

    recorder.routes[("POST", "/dashboards/dashboards/")] = echo
    client = CekuraClient(recorder.url, KEY)
    with pytest.raises(BadRequestError) as caught:
        client.create_dashboard(name="x")
    assert caught.value.field_errors["name"] == ["[redacted]"]
    assert_no_key(caught.value)


@pytest.mark.api
def test_connection_refused_is_known_not_sent() -> None:
    client = CekuraClient(f"http://127.0.0.1:{free_port()}", KEY, max_retries=1)
    with pytest.raises(APIConnectionError) as caught:
        client.create_dashboard(name="x")
    err = caught.value
    assert not isinstance(err, APITimeoutError)
    assert not err.outcome_unknown  # never reached a server: nothing was saved
    assert "Could not reach" in err.user_message
    assert_no_key(err)
    # The connection attempt is safe to repeat even for a POST.
    assert client.request_count == 2


@pytest.mark.api
def test_delete_expects_no_body(recorder: Recorder) -> None:
    recorder.routes[("DELETE", "/dashboards/widgets/5/")] = lambda _s: (204, {}, b"")
    client = CekuraClient(recorder.url, KEY)
    assert client.delete_widget(widget_id=5) is None
    assert recorder.seen[0].method == "DELETE"


def _paged(items: list[dict[str, Any]], default_size: int) -> Route:
    """A DRF-style paginated list endpoint over `items`."""

    def route(seen: Seen) -> Reply:
        query = dict(parse_qsl(urlsplit(seen.path).query))
        page, size = int(query.get("page", 1)), int(query.get("page_size", default_size))
        chunk = items[(page - 1) * size : page * size]
        more = page * size < len(items)
        body = {
            "count": len(items),
            "next": f"http://elsewhere.example/?page={page + 1}" if more else None,
            "previous": None,
            "results": chunk,
        }
        return 200, {}, json.dumps(body).encode()

    return route


@pytest.mark.api
def test_agents_are_collected_over_every_page(recorder: Recorder) -> None:
    agents = [{"id": i, "agent_name": f"Bot {i}", "project": 1} for i in range(1, 251)]
    recorder.routes[("GET", "/test_framework/v1/aiagents/short_list/")] = _paged(agents, 10)
    client = CekuraClient(recorder.url, KEY)
    collected = client.list_agents(project_id=1)
    assert [a.id for a in collected] == list(range(1, 251))
    assert client.request_count == 3  # 100 a page
    # Pages are asked for by number on our own origin; the server's `next` is not followed.
    assert all(s.path.startswith("/test_framework/") for s in recorder.seen)
    assert "project_id=1" in recorder.seen[0].path


@pytest.mark.api
def test_projects_and_metrics_accept_a_plain_list_or_pages(recorder: Recorder) -> None:
    projects = [{"id": i, "name": f"P{i}"} for i in range(1, 16)]
    recorder.routes[("GET", "/user/v1/projects/")] = _paged(projects, 10)
    recorder.json_route(
        "GET", "/test_framework/v1/metrics/", [{"id": 1, "name": "Tone", "eval_type": "enum"}]
    )
    client = CekuraClient(recorder.url, KEY)
    assert [p.id for p in client.list_projects()] == list(range(1, 16))
    assert [m.name for m in client.list_metrics(project_id=2)] == ["Tone"]
    assert recorder.seen[-1].path == "/test_framework/v1/metrics/?project_id=2"


@pytest.mark.api
def test_a_body_of_the_wrong_shape_is_a_validation_error(recorder: Recorder) -> None:
    recorder.json_route("GET", "/dashboards/dashboards/1/", {"id": "not a number"})
    recorder.json_route("PATCH", "/dashboards/dashboards/1/", {"name": "no id"})
    client = CekuraClient(recorder.url, KEY)
    with pytest.raises(ResponseValidationError) as read:
        client.get_dashboard(dashboard_id=1)
    assert not read.value.outcome_unknown
    assert "id" in str(read.value)
    with pytest.raises(ResponseValidationError) as write:
        client.update_dashboard(dashboard_id=1, changes={"name": "x"})
    assert write.value.outcome_unknown  # the server took the PATCH; its answer is unreadable


@pytest.mark.api
def test_localhost_over_plain_http_is_allowed(recorder: Recorder) -> None:
    recorder.json_route("GET", "/user/v1/projects/", [])
    url = recorder.url.replace("127.0.0.1", "localhost")
    assert CekuraClient(url, KEY).list_projects() == []


@pytest.mark.api
def test_search_still_works_on_a_server_that_ignores_it(recorder: Recorder) -> None:
    """The public API documents no `search`: when the server answers the unfiltered list,
    the client searches every page itself and pages the matches."""
    names = [f"Billing {i}" if i % 3 == 0 else f"Support {i}" for i in range(1, 161)]
    items = [{"id": i, "name": n, "project": 1} for i, n in enumerate(names, 1)]
    recorder.routes[("GET", "/dashboards/dashboards/")] = _paged(items, 10)
    client = CekuraClient(recorder.url, KEY)

    second = client.list_dashboards(page=2, page_size=20, search="BILLING")

    billing = [d["id"] for d in items if "Billing" in str(d["name"])]
    assert second.count == len(billing) == 53
    assert [d.id for d in second.results] == billing[20:40]
    assert second.next is not None and second.previous is not None
    assert "search=" in recorder.seen[0].path  # asked the server whether it searches first
    assert all("search" not in seen.path for seen in recorder.seen[1:])


@pytest.mark.api
def test_search_answered_by_the_server_costs_one_request(demo_api_server) -> None:
    client = CekuraClient(demo_api_server.url, demo_api_server.api_key)
    everything = list(client.iter_dashboards())
    word = str(everything[0].name).split()[0].upper()
    assert client.server_searches()  # learned once per client, one request
    before = client.request_count

    found = client.list_dashboards(search=word, page_size=100)

    assert client.request_count == before + 1
    expected = [d.id for d in everything if word.casefold() in str(d.name).casefold()]
    assert [d.id for d in found.results] == expected
