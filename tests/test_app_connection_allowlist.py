"""Issue 14, reproduction 4: the sidebar's address box was a port scanner. A pasted key now
goes only to an address the operator allowed, anything else is refused before a single
request, and every failure at an allowed address reads the same."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.harness import LOOPBACK, DemoAPI, free_port

pytestmark = pytest.mark.app


class _Listener:
    """A loopback HTTP server that counts what reaches it and answers as told."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.hits = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                listener.hits += 1
                body = b"<html>hello</html>"
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listeners() -> Iterator[tuple[_Listener, _Listener]]:
    answering = _Listener(200, {"Content-Type": "text/html"})
    redirecting = _Listener(302, {"Location": answering.url + "/elsewhere"})
    yield answering, redirecting
    answering.stop()
    redirecting.stop()


def _connect_script(attempts: list[tuple[str, str]]) -> None:
    import streamlit as st

    from services.connection import connect_with_key, connection_error

    results = []
    for key, url in attempts:
        ok = connect_with_key(key, url)
        results.append((ok, connection_error()))
    st.session_state["results"] = results


def _try(attempts: list[tuple[str, str]]) -> list[tuple[bool, str | None]]:
    at = AppTest.from_function(_connect_script, args=(attempts,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return list(at.session_state["results"])


def test_repro4_an_address_off_the_list_is_refused_before_any_request(
    app_env: DemoAPI, listeners: tuple[_Listener, _Listener]
) -> None:
    answering, redirecting = listeners
    off_list = [
        answering.url,
        redirecting.url,
        f"http://{LOOPBACK}:{free_port()}",  # closed
        "http://localhost:22",
        "https://api.cekura.ai.evil.example",
        "https://user@api.cekura.ai",  # a user name smuggles another host past a prefix test
        "ftp://api.cekura.ai",
        "not an address",
    ]
    results = _try([("some-key", url) for url in off_list])
    assert answering.hits == 0 and redirecting.hits == 0
    for url, (ok, message) in zip(off_list, results, strict=True):
        assert not ok, url
        assert message is not None and "may not connect to that API address" in message, url
        assert "https://api.cekura.ai" in message  # it says what is allowed
        assert app_env.url in message  # the configured address is always allowed


def test_repro4_failures_at_allowed_addresses_share_one_message(
    app_env: DemoAPI,
    listeners: tuple[_Listener, _Listener],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answering, redirecting = listeners
    closed = f"http://{LOOPBACK}:{free_port()}"
    monkeypatch.setenv(
        "CEKURA_ALLOWED_BASE_URLS", ",".join([answering.url, redirecting.url, closed + "/"])
    )
    attempts = [
        ("some-key", answering.url),  # answered, but not an API
        ("some-key", redirecting.url),  # redirected
        ("some-key", closed),  # closed
        ("wrong-key", app_env.url),  # a real API, wrong key
    ]
    results = _try(attempts)
    assert [ok for ok, _ in results] == [False] * 4
    shapes = {
        str(message).replace(url, "<address>")
        for (_, url), (_, message) in zip(attempts, results, strict=True)
    }
    assert len(shapes) == 1, shapes
    assert "Could not connect with that key to <address>" in shapes.pop()
    # the redirect was not followed (the answering server saw only its own request)
    assert redirecting.hits == 1 and answering.hits == 1


def test_repro4_the_sidebar_offers_only_allowed_addresses(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_API_KEY", "wrong-key")  # so the own-key form shows
    monkeypatch.setenv("CEKURA_ALLOWED_BASE_URLS", "https://api.cekura.ai, HTTPS://Other.Example/")
    from tests.test_app_shell import run_app

    at = run_app()
    box = at.selectbox(key="conn_base_url_input")
    assert list(box.options) == ["https://api.cekura.ai", "https://other.example", app_env.url]
    assert not [t for t in at.text_input if t.key == "conn_base_url_input"]
