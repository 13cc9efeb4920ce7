"""/test_framework/v1/aiagents/short_list/: agents, paginated, for pickers."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from demo_api import pagination
from demo_api.routers._shared import Conn, digits_id, json_response, query_int
from demo_api.routers.projects import DEMO_ORGANIZATION_ID

router = APIRouter(prefix="/test_framework/v1/aiagents")


def agent_api(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "agent_name": row["agent_name"],
        "description": row["description"] or "",
        "project": row["project_id"],
        "organization": DEMO_ORGANIZATION_ID,
        "contact_number": f"+1415555{row['id']:04d}",
        "inbound": True,
        "language": "en",
        "created_at": row["created_at"],
        "updated_at": row["created_at"],
        "agent_gives_first_message": True,
    }


@router.get("/short_list/")
def short_list(request: Request, conn: Conn) -> JSONResponse:
    """Filters: `project_id`, `organization_id`, `q` (name contains, or the id)."""
    pages = pagination.page_request(request)
    clauses: list[str] = []
    params: list[Any] = []
    project_id = query_int(request, "project_id")
    if project_id is not None:
        clauses.append("project_id = ?")
        params.append(project_id)
    organization_id = query_int(request, "organization_id")
    if organization_id is not None and organization_id != DEMO_ORGANIZATION_ID:
        clauses.append("0")
    q = request.query_params.get("q", "").strip()
    if q:
        q_id = digits_id(q)
        if q_id is not None:
            clauses.append("(instr(lower(agent_name), lower(?)) > 0 OR id = ?)")
            params.extend([q, q_id])
        else:
            clauses.append("instr(lower(agent_name), lower(?)) > 0")
            params.append(q)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    count = conn.execute(f"SELECT COUNT(*) FROM agents {where}", params).fetchone()[0]  # noqa: S608
    pages = pagination.checked(pages, count)
    rows = conn.execute(
        f"SELECT * FROM agents {where} ORDER BY id LIMIT ? OFFSET ?",  # noqa: S608
        [*params, pages.page_size, pages.offset],
    ).fetchall()
    return json_response(
        pagination.paginated(request, pages, count, [agent_api(row) for row in rows])
    )
