"""/user/v1/projects/: the projects a key can see (a plain list, no pagination)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from demo_api.errors import NotFound
from demo_api.routers._shared import Conn, json_response, path_id, query_int

router = APIRouter(prefix="/user/v1/projects")

DEMO_ORGANIZATION_ID = 1
DEMO_ORGANIZATION_NAME = "Demo Organisation"


def project_api(row: sqlite3.Row) -> dict[str, Any]:
    created = row["created_at"]
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"] or "",
        "members": [],
        "organization": {
            "id": DEMO_ORGANIZATION_ID,
            "name": DEMO_ORGANIZATION_NAME,
            "members": [],
            "created_at": created,
            "updated_at": created,
        },
        "timezone": "UTC",
        "sample_rate": 1.0,
        "is_deleted": False,
        "created_at": created,
        "updated_at": created,
    }


@router.get("/")
def list_projects(request: Request, conn: Conn) -> JSONResponse:
    organization_id = query_int(request, "organization_id")
    project_id = query_int(request, "project_id")
    if organization_id is not None and organization_id != DEMO_ORGANIZATION_ID:
        return json_response([])
    if project_id is not None:
        rows = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchall()
    else:
        rows = conn.execute("SELECT * FROM projects ORDER BY id").fetchall()
    return json_response([project_api(row) for row in rows])


@router.get("/{project_id}/")
def retrieve_project(project_id: str, conn: Conn) -> JSONResponse:
    row = conn.execute("SELECT * FROM projects WHERE id = ?", (path_id(project_id),)).fetchone()
    if row is None:
        raise NotFound()
    return json_response(project_api(row))
