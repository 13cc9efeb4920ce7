"""/dashboards/widgets/: widget CRUD and widget data (data, preview_data, bulk_data)."""

from __future__ import annotations

import json
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
    FilteredConn,
    JsonBody,
    check_if_match,
    data_now,
    data_offset,
    etag_for,
    json_response,
    no_content,
    path_id,
    query_int,
    write_time,
)
from demo_api.schemas import (
    BulkDataIn,
    WidgetIn,
    check_filters,
    filter_messages,
    parse,
    widget_problems,
)
from demo_api.widget_data import SharedWindows, effective_filters, widget_data

router = APIRouter(prefix="/dashboards/widgets")

# API key -> database column, for the fields a client writes.
WRITABLE: dict[str, str] = {
    "dashboard": "dashboard_id",
    "name": "name",
    "filters": "filters",
    "chart_type": "chart_type",
    "data_type": "data_type",
    "field": "field",
    "metric": "metric_id",
    "time_period": "time_period",
    "aggregation_function": "aggregation_function",
    "group_by": "group_by",
    "metadata": "metadata",
}
JSON_COLUMNS = {"filters", "group_by", "metadata"}
SELECT_WIDGETS = (
    "SELECT w.*, m.name AS metric_name, m.eval_type AS metric_eval_type, d.filters AS dashboard_filters "
    "FROM widgets w LEFT JOIN metrics m ON m.id = w.metric_id "
    "LEFT JOIN dashboards d ON d.id = w.dashboard_id"
)


def invalid_pk(value: Any) -> str:
    return f'Invalid pk "{value}" - object does not exist.'


# --- reading and shaping ---------------------------------------------------------------


def widget_api(row: sqlite3.Row) -> dict[str, Any]:
    """A widget row (from SELECT_WIDGETS) in the Widget schema's shape."""
    filters = load_json(row["filters"])
    merged = effective_filters(load_json(row["dashboard_filters"]), filters)
    return {
        "id": row["id"],
        "dashboard": row["dashboard_id"],
        "name": row["name"],
        "filters": filters,
        "effective_filters": merged if merged is not None else {},
        "chart_type": row["chart_type"],
        "data_type": row["data_type"],
        "field": row["field"] or "",
        "metric": row["metric_id"],
        "metric_name": row["metric_name"] or "",
        "time_period": row["time_period"],
        "aggregation_function": row["aggregation_function"],
        "group_by": load_json(row["group_by"]),
        "metadata": load_json(row["metadata"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def widget_etag(widget: dict[str, Any]) -> str:
    return etag_for("widget", widget["id"], widget["updated_at"])


def load_widget(conn: sqlite3.Connection, widget_id: int) -> dict[str, Any]:
    row = conn.execute(f"{SELECT_WIDGETS} WHERE w.id = ?", (widget_id,)).fetchone()
    if row is None:
        raise NotFound()
    return widget_api(row)


def widgets_of(conn: sqlite3.Connection, dashboard_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"{SELECT_WIDGETS} WHERE w.dashboard_id = ? ORDER BY w.id", (dashboard_id,)
    ).fetchall()
    return [widget_api(row) for row in rows]


def dashboard_for_data(conn: sqlite3.Connection, dashboard_id: int | None) -> dict[str, Any]:
    if dashboard_id is None:
        return {"id": None, "project": None, "filters": None}
    row = conn.execute(
        "SELECT id, project_id, filters FROM dashboards WHERE id = ?", (dashboard_id,)
    ).fetchone()
    if row is None:
        return {"id": dashboard_id, "project": None, "filters": None}
    return {"id": row["id"], "project": row["project_id"], "filters": load_json(row["filters"])}


# --- validating and writing --------------------------------------------------------------


def validated_widget(
    conn: sqlite3.Connection,
    body: Any,
    *,
    stored: dict[str, Any] | None,
    full: bool,
    dashboard_id: int | None = None,
) -> dict[str, Any]:
    """The widget after applying `body` to `stored` (None for a new widget), or 400.

    `full` (create, PUT) requires chart_type; `dashboard_id` fixes the dashboard
    (bulk_widgets), otherwise a new widget must name an existing one.
    Returns only the keys to write, in API names."""
    parsed, sent = parse(WidgetIn, body)
    changes = {key: getattr(parsed, key) for key in sent}
    if dashboard_id is not None:
        changes["dashboard"] = dashboard_id
    merged: dict[str, Any] = {key: None for key in WRITABLE} | {"field": ""}
    if stored is not None:
        merged |= {key: stored[key] for key in WRITABLE}
    merged |= changes

    errors: dict[str, list[str]] = {}
    if full and "chart_type" not in sent:
        errors["chart_type"] = ["This field is required."]
    elif merged["chart_type"] is None:
        errors["chart_type"] = ["This field may not be null."]
    if merged["dashboard"] is None:
        errors["dashboard"] = [
            "This field is required." if "dashboard" not in sent else "This field may not be null."
        ]
    elif "dashboard" in changes and not row_exists(conn, "dashboards", merged["dashboard"]):
        errors["dashboard"] = [invalid_pk(merged["dashboard"])]
    eval_type = None
    if merged["metric"] is not None:
        eval_type = _metric_eval_type(conn, merged["metric"])
        if eval_type is None:
            errors["metric"] = [invalid_pk(merged["metric"])]
    if "filters" in changes:
        messages = filter_messages(merged["filters"])
        if messages:
            errors["filters"] = messages
    if "chart_type" not in errors:
        for key, messages in widget_problems(merged, eval_type).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise FieldErrors(errors)
    return changes


def row_exists(conn: sqlite3.Connection, table: str, row_id: int) -> bool:
    if not fits_sqlite_int(row_id):
        return False
    # `table` is one of our own constant names, never client input.
    return conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None  # noqa: S608


def _metric_eval_type(conn: sqlite3.Connection, metric_id: int) -> str | None:
    if not fits_sqlite_int(metric_id):
        return None
    row = conn.execute("SELECT eval_type FROM metrics WHERE id = ?", (metric_id,)).fetchone()
    return None if row is None else str(row[0])


def _column_value(key: str, value: Any) -> Any:
    return dump_json(value) if key in JSON_COLUMNS else value


def insert_widget(conn: sqlite3.Connection, changes: dict[str, Any], now: datetime) -> int:
    values = {key: None for key in WRITABLE} | {"field": ""} | changes
    columns = [WRITABLE[key] for key in values]
    stamp = iso(now)
    cursor = conn.execute(
        f"INSERT INTO widgets({', '.join(columns)}, created_at, updated_at) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in columns)}, ?, ?)",
        [*(_column_value(key, value) for key, value in values.items()), stamp, stamp],
    )
    return int(cursor.lastrowid or 0)


def update_widget(
    conn: sqlite3.Connection, widget_id: int, changes: dict[str, Any], previous: str, now: datetime
) -> None:
    """Write `changes`; updated_at always moves forward, even for an empty change."""
    assignments = [f"{WRITABLE[key]} = ?" for key in changes]
    params = [_column_value(key, value) for key, value in changes.items()]
    # Column names come from WRITABLE, never from the request.
    conn.execute(
        f"UPDATE widgets SET {', '.join([*assignments, 'updated_at = ?'])} WHERE id = ?",  # noqa: S608
        [*params, next_updated_at(previous, now), widget_id],
    )


# --- routes ---------------------------------------------------------------------------------


@router.get("/")
def list_widgets(request: Request, conn: Conn) -> JSONResponse:
    pages = pagination.page_request(request)
    dashboard_id = query_int(request, "dashboard_id")
    where, params = (
        ("WHERE w.dashboard_id = ?", [dashboard_id]) if dashboard_id is not None else ("", [])
    )
    count = conn.execute(f"SELECT COUNT(*) FROM widgets w {where}", params).fetchone()[0]  # noqa: S608
    pages = pagination.checked(pages, count)
    rows = conn.execute(
        f"{SELECT_WIDGETS} {where} ORDER BY w.id LIMIT ? OFFSET ?",
        [*params, pages.page_size, pages.offset],
    ).fetchall()
    results = [widget_api(row) for row in rows]
    return json_response(pagination.paginated(request, pages, count, results))


@router.post("/")
def create_widget(conn: Conn, body: JsonBody) -> JSONResponse:
    with transaction(conn):
        changes = validated_widget(conn, body, stored=None, full=True)
        widget_id = insert_widget(conn, changes, write_time())
    widget = load_widget(conn, widget_id)
    return json_response(widget, 201, widget_etag(widget))


@router.post("/preview_data/")
def preview_data(request: Request, conn: FilteredConn, body: JsonBody) -> JSONResponse:
    parsed, sent = parse(WidgetIn, body)
    widget = parsed.model_dump()
    widget["id"] = None
    errors: dict[str, list[str]] = {}
    if parsed.chart_type is None:
        errors["chart_type"] = ["This field is required."]
    if parsed.dashboard is not None and not row_exists(conn, "dashboards", parsed.dashboard):
        errors["dashboard"] = [invalid_pk(parsed.dashboard)]
    eval_type = None
    if parsed.metric is not None:
        eval_type = _metric_eval_type(conn, parsed.metric)
        if eval_type is None:
            errors["metric"] = [invalid_pk(parsed.metric)]
    messages = filter_messages(parsed.filters)
    if messages:
        errors["filters"] = messages
    # RULES.md: `dashboard_filters`, when given (null too), stands in for the saved filters
    # of the widget's dashboard; the project scope still comes from that dashboard.
    stands_in = isinstance(body, dict) and "dashboard_filters" in body
    draft_filters = body.get("dashboard_filters") if stands_in else None
    messages = filter_messages(draft_filters)
    if messages:
        errors["dashboard_filters"] = messages
    if not errors:
        errors = widget_problems(widget, eval_type)
    if errors:
        raise FieldErrors(errors)
    dashboard = dashboard_for_data(conn, parsed.dashboard)
    if stands_in:
        dashboard = {**dashboard, "filters": draft_filters}
    return json_response(
        widget_data(
            conn, widget, dashboard, None, now=data_now(request), offset=data_offset(request)
        )
    )


@router.post("/bulk_data/")
def bulk_data(request: Request, conn: FilteredConn, body: JsonBody) -> JSONResponse:
    """Data of several widgets at once. Its default page size is 100 (every widget of a
    dashboard in one answer); only the widgets of the requested page are computed."""
    parsed, _ = parse(BulkDataIn, body)
    check_filters(parsed.filters)
    pages = pagination.checked(
        pagination.page_request(request, default_size=100), len(parsed.widget_ids)
    )
    wanted = parsed.widget_ids[pages.offset : pages.offset + pages.page_size]
    widgets: list[dict[str, Any]] = []
    missing: list[str] = []
    for widget_id in wanted:
        row = (
            conn.execute(f"{SELECT_WIDGETS} WHERE w.id = ?", (widget_id,)).fetchone()
            if fits_sqlite_int(widget_id)
            else None
        )
        if row is None:
            missing.append(invalid_pk(widget_id))
        else:
            widgets.append(widget_api(row))
    if missing:
        raise FieldErrors({"widget_ids": missing})
    now = data_now(request)
    dashboards: dict[int | None, dict[str, Any]] = {}
    by_dashboard: dict[int | None, list[dict[str, Any]]] = {}
    for widget in widgets:
        if widget["dashboard"] not in dashboards:
            dashboards[widget["dashboard"]] = dashboard_for_data(conn, widget["dashboard"])
        by_dashboard.setdefault(widget["dashboard"], []).append(widget)
    # The widgets of one dashboard read its window once (widget_data.SharedWindows).
    with SharedWindows(conn, now=now, offset=data_offset(request)) as windows:
        results = [
            windows.widget_data(
                widget,
                dashboards[widget["dashboard"]],
                parsed.filters or None,
                by_dashboard[widget["dashboard"]],
            )
            for widget in widgets
        ]
    return json_response(pagination.paginated(request, pages, len(parsed.widget_ids), results))


@router.get("/{widget_id}/")
def retrieve_widget(widget_id: str, conn: Conn) -> JSONResponse:
    widget = load_widget(conn, path_id(widget_id))
    return json_response(widget, etag=widget_etag(widget))


def _update(
    request: Request, conn: sqlite3.Connection, widget_id: str, body: Any, *, full: bool
) -> JSONResponse:
    wid = path_id(widget_id)
    with transaction(conn):
        stored = load_widget(conn, wid)
        check_if_match(request, widget_etag(stored))
        changes = validated_widget(conn, body, stored=stored, full=full)
        update_widget(conn, wid, changes, stored["updated_at"], write_time())
    widget = load_widget(conn, wid)
    return json_response(widget, etag=widget_etag(widget))


@router.put("/{widget_id}/")
def replace_widget(
    widget_id: str,
    request: Request,
    conn: Conn,
    body: JsonBody,
) -> JSONResponse:
    return _update(request, conn, widget_id, body, full=True)


@router.patch("/{widget_id}/")
def patch_widget(
    widget_id: str,
    request: Request,
    conn: Conn,
    body: JsonBody,
) -> JSONResponse:
    return _update(request, conn, widget_id, body, full=False)


@router.delete("/{widget_id}/")
def delete_widget(widget_id: str, request: Request, conn: Conn) -> Response:
    wid = path_id(widget_id)
    with transaction(conn):
        stored = load_widget(conn, wid)
        check_if_match(request, widget_etag(stored))
        conn.execute("DELETE FROM widgets WHERE id = ?", (wid,))
    return no_content()


@router.get("/{widget_id}/data/")
def data(widget_id: str, request: Request, conn: FilteredConn) -> JSONResponse:
    widget = load_widget(conn, path_id(widget_id))
    override = None
    text = request.query_params.get("filters")
    if text:
        try:
            override = json.loads(text)
        except ValueError:
            raise FieldErrors({"filters": ["Value must be valid JSON."]}) from None
        check_filters(override)
    dashboard = dashboard_for_data(conn, widget["dashboard"])
    return json_response(
        widget_data(
            conn,
            widget,
            dashboard,
            override or None,
            now=data_now(request),
            offset=data_offset(request),
        )
    )
