"""The dashboards list's writes, through the write service (journal, lock, role check),
with the cache bookkeeping each needs (services/reads.py)."""

from __future__ import annotations

import admin_store.writes as writes
from cekura_dashboards.models import Dashboard
from services.reads import forget_dashboard, forget_dashboard_lists, remember_dashboard
from services.writing import write_context


def create_dashboard(name: str, project_id: int | None) -> Dashboard:
    dashboard = writes.create_dashboard(write_context(), name=name, project=project_id)
    remember_dashboard(dashboard)
    forget_dashboard_lists()
    return dashboard


def duplicate_dashboard(dashboard_id: int, name: str | None = None) -> Dashboard:
    copy = writes.duplicate_dashboard(write_context(), dashboard_id=dashboard_id, name=name or None)
    remember_dashboard(copy)
    forget_dashboard_lists()
    return copy


def delete_dashboard(dashboard_id: int) -> None:
    writes.delete_dashboard(write_context(), dashboard_id=dashboard_id)
    forget_dashboard(dashboard_id)
