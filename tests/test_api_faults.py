"""Fault injection of the demo API (`--enable-fault-api`): every kind, the request counts,
and that the routes do not exist without the flag."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo_api import serve_in_thread
from tests.api_helpers import send
from tests.harness import DemoAPI

pytestmark = pytest.mark.api


@pytest.fixture
def api(demo_api_server: DemoAPI) -> Iterator[DemoAPI]:
    demo_api_server.clear_faults()
    yield demo_api_server
    demo_api_server.clear_faults()


@pytest.fixture
def dashboard_path(api: DemoAPI) -> str:
    created = api.post("/dashboards/dashboards/", json={"name": "Fault target"})
    assert created.status_code == 201
    return f"/dashboards/dashboards/{created.json()['id']}/"


def test_status_fault_with_retry_after_then_normal(api: DemoAPI, dashboard_path: str) -> None:
    api.arm_fault(
        method="GET", path=dashboard_path, kind="status", status=503, retry_after=2, times=2
    )
    for _ in range(2):
        faulted = api.get(dashboard_path)
        assert faulted.status_code == 503
        assert faulted.headers["Retry-After"] == "2"
        assert "detail" in faulted.json()
    assert api.get(dashboard_path).status_code == 200, "armed for two requests only"


def test_fault_matches_method_and_exact_path(api: DemoAPI, dashboard_path: str) -> None:
    api.arm_fault(method="PATCH", path=dashboard_path, kind="status", status=429)
    assert api.get(dashboard_path).status_code == 200
    assert api.get("/dashboards/dashboards/").status_code == 200
    assert api.patch(dashboard_path, json={}).status_code == 429


def test_delay_then_answer(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path="/user/v1/projects/", kind="delay", seconds=0.6)
    started = time.monotonic()
    response = api.get("/user/v1/projects/")
    assert time.monotonic() - started >= 0.6
    assert response.status_code == 200 and response.json()


def test_reset_drops_the_connection_before_the_write(api: DemoAPI, dashboard_path: str) -> None:
    api.arm_fault(method="PATCH", path=dashboard_path, kind="reset")
    with pytest.raises(requests.ConnectionError):
        api.patch(dashboard_path, json={"name": "never written"})
    assert api.get(dashboard_path).json()["name"] == "Fault target"


def test_reset_after_commit_applies_the_write(api: DemoAPI, dashboard_path: str) -> None:
    api.arm_fault(method="PATCH", path=dashboard_path, kind="reset_after_commit")
    with pytest.raises(requests.ConnectionError):
        api.patch(dashboard_path, json={"name": "written anyway"})
    assert api.get(dashboard_path).json()["name"] == "written anyway"


def test_malformed_html_and_redirect(api: DemoAPI, dashboard_path: str) -> None:
    api.arm_fault(method="GET", path=dashboard_path, kind="malformed")
    malformed = api.get(dashboard_path)
    assert malformed.status_code == 200
    assert malformed.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        malformed.json()

    api.arm_fault(method="GET", path=dashboard_path, kind="html")
    html = api.get(dashboard_path)
    assert html.status_code == 502
    assert html.headers["Content-Type"].startswith("text/html")
    assert "<html" in html.text.lower()

    api.arm_fault(
        method="GET", path=dashboard_path, kind="redirect", location="http://127.0.0.1:9/elsewhere/"
    )
    redirect = send(api, "GET", dashboard_path)
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == "http://127.0.0.1:9/elsewhere/"


def test_counts_every_request_and_clear_resets(api: DemoAPI, dashboard_path: str) -> None:
    api.clear_faults()
    api.arm_fault(method="GET", path=dashboard_path, kind="status", status=500)
    api.get(dashboard_path)
    api.get(dashboard_path)
    api.patch(dashboard_path, json={"name": "counted"})
    listing = api.get("/__faults__/").json()
    assert listing["faults"] == []
    assert listing["counts"] == {f"GET {dashboard_path}": 2, f"PATCH {dashboard_path}": 1}

    api.arm_fault(method="DELETE", path=dashboard_path, kind="status", status=503, times=3)
    assert [f["times"] for f in api.get("/__faults__/").json()["faults"]] == [3]
    cleared = api.delete("/__faults__/")
    assert cleared.status_code == 204
    assert api.get("/__faults__/").json() == {"faults": [], "counts": {}}
    assert api.delete(dashboard_path).status_code == 204, "the cleared fault is gone"


@pytest.mark.parametrize(
    "spec",
    [
        {"method": "GET", "path": "/x/", "kind": "explode"},
        {"method": "GET", "path": "/x/", "kind": "status"},
        {"method": "GET", "path": "/x/", "kind": "redirect"},
        {"method": "GET", "path": "x", "kind": "reset"},
        {"method": "GET", "path": "/x/", "kind": "reset", "times": 0},
    ],
)
def test_bad_fault_specs_are_refused(api: DemoAPI, spec: dict) -> None:
    response = api.post("/__faults__/", json=spec)
    assert response.status_code == 400, response.text
    assert api.get("/__faults__/").json()["faults"] == []


def test_no_fault_routes_without_the_flag(tmp_path: Path) -> None:
    server = serve_in_thread(tmp_path / "plain.sqlite3", "plain-key", calls=200)
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        headers = {"X-CEKURA-API-KEY": "plain-key"}
        assert requests.get(server.url + "/user/v1/projects/", headers=headers, timeout=10).ok
        for method in ("GET", "POST", "DELETE"):
            response = requests.request(
                method, server.url + "/__faults__/", headers=headers, json={}, timeout=10
            )
            assert response.status_code == 404
    finally:
        server.stop()
    assert not server.thread.is_alive()
