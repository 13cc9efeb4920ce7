"""The client under the demo API's fault injection: what is retried, what is sent exactly
once, and what a person is told. `GET /__faults__/` counts prove how many requests
reached the server."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    ServerError,
)
from cekura_dashboards.models import Dashboard
from tests.harness import DemoAPI
from tests.test_client_transport import Recorder, assert_no_key

pytestmark = pytest.mark.api

PROJECTS = "/user/v1/projects/"


@pytest.fixture
def api(demo_api_server: DemoAPI) -> Iterator[DemoAPI]:
    demo_api_server.clear_faults()
    yield demo_api_server
    demo_api_server.clear_faults()


def make_client(api: DemoAPI, *, read_timeout: float = 15, max_retries: int = 3) -> CekuraClient:
    # A small backoff keeps the suite quick; the retry rules are the same.
    return CekuraClient(
        api.url,
        api.api_key,
        timeout=(3.05, read_timeout),
        max_retries=max_retries,
        backoff_factor=0.05,
    )


@pytest.fixture
def dashboard(api: DemoAPI) -> Iterator[Dashboard]:
    client = make_client(api)
    created = client.create_dashboard(name=f"faults {secrets.token_hex(4)}")
    api.clear_faults()
    yield created
    api.clear_faults()
    client.delete_dashboard(dashboard_id=created.id)


def path_of(dashboard: Dashboard) -> str:
    return f"/dashboards/dashboards/{dashboard.id}/"


def count(api: DemoAPI, method: str, path: str) -> int:
    return api.fault_counts().get(f"{method} {path}", 0)


# --- retried reads -------------------------------------------------------------------------


def test_get_retries_503_then_succeeds(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="status", status=503, times=2)
    client = make_client(api)
    assert client.list_projects()
    assert count(api, "GET", PROJECTS) == 3
    assert client.request_count == 3


def test_get_gives_up_after_max_retries(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="status", status=503, times=10)
    client = make_client(api, max_retries=2)
    with pytest.raises(ServerError) as caught:
        client.list_projects()
    assert caught.value.status == 503
    assert count(api, "GET", PROJECTS) == 3
    assert_no_key(caught.value, api.api_key)


def test_500_is_not_retried(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="status", status=500, times=1)
    with pytest.raises(ServerError):
        make_client(api).list_projects()
    assert count(api, "GET", PROJECTS) == 1


def test_429_waits_for_retry_after_then_succeeds(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="status", status=429, retry_after=1, times=1)
    client = make_client(api)
    started = time.monotonic()
    assert client.list_projects()
    assert time.monotonic() - started >= 0.9
    assert count(api, "GET", PROJECTS) == 2


def test_429_with_a_long_retry_after_is_handed_back_at_once(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="status", status=429, retry_after=120, times=1)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        make_client(api).list_projects()
    assert time.monotonic() - started < 5
    assert caught.value.retry_after == 120
    assert "2 minutes" in caught.value.user_message
    assert count(api, "GET", PROJECTS) == 1


def test_dropped_connection_on_get_is_retried(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="reset", times=1)
    assert make_client(api).list_projects()
    assert count(api, "GET", PROJECTS) == 2


def test_slow_get_times_out_then_retries(api: DemoAPI) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="delay", seconds=1.5, times=1)
    with pytest.raises(APITimeoutError) as caught:
        make_client(api, read_timeout=0.4, max_retries=0).list_projects()
    assert not caught.value.outcome_unknown
    assert "took too long" in caught.value.user_message
    assert count(api, "GET", PROJECTS) == 1

    api.clear_faults()
    api.arm_fault(method="GET", path=PROJECTS, kind="delay", seconds=1.5, times=1)
    assert make_client(api, read_timeout=0.4, max_retries=1).list_projects()
    assert count(api, "GET", PROJECTS) == 2


# --- writes are sent exactly once ----------------------------------------------------------


def test_writes_are_not_retried_on_503_or_429(api: DemoAPI, dashboard: Dashboard) -> None:
    create = "/dashboards/dashboards/"
    api.arm_fault(method="POST", path=create, kind="status", status=503, times=3)
    with pytest.raises(ServerError):
        make_client(api).create_dashboard(name="never twice")
    assert count(api, "POST", create) == 1

    api.arm_fault(
        method="PATCH", path=path_of(dashboard), kind="status", status=429, retry_after=1, times=3
    )
    with pytest.raises(RateLimitError) as caught:
        make_client(api).update_dashboard(dashboard_id=dashboard.id, changes={"name": "x"})
    assert caught.value.retry_after == 1
    assert count(api, "PATCH", path_of(dashboard)) == 1


def test_patch_dropped_after_commit_is_outcome_unknown(api: DemoAPI, dashboard: Dashboard) -> None:
    path = path_of(dashboard)
    api.arm_fault(method="PATCH", path=path, kind="reset_after_commit", times=1)
    client = make_client(api)
    with pytest.raises(APIConnectionError) as caught:
        client.update_dashboard(dashboard_id=dashboard.id, changes={"name": "committed"})
    err = caught.value
    assert err.outcome_unknown and not isinstance(err, APITimeoutError)
    assert "cannot tell whether the change was saved" in err.user_message
    assert "Reload" in err.user_message
    assert_no_key(err, api.api_key)
    assert count(api, "PATCH", path) == 1  # exactly one PATCH reached the server
    # The offered re-read shows what happened.
    assert client.get_dashboard(dashboard_id=dashboard.id).name == "committed"


def test_post_dropped_is_outcome_unknown_and_sent_once(api: DemoAPI) -> None:
    create = "/dashboards/dashboards/"
    api.arm_fault(method="POST", path=create, kind="reset", times=1)
    with pytest.raises(APIConnectionError) as caught:
        make_client(api).create_dashboard(name=f"dropped {secrets.token_hex(3)}")
    assert caught.value.outcome_unknown
    assert count(api, "POST", create) == 1


def test_slow_patch_times_out_as_outcome_unknown(api: DemoAPI, dashboard: Dashboard) -> None:
    path = path_of(dashboard)
    api.arm_fault(method="PATCH", path=path, kind="delay", seconds=1.5, times=1)
    with pytest.raises(APITimeoutError) as caught:
        make_client(api, read_timeout=0.4).update_dashboard(
            dashboard_id=dashboard.id, changes={"name": "slow"}
        )
    assert caught.value.outcome_unknown
    assert "Reload" in caught.value.user_message
    assert count(api, "PATCH", path) == 1
    time.sleep(1.3)  # let the server finish the slow request before the fixture cleans up


def test_delete_is_sent_once(api: DemoAPI, dashboard: Dashboard) -> None:
    path = path_of(dashboard)
    api.arm_fault(method="DELETE", path=path, kind="status", status=502, times=2)
    with pytest.raises(ServerError) as caught:
        make_client(api).delete_dashboard(dashboard_id=dashboard.id)
    assert caught.value.outcome_unknown
    assert count(api, "DELETE", path) == 1


# --- answers the client cannot use ---------------------------------------------------------


def test_malformed_json(api: DemoAPI, dashboard: Dashboard) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="malformed", times=1)
    with pytest.raises(ResponseValidationError) as read:
        make_client(api).list_projects()
    assert not read.value.outcome_unknown
    assert count(api, "GET", PROJECTS) == 1  # a 200 is not retried

    path = path_of(dashboard)
    api.arm_fault(method="PATCH", path=path, kind="malformed", times=1)
    with pytest.raises(ResponseValidationError) as write:
        make_client(api).update_dashboard(dashboard_id=dashboard.id, changes={"name": "m"})
    assert write.value.outcome_unknown and "Reload" in write.value.user_message
    assert count(api, "PATCH", path) == 1


def test_html_error_page(api: DemoAPI, dashboard: Dashboard) -> None:
    api.arm_fault(method="GET", path=PROJECTS, kind="html", times=1)
    assert make_client(api).list_projects()  # a 502 on a read is retried
    assert count(api, "GET", PROJECTS) == 2

    api.clear_faults()
    api.arm_fault(method="GET", path=PROJECTS, kind="html", times=5)
    with pytest.raises(ServerError) as caught:
        make_client(api, max_retries=1).list_projects()
    err = caught.value
    assert err.status == 502
    for text in (err.user_message, str(err)):
        assert "<" not in text and "html" not in text.lower()

    path = path_of(dashboard)
    api.arm_fault(method="PATCH", path=path, kind="html", times=1)
    with pytest.raises(ServerError) as write:
        make_client(api).update_dashboard(dashboard_id=dashboard.id, changes={"name": "h"})
    assert write.value.outcome_unknown and "<" not in write.value.user_message
    assert count(api, "PATCH", path) == 1


# --- redirects -----------------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.stop()


def test_redirect_to_another_origin_is_never_followed(
    api: DemoAPI, dashboard: Dashboard, elsewhere: Recorder
) -> None:
    path = path_of(dashboard)
    target = elsewhere.url + path
    api.arm_fault(method="GET", path=path, kind="redirect", location=target, times=1)
    api.arm_fault(method="PATCH", path=path, kind="redirect", location=target, times=1)
    client = make_client(api)

    with pytest.raises(RedirectError) as read:
        client.get_dashboard(dashboard_id=dashboard.id)
    with pytest.raises(RedirectError) as write:
        client.update_dashboard(dashboard_id=dashboard.id, changes={"name": "redirected"})

    assert elsewhere.seen == []  # the key never reached the other origin
    for err in (read.value, write.value):
        assert err.location_origin == elsewhere.url
        assert elsewhere.url in err.user_message
        assert_no_key(err, api.api_key)
    assert count(api, "GET", path) == 1
    assert count(api, "PATCH", path) == 1  # the PATCH was not re-sent by the redirect


def test_redirect_to_the_same_origin_is_not_followed_either(
    api: DemoAPI, dashboard: Dashboard
) -> None:
    path = path_of(dashboard)
    api.arm_fault(method="GET", path=path, kind="redirect", location=api.url + PROJECTS, times=1)
    with pytest.raises(RedirectError):
        make_client(api).get_dashboard(dashboard_id=dashboard.id)
    assert count(api, "GET", PROJECTS) == 0
