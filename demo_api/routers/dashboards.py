"""/dashboards/dashboards/: dashboard CRUD, duplicate, bulk_widgets, predefined_widgets.

Extension to the public contract: the list takes `search` (case-insensitive substring of
the name), which the admin's search box needs."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from demo_api import pagination
from demo_api.db import dump_json, fits_sqlite_int, iso, load_json, next_updated_at, transaction
from demo_api.errors import FieldErrors, NotFound
from demo_api.routers._shared import (
    Conn,
    JsonBody,
    check_if_match,
    etag_for,
    json_response,
    no_content,
    path_id,
    query_int,
    write_time,
)
from demo_api.routers.widgets import (
    SELECT_WIDGETS,
    insert_widget,
    invalid_pk,
    load_widget,
    row_exists,
    update_widget,
    validated_widget,
    widget_api,
    widgets_of,
)
from demo_api.schemas import BulkWidgetsIn, DashboardIn, DuplicateIn, filter_messages, parse

router = APIRouter(prefix="/dashboards/dashboards")

SELECT_DASHBOARDS = (
    "SELECT d.*, (SELECT COUNT(*) FROM widgets w WHERE w.dashboard_id = d.id) AS widget_count "
    "FROM dashboards d"
)


def dashboard_api(row: sqlite3.Row, widgets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A dashboard row in the Dashboard shape (DashboardList when `widgets` is None).
    `widget_count` is a string because the schema types it so."""
    data: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "project": row["project_id"],
        "filters": load_json(row["filters"]),
    }
    if widgets is not None:
        data["widgets"] = widgets
    data["widget_count"] = str(row["widget_count"])
    data["created_at"] = row["created_at"]
    data["updated_at"] = row["updated_at"]
    return data


def dashboard_etag(dashboard: dict[str, Any]) -> str:
    return etag_for("dashboard", dashboard["id"], dashboard["updated_at"])


def load_row(conn: sqlite3.Connection, dashboard_id: int) -> sqlite3.Row:
    row = conn.execute(f"{SELECT_DASHBOARDS} WHERE d.id = ?", (dashboard_id,)).fetchone()
    if row is None:
        raise NotFound()
    return row


def load_dashboard(conn: sqlite3.Connection, dashboard_id: int) -> dict[str, Any]:
    return dashboard_api(load_row(conn, dashboard_id), widgets_of(conn, dashboard_id))


def respond(conn: sqlite3.Connection, dashboard_id: int, status: int = 200) -> JSONResponse:
    dashboard = load_dashboard(conn, dashboard_id)
    return json_response(dashboard, status, dashboard_etag(dashboard))


def validated_changes(conn: sqlite3.Connection, body: Any) -> dict[str, Any]:
    parsed, sent = parse(DashboardIn, body)
    changes = {key: getattr(parsed, key) for key in sent}
    errors: dict[str, list[str]] = {}
    project = changes.get("project")
    if project is not None and not row_exists(conn, "projects", project):
        errors["project"] = [invalid_pk(project)]
    if "filters" in changes:
        messages = filter_messages(changes["filters"])
        if messages:
            errors["filters"] = messages
    if errors:
        raise FieldErrors(errors)
    return changes


def insert_dashboard(
    conn: sqlite3.Connection, name: str | None, project: int | None, filters: Any, now: datetime
) -> int:
    stamp = iso(now)
    cursor = conn.execute(
        "INSERT INTO dashboards(name, project_id, filters, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, project, dump_json(filters), stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


_COLUMNS = {"name": "name", "project": "project_id", "filters": "filters"}


# --- routes ------------------------------------------------------------------------------


@router.get("/")
def list_dashboards(request: Request, conn: Conn) -> JSONResponse:
    pages = pagination.page_request(request)
    clauses: list[str] = []
    params: list[Any] = []
    project_id = query_int(request, "project_id")
    if project_id is not None:
        clauses.append("d.project_id = ?")
        params.append(project_id)
    search = request.query_params.get("search", "").strip()
    if search and request.app.state.honour_search:
        clauses.append("instr(lower(coalesce(d.name, '')), lower(?)) > 0")
        params.append(search)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    count = conn.execute(f"SELECT COUNT(*) FROM dashboards d {where}", params).fetchone()[0]  # noqa: S608
    pages = pagination.checked(pages, count)
    rows = conn.execute(
        f"{SELECT_DASHBOARDS} {where} ORDER BY d.id LIMIT ? OFFSET ?",
        [*params, pages.page_size, pages.offset],
    ).fetchall()
    results = [dashboard_api(row) for row in rows]
    return json_response(pagination.paginated(request, pages, count, results))


@router.post("/")
def create_dashboard(conn: Conn, body: JsonBody) -> JSONResponse:
    with transaction(conn):
        changes = validated_changes(conn, body)
        dashboard_id = insert_dashboard(
            conn, changes.get("name"), changes.get("project"), changes.get("filters"), write_time()
        )
    return respond(conn, dashboard_id, 201)


@router.get("/predefined_widgets/")
def predefined_widgets() -> JSONResponse:
    """Ready-made widgets a new dashboard can start from, in the Dashboard shape the spec
    gives this operation (a template: no id, no timestamps)."""
    templates = [
        ("Calls at a glance", "stat", "", None, None),
        ("Call duration", "line", "duration", None, None),
        ("Calls per day", "bar", "duration", "count", "day"),
        ("Average duration per day", "bar", "duration", "avg", "day"),
        ("Success rate per day", "bar", "success", "avg", "day"),
        ("Why calls ended", "pie", "call_ended_reason", None, None),
        ("Call topics", "pie", "topic", None, None),
        ("Drop-off points", "pie", "dropoff_point", None, None),
    ]
    widgets: list[dict[str, Any]] = [
        {
            "dashboard": None,
            "name": name,
            "filters": None,
            "effective_filters": {},
            "chart_type": chart_type,
            "data_type": None,
            "field": field,
            "metric": None,
            "metric_name": "",
            "time_period": period,
            "aggregation_function": aggregation,
            "group_by": None,
            "metadata": None,
            "created_at": None,
            "updated_at": None,
        }
        for name, chart_type, field, aggregation, period in templates
    ]
    return json_response(
        {
            "name": "Predefined widgets",
            "project": None,
            "filters": None,
            "widgets": widgets,
            "widget_count": str(len(widgets)),
            "created_at": None,
            "updated_at": None,
        }
    )


@router.get("/{dashboard_id}/")
def retrieve_dashboard(dashboard_id: str, conn: Conn) -> JSONResponse:
    return respond(conn, path_id(dashboard_id))


def _update(
    request: Request, conn: sqlite3.Connection, dashboard_id: str, body: Any
) -> JSONResponse:
    # PUT and PATCH both change only the keys sent: every Dashboard field is optional,
    # and DRF's full update leaves optional fields that were not sent alone.
    did = path_id(dashboard_id)
    with transaction(conn):
        row = load_row(conn, did)
        check_if_match(request, etag_for("dashboard", did, row["updated_at"]))
        changes = validated_changes(conn, body)
        assignments = [f"{_COLUMNS[key]} = ?" for key in changes]
        params = [dump_json(v) if key == "filters" else v for key, v in changes.items()]
        conn.execute(
            f"UPDATE dashboards SET {', '.join([*assignments, 'updated_at = ?'])} WHERE id = ?",  # noqa: S608
            [*params, next_updated_at(row["updated_at"], write_time()), did],
        )
    return respond(conn, did)


@router.put("/{dashboard_id}/")
def replace_dashboard(
    dashboard_id: str,
    request: Request,
    conn: Conn,
    body: JsonBody,
) -> JSONResponse:
    return _update(request, conn, dashboard_id, body)


@router.patch("/{dashboard_id}/")
def patch_dashboard(
    dashboard_id: str,
    request: Request,
    conn: Conn,
    body: JsonBody,
) -> JSONResponse:
    return _update(request, conn, dashboard_id, body)


@router.delete("/{dashboard_id}/")
def delete_dashboard(dashboard_id: str, request: Request, conn: Conn) -> Response:
    did = path_id(dashboard_id)
    with transaction(conn):
        row = load_row(conn, did)
        check_if_match(request, etag_for("dashboard", did, row["updated_at"]))
        conn.execute("DELETE FROM widgets WHERE dashboard_id = ?", (did,))
        conn.execute("DELETE FROM dashboards WHERE id = ?", (did,))
    return no_content()


@router.post("/{dashboard_id}/duplicate/")
def duplicate_dashboard(dashboard_id: str, conn: Conn, body: JsonBody) -> JSONResponse:
    did = path_id(dashboard_id)
    with transaction(conn):
        source = load_row(conn, did)
        parsed, sent = parse(DuplicateIn, body)
        name = (
            parsed.name
            if "name" in sent and parsed.name is not None
            else f"Copy of {source['name'] or ''}".strip()
        )
        if len(name) > 255:
            name = name[:255]
        now = write_time()
        copy_id = insert_dashboard(
            conn, name, source["project_id"], load_json(source["filters"]), now
        )
        stamp = iso(now)
        conn.execute(
            "INSERT INTO widgets(dashboard_id, name, filters, chart_type, data_type, field, "
            "metric_id, time_period, aggregation_function, group_by, metadata, created_at, "
            "updated_at) SELECT ?, name, filters, chart_type, data_type, field, metric_id, "
            "time_period, aggregation_function, group_by, metadata, ?, ? FROM widgets "
            "WHERE dashboard_id = ? ORDER BY id",
            (copy_id, stamp, stamp, did),
        )
    return respond(conn, copy_id, 201)


@router.post("/{dashboard_id}/bulk_widgets/")
def bulk_widgets(dashboard_id: str, conn: Conn, body: JsonBody) -> JSONResponse:
    """Create, update and delete widgets of one dashboard in one transaction: all or
    nothing. Item errors come back as `{"create": ["#2 field: ..."], ...}` (1-based)."""
    did = path_id(dashboard_id)
    with transaction(conn):
        load_row(conn, did)
        parsed, _ = parse(BulkWidgetsIn, body)
        errors: dict[str, list[str]] = {}
        now = write_time()

        def collect(section: str, number: int, exc: FieldErrors) -> None:
            for key, messages in exc.errors.items():
                for message in messages:
                    errors.setdefault(section, []).append(f"#{number} {key}: {message}")

        created_ids: list[int] = []
        for number, item in enumerate(parsed.create, 1):
            try:
                changes = validated_widget(conn, item, stored=None, full=True, dashboard_id=did)
            except FieldErrors as exc:
                collect("create", number, exc)
                continue
            created_ids.append(insert_widget(conn, changes, now))
        updated_ids: list[int] = []
        for number, item in enumerate(parsed.update, 1):
            widget_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(widget_id, bool) or not isinstance(widget_id, int):
                errors.setdefault("update", []).append(f"#{number} id: This field is required.")
                continue
            stored = _widget_on(conn, did, widget_id)
            if stored is None:
                errors.setdefault("update", []).append(
                    f"#{number} id: Widget {widget_id} is not on this dashboard."
                )
                continue
            try:
                changes = validated_widget(conn, item, stored=stored, full=False, dashboard_id=did)
            except FieldErrors as exc:
                collect("update", number, exc)
                continue
            update_widget(conn, widget_id, changes, stored["updated_at"], now)
            updated_ids.append(widget_id)
        deleted: list[int] = []
        for number, widget_id in enumerate(parsed.delete, 1):
            if _widget_on(conn, did, widget_id) is None:
                errors.setdefault("delete", []).append(
                    f"#{number}: Widget {widget_id} is not on this dashboard."
                )
                continue
            conn.execute("DELETE FROM widgets WHERE id = ?", (widget_id,))
            deleted.append(widget_id)
        if errors:
            raise FieldErrors(errors)  # rolls the whole transaction back
    return json_response(
        {
            "created": [load_widget(conn, wid) for wid in created_ids],
            "updated": [load_widget(conn, wid) for wid in updated_ids],
            "deleted": deleted,
        }
    )


def _widget_on(
    conn: sqlite3.Connection, dashboard_id: int, widget_id: int
) -> dict[str, Any] | None:
    if not fits_sqlite_int(widget_id):
        return None
    row = conn.execute(
        f"{SELECT_WIDGETS} WHERE w.id = ? AND w.dashboard_id = ?", (widget_id, dashboard_id)
    ).fetchone()
    return None if row is None else widget_api(row)
