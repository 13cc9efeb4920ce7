"""Export dashboards (with widgets) to a JSON file and import such a file as new
dashboards, through the write service (each create and its widgets journalled as kind
"import" with one batch id; the import right, admin, is checked there)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import admin_store.writes as writes
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.models import Dashboard
from cekura_dashboards.transfer import (
    ImportPlan,
    export_document,
    export_file_name,
    plan_import,
    read_export,
)
from services import reads
from services.connection import get_client
from services.writing import write_context


def export_dashboards(dashboard_ids: Sequence[int]) -> tuple[str, str]:
    """(file name, file text) of these dashboards as the server holds them now."""
    client = get_client()
    dashboards = [client.get_dashboard(dashboard_id=int(i)) for i in dashboard_ids]
    return export_file_name(dashboards), export_document(dashboards)


def export_later(dashboard_ids: Sequence[int]) -> Callable[[], str]:
    """The export's text, made when the download button is clicked (Streamlit runs it on
    another thread, without this session's state, so the session's client is bound now)."""
    client = get_client()
    ids = [int(i) for i in dashboard_ids]

    def make() -> str:
        return export_document([client.get_dashboard(dashboard_id=i) for i in ids])

    return make


def dry_run(text: str | bytes) -> list[ImportPlan]:
    """What importing this file would create, every filter and widget checked against
    this connection's projects, agents and metrics. Raises TransferError for a file that
    is not an export."""
    items = read_export(text)
    metrics = reads.load_metrics(None)
    return plan_import(
        items,
        projects=reads.project_names(),
        agents=reads.load_agents(None),
        metrics=metrics,
        metric_eval_types={m.id: m.eval_type for m in metrics if getattr(m, "eval_type", None)},
    )


@dataclass(frozen=True)
class Imported:
    plan: ImportPlan
    dashboard: Dashboard | None  # None: not created
    error: str | None = None  # what went wrong (the dashboard may exist without widgets)


def run_import(plans: Sequence[ImportPlan]) -> list[Imported]:
    """Create each planned dashboard, then its widgets. Refuses the whole file when the
    dry run found a problem in any of it."""
    if any(not plan.ok for plan in plans):
        raise ValueError("the dry run found problems: nothing was imported")
    ctx = write_context()
    batch = writes.new_batch_id()
    done: list[Imported] = []
    for plan in plans:
        try:
            created = writes.create_dashboard(
                ctx,
                name=plan.name,
                project=plan.project,
                filters=plan.filters,
                kind="import",
                batch_id=batch,
            )
        except CekuraError as err:
            done.append(Imported(plan, None, err.user_message))
            continue
        error = None
        if plan.widgets:
            try:
                writes.bulk_widgets(
                    ctx, dashboard_id=created.id, create=plan.widgets, kind="import", batch_id=batch
                )
            except CekuraError as err:
                error = "created without its widgets: " + err.user_message
        done.append(Imported(plan, created, error))
    reads.forget_dashboard_lists()
    return done
