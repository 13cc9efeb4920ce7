"""/test_framework/v1/metrics/: the metrics of a project (a plain list, no pagination)."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from demo_api.errors import FieldErrors
from demo_api.routers._shared import Conn, digits_id, json_response, query_int

router = APIRouter(prefix="/test_framework/v1/metrics")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def metric_api(row: sqlite3.Row, agent_ids: list[int], agent_names: list[str]) -> dict[str, Any]:
    enum_values = json.loads(row["enum_values"]) if row["enum_values"] else None
    return {
        "id": row["id"],
        "slug": slug(row["name"]),
        "project": row["project_id"],
        "agents": agent_ids,
        "agent_names": ", ".join(agent_names),
        "name": row["name"],
        "description": row["description"] or "",
        "function_name": None,
        "type": "llm_judge",
        "eval_type": row["eval_type"],
        "enum_values": enum_values if enum_values is not None else [],
        "audio_enabled": False,
        "observability_enabled": True,
        "simulation_enabled": True,
        "evaluation_trigger": "always",
    }


def _bool_param(request: Request, name: str) -> None:
    text = request.query_params.get(name)
    if text is not None and text.lower() not in ("true", "false", "1", "0", ""):
        raise FieldErrors({name: ["Must be a valid boolean."]})


@router.get("/")
def list_metrics(request: Request, conn: Conn) -> JSONResponse:
    """Filters: `project_id`, `agent_id` and `agents` (metrics of the agents' projects:
    every demo metric applies to every agent of its project), `slug`."""
    _bool_param(request, "include_scores")
    clauses: list[str] = []
    params: list[Any] = []
    project_id = query_int(request, "project_id")
    if project_id is not None:
        clauses.append("m.project_id = ?")
        params.append(project_id)
    agent_ids: list[int] = []
    agent_id = query_int(request, "agent_id")
    if agent_id is not None:
        agent_ids.append(agent_id)
    agents_text = request.query_params.get("agents", "")
    for part in filter(None, (p.strip() for p in agents_text.split(","))):
        part_id = digits_id(part)
        if part_id is None:
            raise FieldErrors({"agents": ["Enter a comma-separated list of agent ids."]})
        agent_ids.append(part_id)
    if agent_ids:
        marks = ", ".join("?" for _ in agent_ids)
        clauses.append(f"m.project_id IN (SELECT project_id FROM agents WHERE id IN ({marks}))")  # noqa: S608
        params.extend(agent_ids)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(f"SELECT m.* FROM metrics m {where} ORDER BY m.id", params).fetchall()  # noqa: S608
    wanted_slug = request.query_params.get("slug")
    agents_by_project: dict[int, list[sqlite3.Row]] = {}
    for agent in conn.execute("SELECT id, project_id, agent_name FROM agents ORDER BY id"):
        agents_by_project.setdefault(agent["project_id"], []).append(agent)
    results = []
    for row in rows:
        if wanted_slug and slug(row["name"]) != wanted_slug:
            continue
        agents = agents_by_project.get(row["project_id"], [])
        results.append(
            metric_api(row, [a["id"] for a in agents], [a["agent_name"] for a in agents])
        )
    return json_response(results)
