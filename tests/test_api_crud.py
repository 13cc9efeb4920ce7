"""The demo API's routes over real HTTP on 127.0.0.1: CRUD round trips, pagination, auth,
DRF-shaped validation errors, ETag/If-Match, persistence across a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.api_helpers import send
from tests.harness import DemoAPI, start_demo_api

pytestmark = pytest.mark.api

LAST_WEEK = {"field": "timestamp", "op": "gte", "value": "now-7d"}


def new_dashboard(api: DemoAPI, **fields) -> dict:
    body = {"name": "Test dashboard", "project": 1, "filters": LAST_WEEK} | fields
    response = api.post("/dashboards/dashboards/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def new_widget(api: DemoAPI, dashboard_id: int, **fields) -> dict:
    body = {
        "dashboard": dashboard_id,
        "name": "Durations",
        "chart_type": "line",
        "field": "duration",
    }
    response = api.post("/dashboards/widgets/", json=body | fields)
    assert response.status_code == 201, response.text
    return response.json()


# --- dashboards ------------------------------------------------------------------------


def test_dashboard_round_trip(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    created = new_dashboard(api, name="Round trip")
    assert created["name"] == "Round trip"
    assert created["project"] == 1
    assert created["filters"] == LAST_WEEK
    assert created["widgets"] == [] and created["widget_count"] == "0"
    assert created["created_at"].endswith("Z") and created["updated_at"] == created["created_at"]

    fetched = api.get(f"/dashboards/dashboards/{created['id']}/")
    assert fetched.status_code == 200
    assert fetched.json() == created

    patched = api.patch(f"/dashboards/dashboards/{created['id']}/", json={"name": "Renamed"})
    assert patched.status_code == 200
    body = patched.json()
    assert body["name"] == "Renamed"
    assert body["filters"] == LAST_WEEK, "PATCH must change only the keys it sends"
    assert body["project"] == 1
    assert body["updated_at"] > created["updated_at"]

    put = send(
        api,
        "PUT",
        f"/dashboards/dashboards/{created['id']}/",
        json={"name": "Replaced", "project": None, "filters": None},
    )
    assert put.status_code == 200
    assert put.json()["project"] is None and put.json()["filters"] is None

    deleted = api.delete(f"/dashboards/dashboards/{created['id']}/")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.get(f"/dashboards/dashboards/{created['id']}/")
    assert gone.status_code == 404
    assert gone.json() == {"detail": "Not found."}


def test_list_paginates_with_absolute_links(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    first = api.get("/dashboards/dashboards/", params={"page_size": 2}).json()
    assert first["count"] >= 6
    assert len(first["results"]) == 2
    assert "widgets" not in first["results"][0]
    assert first["previous"] is None
    assert first["next"].startswith(api.url + "/dashboards/dashboards/?")
    second = requests.get(first["next"], headers=api.headers(), timeout=30).json()
    assert second["previous"].startswith(api.url)
    assert {d["id"] for d in first["results"]}.isdisjoint({d["id"] for d in second["results"]})

    past_the_end = api.get("/dashboards/dashboards/", params={"page": 999})
    assert past_the_end.status_code == 404
    assert past_the_end.json() == {"detail": "Invalid page."}
    assert api.get("/dashboards/dashboards/", params={"page": "abc"}).status_code == 404
    assert api.get("/dashboards/dashboards/", params={"page": 0}).status_code == 404
    assert api.get("/dashboards/dashboards/?page=").status_code == 404  # spec: an integer
    bad_size = api.get("/dashboards/dashboards/", params={"page_size": "abc"})
    assert bad_size.status_code == 400 and "page_size" in bad_size.json()


def test_list_filters_by_project_and_search(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    marker = new_dashboard(api, name="Quarterly NEEDLE review", project=3)
    found = api.get("/dashboards/dashboards/", params={"search": "needle"}).json()
    assert [d["id"] for d in found["results"]] == [marker["id"]]
    in_project = api.get("/dashboards/dashboards/", params={"project_id": 3, "page_size": 100})
    assert in_project.json()["results"], "the seed has project 3 dashboards"
    assert all(d["project"] == 3 for d in in_project.json()["results"])
    assert api.get("/dashboards/dashboards/", params={"project_id": "x"}).status_code == 400


def test_duplicate_clones_widgets(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    source = new_dashboard(api, name="Original")
    new_widget(api, source["id"], name="A")
    new_widget(api, source["id"], name="B", chart_type="pie", field="topic")
    copy = api.post(f"/dashboards/dashboards/{source['id']}/duplicate/")
    assert copy.status_code == 201
    body = copy.json()
    assert body["name"] == "Copy of Original"
    assert body["id"] != source["id"]
    assert [w["name"] for w in body["widgets"]] == ["A", "B"]
    assert all(w["dashboard"] == body["id"] for w in body["widgets"])
    assert body["filters"] == source["filters"]
    named = api.post(f"/dashboards/dashboards/{source['id']}/duplicate/", json={"name": "Mine"})
    assert named.json()["name"] == "Mine"
    assert api.post("/dashboards/dashboards/999999/duplicate/").status_code == 404


def test_bulk_widgets_all_or_nothing(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    dashboard = new_dashboard(api)
    keep = new_widget(api, dashboard["id"], name="Keep")
    drop = new_widget(api, dashboard["id"], name="Drop")
    path = f"/dashboards/dashboards/{dashboard['id']}/bulk_widgets/"

    refused = api.post(
        path,
        json={
            "create": [{"name": "New", "chart_type": "pie", "field": "duration"}],
            "delete": [drop["id"]],
        },
    )
    assert refused.status_code == 400
    assert "create" in refused.json() and "#1 chart_type" in refused.json()["create"][0]
    still = api.get(f"/dashboards/dashboards/{dashboard['id']}/").json()
    assert {w["id"] for w in still["widgets"]} == {keep["id"], drop["id"]}, "rolled back"

    done = api.post(
        path,
        json={
            "create": [{"name": "New", "chart_type": "pie", "field": "topic"}],
            "update": [{"id": keep["id"], "name": "Kept"}],
            "delete": [drop["id"]],
        },
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert [w["name"] for w in body["created"]] == ["New"]
    assert body["created"][0]["dashboard"] == dashboard["id"]
    assert [w["name"] for w in body["updated"]] == ["Kept"]
    assert body["deleted"] == [drop["id"]]
    after = api.get(f"/dashboards/dashboards/{dashboard['id']}/").json()
    assert after["widget_count"] == "2"


def test_predefined_widgets_are_valid_templates(demo_api_server: DemoAPI) -> None:
    body = demo_api_server.get("/dashboards/dashboards/predefined_widgets/").json()
    assert body["widgets"], "templates to start from"
    dashboard = new_dashboard(demo_api_server)
    for template in body["widgets"]:
        created = demo_api_server.post(
            "/dashboards/widgets/", json=template | {"dashboard": dashboard["id"]}
        )
        assert created.status_code == 201, (template, created.text)


# --- widgets ---------------------------------------------------------------------------


def test_widget_round_trip_and_data(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    dashboard = new_dashboard(api)
    widget = new_widget(
        api,
        dashboard["id"],
        chart_type="bar",
        time_period="day",
        aggregation_function="avg",
        filters={"field": "success", "op": "eq", "value": True},
        metadata={"position": {"x": 0, "y": 0}},
    )
    assert widget["effective_filters"] == {
        "operator": "and",
        "conditions": [LAST_WEEK, {"field": "success", "op": "eq", "value": True}],
    }
    assert widget["metric_name"] == ""
    listed = api.get("/dashboards/widgets/", params={"dashboard_id": dashboard["id"]}).json()
    assert [w["id"] for w in listed["results"]] == [widget["id"]]

    patched = api.patch(f"/dashboards/widgets/{widget['id']}/", json={"name": "Avg duration"})
    assert patched.status_code == 200
    assert patched.json()["aggregation_function"] == "avg", "PATCH keeps what it does not send"
    assert patched.json()["metadata"] == {"position": {"x": 0, "y": 0}}

    data = api.get(f"/dashboards/widgets/{widget['id']}/data/")
    assert data.status_code == 200, data.text
    assert data.json()["widget_id"] == widget["id"]
    assert data.json()["chart_type"] == "bar"
    assert data.json()["data"], "the seed has calls in the last week"

    # Without a dashboard time range, the override decides the window.
    open_dashboard = new_dashboard(api, filters=None)
    unbounded = new_widget(api, open_dashboard["id"])
    too_old = {"field": "timestamp", "op": "gte", "value": "now-45d"}
    refused = api.get(
        f"/dashboards/widgets/{unbounded['id']}/data/", params={"filters": json.dumps(too_old)}
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Timestamp filter value is too far in the past. Maximum allowed range is 30 days."
    }
    no_start = api.get(f"/dashboards/widgets/{unbounded['id']}/data/")
    assert no_start.status_code == 400 and "detail" in no_start.json()

    assert api.delete(f"/dashboards/widgets/{widget['id']}/").status_code == 204
    assert api.get(f"/dashboards/widgets/{widget['id']}/").status_code == 404


def test_preview_and_bulk_data(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    dashboard = new_dashboard(api)
    preview = api.post(
        "/dashboards/widgets/preview_data/",
        json={"dashboard": dashboard["id"], "chart_type": "pie", "field": "call_ended_reason"},
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["widget_id"] == 0
    assert abs(sum(p["percentage"] for p in preview.json()["data"]) - 100) < 0.5

    first = new_widget(api, dashboard["id"], chart_type="stat", field="")
    second = new_widget(api, dashboard["id"], chart_type="pie", field="topic")
    bulk = api.post(
        "/dashboards/widgets/bulk_data/", json={"widget_ids": [first["id"], second["id"]]}
    )
    assert bulk.status_code == 200, bulk.text
    assert [r["widget_id"] for r in bulk.json()["results"]] == [first["id"], second["id"]]
    stat = bulk.json()["results"][0]["data"][0]
    pie_total = sum(p["value"] for p in bulk.json()["results"][1]["data"])
    assert stat["total_calls"] >= pie_total > 0
    missing = api.post("/dashboards/widgets/bulk_data/", json={"widget_ids": [987654]})
    assert missing.status_code == 400 and "widget_ids" in missing.json()


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"chart_type": "pie", "field": "duration"}, "chart_type"),
        ({"chart_type": "line", "field": "topic"}, "chart_type"),
        (
            {"chart_type": "bar", "field": "topic", "aggregation_function": "avg"},
            "aggregation_function",
        ),
        ({"chart_type": "line", "field": "duration", "data_type": "string"}, "data_type"),
        ({"chart_type": "line", "field": "no_such_field"}, "field"),
        ({"chart_type": "line", "field": "metric_evaluations.value"}, "metric"),
        ({"chart_type": "bar", "field": "metric_evaluations.value", "metric": 4}, "chart_type"),
        ({"chart_type": "pie", "field": "metric_evaluations.value", "metric": 99999}, "metric"),
        ({"chart_type": "donut", "field": "duration"}, "chart_type"),
        ({"field": "duration"}, "chart_type"),
        ({"chart_type": "line", "field": "duration", "name": "x" * 256}, "name"),
        ({"chart_type": "line", "field": "duration", "group_by": {"type": "bucket"}}, "group_by"),
        (
            {
                "chart_type": "bar",
                "field": "duration",
                "group_by": {"type": "bucket", "interval": 5},
            },
            "group_by",
        ),
        (
            {
                "chart_type": "bar",
                "field": "duration",
                "group_by": {"type": "field", "field": "id"},
            },
            "group_by",
        ),
    ],
)
def test_widget_validation(demo_api_server: DemoAPI, fields: dict, key: str) -> None:
    dashboard = new_dashboard(demo_api_server)
    response = demo_api_server.post(
        "/dashboards/widgets/", json={"dashboard": dashboard["id"]} | fields
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert key in body, body
    assert all(isinstance(m, str) for m in body[key])


def test_enum_metric_plots_as_pie(demo_api_server: DemoAPI) -> None:
    metrics = demo_api_server.get("/test_framework/v1/metrics/", params={"project_id": 1}).json()
    enum_metric = next(m for m in metrics if m["eval_type"] == "enum")
    dashboard = new_dashboard(demo_api_server)
    widget = new_widget(
        demo_api_server,
        dashboard["id"],
        chart_type="pie",
        field="metric_evaluations.value",
        metric=enum_metric["id"],
    )
    assert widget["metric_name"] == enum_metric["name"]
    data = demo_api_server.get(f"/dashboards/widgets/{widget['id']}/data/").json()
    assert {p["label"] for p in data["data"]} <= set(enum_metric["enum_values"])


# --- validation, auth, errors ------------------------------------------------------------------


def test_dashboard_validation_is_drf_shaped(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    long_name = api.post("/dashboards/dashboards/", json={"name": "x" * 256})
    assert long_name.status_code == 400
    assert long_name.json() == {"name": ["Ensure this field has no more than 255 characters."]}

    bad_filter = {
        "operator": "and",
        "conditions": [LAST_WEEK, {"field": "topic", "op": "gt", "value": "billing"}],
    }
    refused = api.post("/dashboards/dashboards/", json={"name": "x", "filters": bad_filter})
    assert refused.status_code == 400
    messages = refused.json()["filters"]
    assert any(m.startswith("conditions[1].op: ") for m in messages), messages

    nested = {"field": "metadata.a.b", "op": "eq", "value": "x"}
    assert api.post("/dashboards/dashboards/", json={"filters": nested}).status_code == 400
    no_project = api.post("/dashboards/dashboards/", json={"project": 424242})
    assert no_project.json() == {"project": ['Invalid pk "424242" - object does not exist.']}
    wrong_type = api.post("/dashboards/dashboards/", json={"name": 12, "project": "1"})
    assert set(wrong_type.json()) == {"name", "project"}
    not_object = api.post("/dashboards/dashboards/", json=[1, 2])
    assert not_object.status_code == 400 and "non_field_errors" in not_object.json()

    unparsable = [
        ("/dashboards/dashboards/", b'{"name": '),
        # Free JSON such as a widget's metadata once took these and then answered 500.
        (
            "/dashboards/widgets/",
            b'{"dashboard": 1, "chart_type": "stat", "metadata": {"note": "\\ud800"}}',
        ),
        (
            "/dashboards/widgets/",
            b'{"dashboard": 1, "chart_type": "stat", "metadata": {"zoom": NaN}}',
        ),
    ]
    for path, body in unparsable:
        refused = requests.post(
            api.url + path,
            data=body,
            headers=api.headers() | {"Content-Type": "application/json"},
            timeout=30,
        )
        assert refused.status_code == 400, body
        assert refused.json()["detail"].startswith("JSON parse error"), body

    existing = new_dashboard(api)
    patch = api.patch(f"/dashboards/dashboards/{existing['id']}/", json={"filters": {"field": "x"}})
    assert patch.status_code == 400 and "filters" in patch.json()
    unchanged = api.get(f"/dashboards/dashboards/{existing['id']}/").json()
    assert unchanged["filters"] == LAST_WEEK


def test_api_key_is_required(demo_api_server: DemoAPI) -> None:
    url = demo_api_server.url + "/dashboards/dashboards/"
    missing = requests.get(url, timeout=30)
    assert missing.status_code == 401
    assert "detail" in missing.json()
    wrong = requests.get(url, headers={"X-CEKURA-API-KEY": "not-the-key"}, timeout=30)
    assert wrong.status_code == 401
    assert "not-the-key" not in wrong.text
    for path in ("/user/v1/projects/", "/dashboards/widgets/1/data/", "/__faults__/"):
        assert requests.get(demo_api_server.url + path, timeout=30).status_code == 401


def test_unknown_routes_and_missing_slash_are_404(demo_api_server: DemoAPI) -> None:
    no_slash = demo_api_server.get("/dashboards/dashboards")
    assert no_slash.status_code == 404 and no_slash.json() == {"detail": "Not found."}
    assert demo_api_server.get("/dashboards/dashboards/abc/").status_code == 404
    assert demo_api_server.get("/dashboards/dashboards/99999999999999999999999/").status_code == 404


def test_ids_in_query_strings_are_ascii_digits(demo_api_server: DemoAPI) -> None:
    # "²" passes str.isdigit() but not int(): it must be a 4xx, never a 500.
    api = demo_api_server
    agents = api.get("/test_framework/v1/aiagents/short_list/", params={"q": "²"})
    assert agents.status_code == 200 and agents.json()["count"] == 0
    by_id = api.get("/test_framework/v1/aiagents/short_list/", params={"q": "4"}).json()
    assert [a["id"] for a in by_id["results"]] == [4]
    metrics = api.get("/test_framework/v1/metrics/", params={"agents": "1,²"})
    assert metrics.status_code == 400 and "agents" in metrics.json()
    calls = api.get("/observability/v1/call-logs/", params={"call_ids": "1,²"})
    assert calls.status_code == 400 and "call_ids" in calls.json()


def test_injection_is_stored_verbatim(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    name = "x'); DROP TABLE dashboards;--"
    created = new_dashboard(api, name=name)
    assert api.get(f"/dashboards/dashboards/{created['id']}/").json()["name"] == name
    found = api.get("/dashboards/dashboards/", params={"search": "'); DROP"}).json()
    assert [d["name"] for d in found["results"]] == [name]
    sneaky = {"field": "topic", "op": "eq", "value": "x' OR '1'='1"}
    calls = api.get("/observability/v1/call-logs/", params={"filters_v2": json.dumps(sneaky)})
    assert calls.status_code == 200 and calls.json()["count"] == 0
    assert api.get("/dashboards/dashboards/").json()["count"] >= 6, "the table is still there"


# --- ETag / If-Match -----------------------------------------------------------------------


def test_stale_if_match_is_refused(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    created = api.post("/dashboards/dashboards/", json={"name": "Versioned"})
    first_tag = created.headers["ETag"]
    path = f"/dashboards/dashboards/{created.json()['id']}/"
    assert api.get(path).headers["ETag"] == first_tag

    ok = send(api, "PATCH", path, json={"name": "v2"}, headers={"If-Match": first_tag})
    assert ok.status_code == 200
    second_tag = ok.headers["ETag"]
    assert second_tag != first_tag

    stale = send(api, "PATCH", path, json={"name": "v3"}, headers={"If-Match": first_tag})
    assert stale.status_code == 412
    assert "detail" in stale.json()
    assert api.get(path).json()["name"] == "v2"
    assert send(api, "DELETE", path, headers={"If-Match": first_tag}).status_code == 412
    assert send(api, "DELETE", path, headers={"If-Match": second_tag}).status_code == 204


def test_widget_etag_and_updated_at_move_on_every_write(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    dashboard = new_dashboard(api)
    created = api.post(
        "/dashboards/widgets/",
        json={"dashboard": dashboard["id"], "chart_type": "pie", "field": "topic"},
    )
    path = f"/dashboards/widgets/{created.json()['id']}/"
    tag = created.headers["ETag"]
    same = send(api, "PATCH", path, json={}, headers={"If-Match": tag})
    assert same.status_code == 200
    assert same.json()["updated_at"] > created.json()["updated_at"]
    assert same.headers["ETag"] != tag
    stale = send(api, "PATCH", path, json={"name": "late"}, headers={"If-Match": tag})
    assert stale.status_code == 412


# --- pickers and call logs ------------------------------------------------------------------


def test_projects_metrics_agents(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    projects = api.get("/user/v1/projects/").json()
    assert len(projects) >= 3 and all({"id", "name"} <= set(p) for p in projects)
    assert api.get(f"/user/v1/projects/{projects[0]['id']}/").json()["name"] == projects[0]["name"]
    assert api.get("/user/v1/projects/777/").status_code == 404
    metrics = api.get("/test_framework/v1/metrics/", params={"project_id": 2}).json()
    assert metrics and all(m["project"] == 2 for m in metrics)
    agents = api.get("/test_framework/v1/aiagents/short_list/", params={"project_id": 2}).json()
    assert agents["count"] == len(agents["results"]) >= 2
    assert all(a["project"] == 2 for a in agents["results"])
    by_name = api.get("/test_framework/v1/aiagents/short_list/", params={"q": "billing"}).json()
    assert [a["agent_name"] for a in by_name["results"]] == ["Billing Bot"]


def test_call_logs_filters_and_time_window(demo_api_server: DemoAPI) -> None:
    api = demo_api_server
    everything = api.get("/observability/v1/call-logs/").json()
    assert everything["count"] > 0
    long_calls = {"field": "duration", "op": "gt", "value": 60}
    page = api.get(
        "/observability/v1/call-logs/",
        params={"filters_v2": json.dumps(long_calls), "project_id": 1, "page_size": 50},
    ).json()
    assert 0 < page["count"] < everything["count"]
    assert all(c["duration_seconds"] > 60 and c["project"] == 1 for c in page["results"])
    stamps = [c["timestamp"] for c in page["results"]]
    assert stamps == sorted(stamps, reverse=True), "newest first"

    too_wide = {"field": "timestamp", "op": "gte", "value": "now-40d"}
    refused = api.get("/observability/v1/call-logs/", params={"filters_v2": json.dumps(too_wide)})
    assert refused.status_code == 400 and "detail" in refused.json()
    bad = {"field": "topic", "op": "gt", "value": "x"}
    invalid = api.get("/observability/v1/call-logs/", params={"filters_v2": json.dumps(bad)})
    assert invalid.status_code == 400 and "filters_v2" in invalid.json()


# --- persistence and process behaviour -----------------------------------------------------------


def test_writes_survive_a_restart_and_the_key_is_never_logged(tmp_path: Path) -> None:
    api = start_demo_api(tmp_path, calls=300, faults=False)
    try:
        cmdline = Path(f"/proc/{api.proc.pid}/cmdline").read_bytes()
        assert api.api_key.encode() not in cmdline, "the key comes from the environment, not argv"
        created = new_dashboard(api, name="Persistent")
        newest_before = api.get("/observability/v1/call-logs/", params={"page_size": 1}).json()
    finally:
        api.stop()
    assert api.proc.returncode == 0, "SIGTERM stops the server cleanly"

    again = start_demo_api(tmp_path, calls=300, faults=False)
    try:
        fetched = again.get(f"/dashboards/dashboards/{created['id']}/").json()
        assert fetched["name"] == "Persistent"
        assert fetched["updated_at"] == created["updated_at"]
        newest_after = again.get("/observability/v1/call-logs/", params={"page_size": 1}).json()
        assert newest_after["results"][0]["id"] == newest_before["results"][0]["id"]
        assert newest_after["results"][0]["timestamp"] >= newest_before["results"][0]["timestamp"]
    finally:
        again.stop()
    log = (tmp_path / "demo_api.log").read_text()
    assert "demo_api listening on http://127.0.0.1:" in log
    assert api.api_key not in log and again.api_key not in log
