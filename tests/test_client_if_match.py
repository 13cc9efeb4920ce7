"""The client's pieces the write service builds on, over real HTTP: the re-read with its
ETag and a PATCH that carries it as If-Match."""

from __future__ import annotations

import secrets

import pytest

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import ConflictError
from tests.harness import DemoAPI

pytestmark = pytest.mark.api


def test_patch_with_the_etag_it_read(demo_api_server: DemoAPI) -> None:
    client = CekuraClient(demo_api_server.url, demo_api_server.api_key)
    created = client.create_dashboard(name=f"if-match {secrets.token_hex(4)}")
    copy, etag = client.get_dashboard_and_etag(dashboard_id=created.id)
    assert copy.id == created.id and etag and etag.startswith('"')
    saved = client.update_dashboard(
        dashboard_id=created.id, changes={"name": "first"}, if_match=etag
    )
    assert saved.name == "first"
    # The ETag read before that save is stale now: the server refuses, nothing changes.
    with pytest.raises(ConflictError) as caught:
        client.update_dashboard(dashboard_id=created.id, changes={"name": "late"}, if_match=etag)
    assert caught.value.status == 412
    assert caught.value.server_copy is not None and caught.value.server_copy.name == "first"
    assert client.get_dashboard(dashboard_id=created.id).name == "first"
    client.delete_dashboard(dashboard_id=created.id)
