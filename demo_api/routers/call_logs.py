"""/observability/v1/call-logs/: the calls behind a chart point, filtered with the
dashboard filter format (`filters_v2`). Without a time range it covers the last 30 days;
a range longer than 33 days is refused."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cekura_dashboards import catalog
from cekura_dashboards.relative_dates import (
    day_range,
    means_whole_day,
    parse_absolute,
    resolve_datetime,
)
from demo_api import pagination
from demo_api.db import epoch_to_iso
from demo_api.errors import DetailError, FieldErrors
from demo_api.filter_sql import compile_filter
from demo_api.routers._shared import (
    FilteredConn,
    data_now,
    data_offset,
    digits_id,
    json_response,
    query_int,
)
from demo_api.schemas import filter_messages

router = APIRouter(prefix="/observability/v1/call-logs")

DEFAULT_WINDOW = timedelta(days=30)
MAX_WINDOW = timedelta(days=33)
TOO_WIDE = "The time range of a call log query may be at most 33 days."

_CALL_COLUMNS = (
    "c.id, c.project_id, c.agent_id, c.timestamp, c.duration, c.success, c.call_ended_reason, "
    "c.dropoff_point, c.topic, c.customer_number, c.is_reviewed, c.metadata, "
    "a.agent_name AS agent_name"
)


def _minutes_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "00:00"
    total = int(round(seconds))
    return f"{total // 60:02d}:{total % 60:02d}"


def _status(success: int | None, reviewed: int) -> str:
    outcome = "success" if success == 1 else "failure"
    return f"reviewed_{outcome}" if reviewed else outcome


def call_api(
    row: sqlite3.Row, evaluations: list[dict[str, Any]], offset: float = 0.0
) -> dict[str, Any]:
    stamp = epoch_to_iso(row["timestamp"] + offset)
    reason = row["call_ended_reason"] or ""
    return {
        "id": row["id"],
        "call_id": f"call_{row['id']:08d}",
        "duration": _minutes_seconds(row["duration"]),
        "duration_seconds": row["duration"],
        "success": None if row["success"] is None else bool(row["success"]),
        "is_reviewed": bool(row["is_reviewed"]),
        "status": _status(row["success"], row["is_reviewed"]),
        "feedback": "",
        "metrics": evaluations,
        "call_ended_reason": reason,
        "customer_number": row["customer_number"] or "",
        "agent": row["agent_id"],
        "agent_name": row["agent_name"] or "",
        "project": row["project_id"],
        "timestamp": stamp,
        "error_message": "The voice pipeline failed." if reason == "pipeline-error" else None,
        "dropoff_point": row["dropoff_point"] or "",
        "topic": row["topic"] or "",
        "metadata": json.loads(row["metadata"] or "{}"),
        "created_at": stamp,
        "updated_at": stamp,
    }


def _evaluations(conn: sqlite3.Connection, call_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not call_ids:
        return {}
    marks = ", ".join("?" for _ in call_ids)
    sql = (
        "SELECT me.call_log_id, me.value, m.id AS metric_id, m.name, m.eval_type "  # noqa: S608
        "FROM metric_evaluations me JOIN metrics m ON m.id = me.metric_id "
        f"WHERE me.call_log_id IN ({marks}) ORDER BY me.call_log_id, m.id"
    )
    rows = conn.execute(
        sql,
        call_ids,
    ).fetchall()
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        is_enum = row["eval_type"] == "enum"
        value = row["value"]
        found.setdefault(row["call_log_id"], []).append(
            {
                "id": row["metric_id"],
                "name": row["name"],
                "type": row["eval_type"],
                "score": 0.0 if is_enum or value is None else float(value),
                "enum": str(value) if is_enum else "",
                "value": "" if value is None else str(value),
            }
        )
    return found


def _datetime_param(request: Request, name: str) -> datetime | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    moment = None if not text else parse_absolute(text.replace("Z", "+00:00"))
    if moment is None:
        raise FieldErrors(
            {
                name: [
                    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            }
        )
    return moment


def _top_level_conditions(node: Any) -> list[dict[str, Any]]:
    """The conditions every matching call must meet: the root, or the members of root
    `and` groups (nested `and` groups too). `or`/`same_row` members bound nothing."""
    if not isinstance(node, dict):
        return []
    if node.get("operator") == "and":
        found: list[dict[str, Any]] = []
        for child in node.get("conditions", []):
            found.extend(_top_level_conditions(child))
        return found
    return [node] if "field" in node else []


def _time_window(
    filters: Any, start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    lowers = [start] if start else []
    uppers = [end] if end else []
    for condition in _top_level_conditions(filters):
        if condition.get("field") != catalog.TIMESTAMP_FIELD:
            continue
        op, value = condition["op"], condition["value"]
        if op == "eq" and means_whole_day(value):
            first, after = day_range(value, now)
            lowers.append(first)
            uppers.append(after)
        elif op == "eq":
            lowers.append(resolve_datetime(value, op, now))
            uppers.append(resolve_datetime(value, op, now))
        elif op in ("gt", "gte"):
            lowers.append(resolve_datetime(value, op, now))
        elif op in ("lt", "lte"):
            uppers.append(resolve_datetime(value, op, now))
    upper = min(uppers) if uppers else now
    lower = max(lowers) if lowers else upper - DEFAULT_WINDOW
    if upper - lower > MAX_WINDOW:
        raise DetailError(TOO_WIDE)
    return lower, upper


@router.get("/")
def list_call_logs(request: Request, conn: FilteredConn) -> JSONResponse:
    """Filters: `project_id`, `agent_id`, `call_ids` (comma-separated), `timestamp_from`,
    `timestamp_to`, `filters_v2` (the dashboard filter JSON). Newest first."""
    pages = pagination.page_request(request, default_size=25)
    now = data_now(request)
    offset = data_offset(request)
    for name in ("filters_v2", "call_ids", "assistant_id"):
        if request.query_params.get(name) == "":
            raise FieldErrors({name: ["This field may not be blank."]})
    filters: Any = None
    text = request.query_params.get("filters_v2")
    if text is not None:
        try:
            filters = json.loads(text)
        except ValueError:
            raise FieldErrors({"filters_v2": ["Value must be valid JSON."]}) from None
        messages = filter_messages(filters)
        if messages:
            raise FieldErrors({"filters_v2": messages})
    lower, upper = _time_window(
        filters,
        _datetime_param(request, "timestamp_from"),
        _datetime_param(request, "timestamp_to"),
        now,
    )
    clauses = ["c.timestamp >= ?", "c.timestamp <= ?"]
    params: list[Any] = [lower.timestamp() - offset, upper.timestamp() - offset]
    for name, column in (("project_id", "c.project_id"), ("agent_id", "c.agent_id")):
        value = query_int(request, name)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    ids_text = request.query_params.get("call_ids")
    if ids_text is not None:
        call_ids = [digits_id(p.strip()) for p in ids_text.split(",") if p.strip()]
        if not call_ids or None in call_ids:
            raise FieldErrors({"call_ids": ["Enter a comma-separated list of call ids."]})
        clauses.append(f"c.id IN ({', '.join('?' for _ in call_ids)})")
        params.extend(call_ids)
    if filters:
        expression, filter_params = compile_filter(filters, now=now, offset=offset)
        clauses.append(f"({expression})")
        params.extend(filter_params)
    where = " AND ".join(clauses)
    count = conn.execute(f"SELECT COUNT(*) FROM call_logs c WHERE {where}", params).fetchone()[0]  # noqa: S608
    pages = pagination.checked(pages, count)
    rows = conn.execute(
        f"SELECT {_CALL_COLUMNS} FROM call_logs c LEFT JOIN agents a ON a.id = c.agent_id "  # noqa: S608
        f"WHERE {where} ORDER BY c.timestamp DESC, c.id DESC LIMIT ? OFFSET ?",
        [*params, pages.page_size, pages.offset],
    ).fetchall()
    evaluations = _evaluations(conn, [row["id"] for row in rows])
    results = [call_api(row, evaluations.get(row["id"], []), offset) for row in rows]
    return json_response(pagination.paginated(request, pages, count, results))
