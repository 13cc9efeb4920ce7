"""Every client method against the embedded demo API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator

import pytest
import requests

from cekura_dashboards.catalog import TOO_FAR_IN_THE_PAST
from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
)
from cekura_dashboards.models import (
    Agent,
    BarPoint,
    CallLog,
    Dashboard,
    DashboardSummary,
    LinePoint,
    Metric,
    PieSlice,
    Project,
    StatData,
    Widget,
)
from tests.harness import DemoAPI

pytestmark = pytest.mark.api

LAST_7_DAYS = {"field": "timestamp", "op": "gte", "value": "now-7d"}


@pytest.fixture
def client(demo_api_server: DemoAPI) -> CekuraClient:
    return CekuraClient(demo_api_server.url, demo_api_server.api_key, timeout=(3.05, 30))


@pytest.fixture
def dashboard(client: CekuraClient) -> Iterator[Dashboard]:
    """A dashboard of the test's own (the shared server's seed stays untouched)."""
    created = client.create_dashboard(
        name=f"client test {secrets.token_hex(4)}",
        filters={"operator": "and", "conditions": [LAST_7_DAYS]},
    )
    yield created
    try:
        client.delete_dashboard(dashboard_id=created.id)
    except NotFoundError:
        pass


def test_projects_metrics_agents(client: CekuraClient) -> None:
    projects = client.list_projects()
    assert len(projects) >= 3 and all(isinstance(p, Project) for p in projects)
    metrics = client.list_metrics()
    assert len(metrics) >= 10 and all(isinstance(m, Metric) for m in metrics)
    assert {"binary", "numeric", "enum"} <= {m.eval_type for m in metrics}
    agents = client.list_agents()
    assert len(agents) >= 8 and all(isinstance(a, Agent) for a in agents)
    assert len({a.id for a in agents}) == len(agents)

    project = projects[0].id
    mine = client.list_metrics(project_id=project)
    assert mine and all(m.project == project for m in mine)
    assert len(mine) < len(metrics)
    project_agents = client.list_agents(project_id=project)
    assert project_agents and all(a.project == project for a in project_agents)


def test_list_one_page_and_iterate_all(client: CekuraClient) -> None:
    first = client.list_dashboards(page=1, page_size=2)
    assert first.count >= 6 and len(first.results) == 2 and first.next
    assert all(isinstance(d, DashboardSummary) for d in first.results)
    second = client.list_dashboards(page=2, page_size=2)
    assert {d.id for d in first.results}.isdisjoint(d.id for d in second.results)

    before = client.request_count
    everything = list(client.iter_dashboards(page_size=2))
    assert len(everything) == first.count
    assert len({d.id for d in everything}) == first.count
    assert client.request_count - before == math.ceil(first.count / 2)


def test_list_by_project_and_search(client: CekuraClient) -> None:
    all_dashboards = list(client.iter_dashboards())
    project = next(d.project for d in all_dashboards if d.project is not None)
    scoped = client.list_dashboards(project_id=project, page_size=100)
    assert scoped.results and all(d.project == project for d in scoped.results)
    assert scoped.count < len(all_dashboards)

    name = next(d.name for d in all_dashboards if d.name)
    word = name.split()[0].lower()
    found = client.list_dashboards(search=word.upper(), page_size=100)
    assert found.results and all(word in (d.name or "").lower() for d in found.results)


def test_dashboard_lifecycle(client: CekuraClient) -> None:
    project = client.list_projects()[0].id
    name = f"lifecycle {secrets.token_hex(4)}"
    filters = {
        "operator": "and",
        "conditions": [LAST_7_DAYS, {"field": "success", "op": "eq", "value": True}],
    }
    created = client.create_dashboard(name=name, project=project, filters=filters)
    assert created.name == name and created.project == project
    assert created.filters == filters
    assert created.updated_at is not None

    fetched = client.get_dashboard(dashboard_id=created.id)
    assert fetched.filters == filters and fetched.widgets == []

    updated = client.update_dashboard(dashboard_id=created.id, changes={"name": name + " v2"})
    assert updated.name == name + " v2"
    assert updated.filters == filters  # untouched by a PATCH that did not name it
    assert updated.updated_at is not None and updated.updated_at > created.updated_at

    copy = client.duplicate_dashboard(dashboard_id=created.id)
    assert copy.id != created.id and copy.name == f"Copy of {name} v2"
    named = client.duplicate_dashboard(dashboard_id=created.id, name="Named copy")
    assert named.name == "Named copy"

    for dashboard_id in (created.id, copy.id, named.id):
        client.delete_dashboard(dashboard_id=dashboard_id)
        with pytest.raises(NotFoundError):
            client.get_dashboard(dashboard_id=dashboard_id)


def test_widget_lifecycle_and_data(client: CekuraClient, dashboard: Dashboard) -> None:
    line = client.create_widget(
        dashboard_id=dashboard.id, chart_type="line", field="duration", name="Durations"
    )
    assert isinstance(line, Widget) and line.dashboard == dashboard.id
    assert line.effective_filters  # the dashboard's timestamp filter, merged
    bar = client.create_widget(
        dashboard_id=dashboard.id,
        chart_type="bar",
        field="duration",
        aggregation_function="avg",
        time_period="day",
    )
    pie = client.create_widget(dashboard_id=dashboard.id, chart_type="pie", field="topic")
    stat = client.create_widget(dashboard_id=dashboard.id, chart_type="stat")

    listed = client.list_widgets(dashboard_id=dashboard.id)
    assert {w.id for w in listed.results} == {line.id, bar.id, pie.id, stat.id}
    assert listed.count == 4
    assert [w.id for w in client.iter_widgets(dashboard_id=dashboard.id, page_size=3)] == [
        w.id for w in listed.results
    ]
    assert client.get_widget(widget_id=pie.id).field == "topic"

    renamed = client.update_widget(widget_id=line.id, changes={"name": "Call lengths"})
    assert renamed.name == "Call lengths" and renamed.field == "duration"

    line_data = client.widget_data(widget_id=line.id)
    assert line_data.chart_type == "line" and line_data.widget_id == line.id
    assert line_data.line_points() and isinstance(line_data.line_points()[0], LinePoint)
    bars = client.widget_data(widget_id=bar.id, filters=LAST_7_DAYS).bar_points()
    assert bars and isinstance(bars[0], BarPoint)
    slices = client.widget_data(widget_id=pie.id).pie_slices()
    assert slices and isinstance(slices[0], PieSlice)
    assert abs(sum(s.percentage for s in slices) - 100) < 0.5
    figures = client.widget_data(widget_id=stat.id).stat()
    assert isinstance(figures, StatData) and figures.total_calls > 0
    # Calls without a topic have no slice, so the pie never counts more calls than exist.
    assert 0 < sum(int(s.value) for s in slices) <= figures.total_calls
    same_calls = client.list_call_logs(filters=dashboard.filters, page_size=1)
    assert same_calls.count == figures.total_calls

    preview = client.preview_widget_data(
        widget={"dashboard": dashboard.id, "chart_type": "pie", "field": "topic"}
    )
    assert preview.pie_slices() == slices

    bulk = client.bulk_widget_data(widget_ids=[line.id, pie.id, stat.id])
    assert [d.widget_id for d in bulk] == [line.id, pie.id, stat.id]

    client.delete_widget(widget_id=bar.id)
    with pytest.raises(NotFoundError):
        client.get_widget(widget_id=bar.id)


def test_bulk_widgets(client: CekuraClient, dashboard: Dashboard) -> None:
    keep = client.create_widget(dashboard_id=dashboard.id, chart_type="pie", field="topic")
    drop = client.create_widget(dashboard_id=dashboard.id, chart_type="stat")
    result = client.bulk_widgets(
        dashboard_id=dashboard.id,
        create=[{"chart_type": "pie", "field": "call_ended_reason", "name": "Reasons"}],
        update=[{"id": keep.id, "name": "Topics"}],
        delete=[drop.id],
    )
    assert [w.name for w in result.created] == ["Reasons"]
    assert [w.name for w in result.updated] == ["Topics"]
    assert result.deleted == [drop.id]
    after = client.get_dashboard(dashboard_id=dashboard.id)
    assert {w.name for w in after.widgets} == {"Reasons", "Topics"}


def test_call_logs(client: CekuraClient) -> None:
    project = client.list_projects()[0].id
    page = client.list_call_logs(
        project_id=project,
        filters={"operator": "and", "conditions": [LAST_7_DAYS]},
        page_size=5,
    )
    assert page.count > 0 and len(page.results) == 5
    assert all(isinstance(c, CallLog) and c.timestamp is not None for c in page.results)
    assert all(c.duration_seconds is not None for c in page.results)
    longer = client.list_call_logs(
        project_id=project,
        filters={
            "operator": "and",
            "conditions": [LAST_7_DAYS, {"field": "duration", "op": "gte", "value": 120}],
        },
        page_size=50,
    )
    assert longer.count < page.count
    assert all((c.duration_seconds or 0) >= 119 for c in longer.results)


def test_refusals_become_typed_errors(client: CekuraClient, demo_api_server: DemoAPI) -> None:
    with pytest.raises(BadRequestError) as too_long:
        client.create_dashboard(name="x" * 256)
    assert "name" in too_long.value.field_errors
    assert "255" in too_long.value.user_message

    bad_filter = {
        "operator": "and",
        "conditions": [LAST_7_DAYS, {"field": "success", "op": "gt", "value": True}],
    }
    with pytest.raises(BadRequestError) as bad:
        client.create_dashboard(name="bad filter", filters=bad_filter)
    assert any(path.startswith("conditions[1]") for path in bad.value.filter_errors)

    with pytest.raises(BadRequestError) as too_old:
        client.preview_widget_data(
            widget={
                "chart_type": "stat",
                "filters": {"field": "timestamp", "op": "gte", "value": "now-40d"},
            }
        )
    assert too_old.value.detail == TOO_FAR_IN_THE_PAST
    assert TOO_FAR_IN_THE_PAST in too_old.value.user_message

    with pytest.raises(NotFoundError):
        client.get_dashboard(dashboard_id=987654)

    stranger = CekuraClient(demo_api_server.url, "wrong-" + secrets.token_hex(8))
    with pytest.raises(AuthenticationError) as denied:
        stranger.list_projects()
    assert "API key was not accepted" in denied.value.user_message


def test_stale_write_check_with_two_clients(
    client: CekuraClient, demo_api_server: DemoAPI, dashboard: Dashboard
) -> None:
    other = CekuraClient(demo_api_server.url, demo_api_server.api_key)
    mine = client.get_dashboard(dashboard_id=dashboard.id)
    other.update_dashboard(dashboard_id=dashboard.id, changes={"name": "Changed by someone"})

    demo_api_server.clear_faults()
    before = client.request_count
    with pytest.raises(ConflictError) as caught:
        client.update_dashboard(dashboard_id=dashboard.id, changes={"name": "Mine"}, expected=mine)
    err = caught.value
    assert err.server_copy is not None and err.server_copy.name == "Changed by someone"
    assert "Someone else changed this dashboard" in err.user_message
    assert client.request_count - before == 1  # the re-read only
    path = f"/dashboards/dashboards/{dashboard.id}/"
    assert demo_api_server.fault_counts().get(f"PATCH {path}", 0) == 0
    assert client.get_dashboard(dashboard_id=dashboard.id).name == "Changed by someone"

    # Starting again from the server's copy saves: exactly one GET and one PATCH.
    demo_api_server.clear_faults()
    before = client.request_count
    saved = client.update_dashboard(
        dashboard_id=dashboard.id, changes={"name": "Mine"}, expected=err.server_copy
    )
    assert saved.name == "Mine"
    assert client.request_count - before == 2
    counts = demo_api_server.fault_counts()
    assert counts.get(f"GET {path}") == 1 and counts.get(f"PATCH {path}") == 1


def test_server_refuses_a_stale_if_match(
    client: CekuraClient, demo_api_server: DemoAPI, dashboard: Dashboard
) -> None:
    """The server side of the ETag extension the client relies on."""
    path = f"/dashboards/dashboards/{dashboard.id}/"
    etag = demo_api_server.get(path).headers["ETag"]
    client.update_dashboard(dashboard_id=dashboard.id, changes={"name": "moved on"})
    stale = requests.patch(
        demo_api_server.url + path,
        json={"name": "late"},
        headers={**demo_api_server.headers(), "If-Match": etag},
        timeout=10,
    )
    assert stale.status_code == 412
