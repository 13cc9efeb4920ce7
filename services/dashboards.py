"""The dashboards list's writes, with the cache bookkeeping each needs (services/reads.py)."""

from __future__ import annotations

from cekura_dashboards.models import Dashboard
from services.connection import get_client
from services.reads import forget_dashboard, forget_dashboard_lists, remember_dashboard


def create_dashboard(name: str, project_id: int | None) -> Dashboard:
    dashboard = get_client().create_dashboard(name=name, project=project_id)
    remember_dashboard(dashboard)
    forget_dashboard_lists()
    return dashboard


def duplicate_dashboard(dashboard_id: int, name: str | None = None) -> Dashboard:
    copy = get_client().duplicate_dashboard(dashboard_id=dashboard_id, name=name or None)
    remember_dashboard(copy)
    forget_dashboard_lists()
    return copy


def delete_dashboard(dashboard_id: int) -> None:
    get_client().delete_dashboard(dashboard_id=dashboard_id)
    forget_dashboard(dashboard_id)
