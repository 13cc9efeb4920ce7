"""The client's bulk_widgets and preview_widget_data(dashboard_filters=) against the demo
API over real HTTP: one transaction (a bad item rolls the others back), item errors named
by section and number, and a draft dashboard filter standing in for the saved one."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from cekura_dashboards import widget_rules as rules
from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import BadRequestError, NotFoundError
from cekura_dashboards.models import Dashboard
from tests.harness import DemoAPI

pytestmark = pytest.mark.api

LAST_7_DAYS = {"field": "timestamp", "op": "gte", "value": "now-7d"}


@pytest.fixture
def client(demo_api_server: DemoAPI) -> CekuraClient:
    return CekuraClient(demo_api_server.url, demo_api_server.api_key, timeout=(3.05, 30))


@pytest.fixture
def dashboard(client: CekuraClient) -> Iterator[Dashboard]:
    created = client.create_dashboard(name=f"bulk {secrets.token_hex(4)}", filters=LAST_7_DAYS)
    yield created
    try:
        client.delete_dashboard(dashboard_id=created.id)
    except NotFoundError:
        pass


def _owned(dashboard: Dashboard) -> list[dict]:
    return [{"id": w.id, **rules.saved_values(w)} for w in dashboard.widgets]


def test_a_bad_item_rolls_back_every_other(client: CekuraClient, dashboard: Dashboard) -> None:
    pie = client.create_widget(dashboard_id=dashboard.id, chart_type="pie", field="topic")
    stat = client.create_widget(dashboard_id=dashboard.id, chart_type="stat")
    before = _owned(client.get_dashboard(dashboard_id=dashboard.id))

    with pytest.raises(BadRequestError) as caught:
        client.bulk_widgets(
            dashboard_id=dashboard.id,
            create=[
                {"name": "Fine", "chart_type": "pie", "field": "call_ended_reason"},
                {"name": "Bad", "chart_type": "line", "field": "topic"},  # a string as a line
            ],
            update=[{"id": pie.id, "name": "Renamed"}],
            delete=[stat.id],
        )
    messages = caught.value.field_errors
    assert any("#2 chart_type" in m for m in messages.get("create", [])), messages
    assert _owned(client.get_dashboard(dashboard_id=dashboard.id)) == before

    result = client.bulk_widgets(
        dashboard_id=dashboard.id,
        create=[rules.create_body(rules.Choices(name="Fine", field="topic", chart_type="pie"))],
        update=[{"id": pie.id, "name": "Renamed"}],
        delete=[stat.id],
    )
    assert [w.name for w in result.created] == ["Fine"]
    assert [w.name for w in result.updated] == ["Renamed"]
    assert result.deleted == [stat.id]
    after = client.get_dashboard(dashboard_id=dashboard.id)
    assert sorted(w.name or "" for w in after.widgets) == ["Fine", "Renamed"]


def test_preview_takes_the_draft_dashboard_filter(
    client: CekuraClient, dashboard: Dashboard
) -> None:
    client.update_dashboard(
        dashboard_id=dashboard.id,
        changes={
            "filters": {
                "operator": "and",
                "conditions": [LAST_7_DAYS, {"field": "duration", "op": "gt", "value": 10**9}],
            }
        },
    )
    body = rules.preview_body(rules.Choices(chart_type="stat"), dashboard_id=dashboard.id)
    saved = client.preview_widget_data(widget=body)
    draft = client.preview_widget_data(widget=body, dashboard_filters=LAST_7_DAYS)
    assert saved.stat().total_calls == 0  # nothing lasts a billion seconds
    assert draft.stat().total_calls > 0
    with pytest.raises(BadRequestError) as caught:
        client.preview_widget_data(widget=body, dashboard_filters=None)  # no window at all
    assert "start time" in caught.value.user_message
