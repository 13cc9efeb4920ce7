"""Every write the app makes to the Cekura API goes through this module.

Each function: `_guard` (the one place a role check will go), then for a change to an
existing dashboard the store's per-dashboard lock around re-read + write, a journal entry
"started" committed BEFORE the request is sent, the call, and the entry completed AFTER
with its outcome: "saved"; "refused" with the API's words; "failed" when nothing reached
the API; "unknown" when the connection dropped after sending (re-read, never re-send).
Errors are re-raised as the client raised them, so the UI shows `error.user_message`.

A write that is not sent (the stale-write check found someone else's change, the lock was
not acquired, the re-read failed) leaves no journal entry: nothing was written.

What the lock cannot do: it serialises the saves made through this store, by any number
of app processes. A client other than this admin (Cekura's own app, a script) can still
write between our re-read and our PATCH; where the server sends an ETag the PATCH carries
`If-Match` and the server refuses such a stale write (412, journalled "refused"), which
closes that window too. The public contract promises no ETag.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from admin_store.records import KINDS, ApiConnection
from admin_store.store import Store, normalize_base_url
from cekura_dashboards.client import (
    DASHBOARDS_PATH,
    CekuraClient,
    bulk_widgets_body,
    create_dashboard_body,
    dashboard_changed,
    dashboard_path,
    duplicate_dashboard_body,
    update_dashboard_body,
)
from cekura_dashboards.errors import APIStatusError, CekuraError, ConflictError
from cekura_dashboards.models import BulkWidgetsResult, Dashboard
from cekura_dashboards.widget_changes import widget_conflicts
from services.access import Action, Actor, require

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Keys of a widget the API computes; left out when a widget is re-created from a copy.
WIDGET_READ_ONLY = frozenset(
    {"id", "dashboard", "effective_filters", "metric_name", "created_at", "updated_at"}
)


@dataclass(frozen=True)
class WriteContext:
    """Who writes, through which client, into which store. Build one per session (it holds
    the user's client, so never share it between users)."""

    store: Store
    client: CekuraClient
    connection: ApiConnection
    actor: Actor

    def __post_init__(self) -> None:
        if normalize_base_url(self.client.base_url) != self.connection.base_url:
            raise ValueError("the connection and the client name different API addresses")


def new_batch_id() -> str:
    """An id that ties together the entries of one bulk change or one re-creation."""
    return secrets.token_hex(8)


def _guard(ctx: WriteContext, kind: str, batch_id: str | None) -> None:
    """Called first by every write: the role check is made here, where the write is made,
    not only where a button is drawn. A change that is part of a bulk batch needs the
    bulk right; restoring a batch of dashboards is an edit of each; an import (of one
    dashboard or many) needs the import right."""
    if kind == "delete":
        action: Action = "delete"
    elif kind == "import":
        action = "import"
    elif batch_id is not None and kind != "restore":
        action = "bulk"
    else:
        action = "edit"
    require(ctx.actor, action)


# --- the writes ---------------------------------------------------------------------------


def create_dashboard(
    ctx: WriteContext,
    *,
    name: str | None,
    project: int | None = None,
    filters: Mapping[str, Any] | None = None,
    kind: str = "create",
    batch_id: str | None = None,
    source_dashboard_id: int | None = None,
) -> Dashboard:
    _guard(ctx, kind, batch_id)
    _check_kind(kind)
    body = create_dashboard_body(name=name, project=project, filters=filters)
    return _journalled(
        ctx,
        kind=kind,
        method="POST",
        path=DASHBOARDS_PATH,
        request=body,
        dashboard_name=name,
        source_dashboard_id=source_dashboard_id,
        batch_id=batch_id,
        send=lambda: ctx.client.create_dashboard(name=name, project=project, filters=filters),
        answer=_dashboard_answer,
    )


def duplicate_dashboard(
    ctx: WriteContext, *, dashboard_id: int, name: str | None = None, batch_id: str | None = None
) -> Dashboard:
    """The entry is the new dashboard's (its id filled in from the answer); `before` is the
    copy that was duplicated."""
    _guard(ctx, "duplicate", batch_id)
    source = ctx.client.get_dashboard(dashboard_id=dashboard_id)
    return _journalled(
        ctx,
        kind="duplicate",
        method="POST",
        path=dashboard_path(dashboard_id) + "duplicate/",
        request=duplicate_dashboard_body(name=name),
        before=_dump(source),
        dashboard_name=name,
        source_dashboard_id=dashboard_id,
        batch_id=batch_id,
        send=lambda: ctx.client.duplicate_dashboard(dashboard_id=dashboard_id, name=name),
        answer=_dashboard_answer,
    )


def update_dashboard(
    ctx: WriteContext,
    *,
    dashboard_id: int,
    changes: Mapping[str, Any],
    expected: Dashboard | None = None,
    kind: str = "update",
    batch_id: str | None = None,
    expected_widgets: Sequence[Any] = (),
    touched_widgets: Sequence[int] = (),
) -> Dashboard:
    """PATCH `changes`. With `expected` (the copy the user edited), raise
    `ConflictError(server_copy=...)` without sending when the dashboard changed since.
    The re-read and the PATCH happen under the dashboard's lock, so no other save made
    through this store lands between them; the PATCH carries `If-Match` when the server
    gave an ETag, which also stops other writers. `kind="restore"` marks a restore."""
    _guard(ctx, kind, batch_id)
    _check_kind(kind)
    changes = update_dashboard_body(changes)
    path = dashboard_path(dashboard_id)
    with ctx.store.dashboard_lock(ctx.connection, dashboard_id):
        current, etag = ctx.client.get_dashboard_and_etag(dashboard_id=dashboard_id)
        if expected is not None and dashboard_changed(expected, current):
            raise ConflictError(
                f"PATCH {path} not sent: the dashboard changed on the server since it was read",
                status=409,
                method="PATCH",
                path=path,
                server_copy=current,
            )
        _check_widgets(path, "PATCH", current, expected_widgets, touched_widgets)
        return _journalled(
            ctx,
            kind=kind,
            method="PATCH",
            path=path,
            request=changes,
            before=_dump(current),
            dashboard_id=dashboard_id,
            dashboard_name=current.name,
            batch_id=batch_id,
            send=lambda: ctx.client.update_dashboard(
                dashboard_id=dashboard_id, changes=changes, if_match=etag
            ),
            answer=_dashboard_answer,
        )


def delete_dashboard(ctx: WriteContext, *, dashboard_id: int, batch_id: str | None = None) -> None:
    """DELETE, with the full copy (widgets too) journalled first: `recreate_dashboard`
    can bring it back from that entry's `before`."""
    _guard(ctx, "delete", batch_id)
    with ctx.store.dashboard_lock(ctx.connection, dashboard_id):
        current = ctx.client.get_dashboard(dashboard_id=dashboard_id)
        _journalled(
            ctx,
            kind="delete",
            method="DELETE",
            path=dashboard_path(dashboard_id),
            request=None,
            before=_dump(current),
            dashboard_id=dashboard_id,
            dashboard_name=current.name,
            batch_id=batch_id,
            send=lambda: ctx.client.delete_dashboard(dashboard_id=dashboard_id),
            answer=lambda _none: (None, None, None),
        )


def bulk_widgets(
    ctx: WriteContext,
    *,
    dashboard_id: int,
    create: Sequence[Mapping[str, Any]] = (),
    update: Sequence[Mapping[str, Any]] = (),
    delete: Sequence[int] = (),
    kind: str = "bulk_widgets",
    batch_id: str | None = None,
    expected_widgets: Sequence[Any] | None = None,
) -> BulkWidgetsResult:
    """With `expected_widgets` (the widgets the user edited), raise
    `ConflictError(server_copy=...)` without sending when a widget to update or delete
    was changed or deleted on the server since (re-read under the lock, with the
    dashboard)."""
    _guard(ctx, kind, batch_id)
    _check_kind(kind)
    body = bulk_widgets_body(create=create, update=update, delete=delete)
    path = dashboard_path(dashboard_id) + "bulk_widgets/"
    with ctx.store.dashboard_lock(ctx.connection, dashboard_id):
        current = ctx.client.get_dashboard(dashboard_id=dashboard_id)
        if expected_widgets is not None:
            touched = [int(u["id"]) for u in update] + [int(d) for d in delete]
            _check_widgets(path, "POST", current, expected_widgets, touched)
        return _journalled(
            ctx,
            kind=kind,
            method="POST",
            path=dashboard_path(dashboard_id) + "bulk_widgets/",
            request=body,
            before=_dump(current),
            dashboard_id=dashboard_id,
            dashboard_name=current.name,
            batch_id=batch_id,
            send=lambda: ctx.client.bulk_widgets(
                dashboard_id=dashboard_id, create=create, update=update, delete=delete
            ),
            answer=lambda result: (_dump(result), None, None),
        )


def recreate_dashboard(
    ctx: WriteContext, *, copy: Mapping[str, Any], batch_id: str | None = None
) -> tuple[Dashboard, BulkWidgetsResult | None]:
    """Re-create a deleted dashboard from a journalled copy (a `delete` entry's `before`):
    POST the dashboard, then its widgets with `bulk_widgets/`. Both entries are kind
    "restore" with one batch id. The new dashboard has a new id (the API gives it); the
    widgets result is None when the copy had no widgets. If the widgets are refused, the
    error is raised and the new, empty dashboard stays (its entry says so)."""
    batch = batch_id or new_batch_id()
    source_id = copy.get("id")
    created = create_dashboard(
        ctx,
        name=copy.get("name"),
        project=copy.get("project"),
        filters=copy.get("filters"),
        kind="restore",
        batch_id=batch,
        source_dashboard_id=source_id if isinstance(source_id, int) else None,
    )
    widgets = [widget_create_body(w) for w in copy.get("widgets") or ()]
    if not widgets:
        return created, None
    result = bulk_widgets(
        ctx, dashboard_id=created.id, create=widgets, kind="restore", batch_id=batch
    )
    return created, result


def _check_widgets(
    path: str,
    method: str,
    current: Dashboard,
    expected: Sequence[Any],
    touched: Sequence[int],
) -> None:
    """The stale-write check of widgets: the ones about to be updated or deleted must be
    on the server as the user saw them."""
    if not touched:
        return
    conflicts = widget_conflicts(expected, current.widgets, touched)
    if conflicts:
        names = ", ".join(f"'{c.name}'" for c in conflicts)
        raise ConflictError(
            f"{method} {path} not sent: widget(s) {names} changed on the server since read",
            status=409,
            method=method,
            path=path,
            server_copy=current,
        )


def widget_create_body(widget: Mapping[str, Any]) -> dict[str, Any]:
    """A widget copy as a create item: without the keys the API computes, None left out
    (the server's default)."""
    return {k: v for k, v in widget.items() if k not in WIDGET_READ_ONLY and v is not None}


# --- journalling one call -------------------------------------------------------------------


def _journalled(
    ctx: WriteContext,
    *,
    kind: str,
    method: str,
    path: str,
    request: Any,
    send: Callable[[], T],
    answer: Callable[[T], tuple[Any, int | None, str | None]],
    before: Any = None,
    dashboard_id: int | None = None,
    dashboard_name: str | None = None,
    source_dashboard_id: int | None = None,
    batch_id: str | None = None,
) -> T:
    """Journal "started" (committed), send, journal the outcome. If the store cannot take
    the "started" entry, nothing is sent."""
    entry_id = ctx.store.journal.start(
        ctx.connection,
        actor=ctx.actor.label,
        kind=kind,
        method=method,
        path=path,
        request=request,
        before=before,
        dashboard_id=dashboard_id,
        dashboard_name=dashboard_name,
        source_dashboard_id=source_dashboard_id,
        batch_id=batch_id,
    )
    try:
        result = send()
    except CekuraError as err:
        outcome, status, body = outcome_of(err)
        _complete(
            ctx, entry_id, outcome=outcome, response=body, status=status, message=err.user_message
        )
        raise
    except BaseException as exc:
        _complete(
            ctx,
            entry_id,
            outcome="unknown",
            message=f"The app stopped waiting for the answer ({type(exc).__name__}).",
        )
        raise
    response, new_id, new_name = answer(result)
    _complete(
        ctx,
        entry_id,
        outcome="saved",
        response=response,
        dashboard_id=new_id,
        dashboard_name=new_name,
    )
    return result


def outcome_of(err: CekuraError) -> tuple[str, int | None, Any]:
    """(outcome, HTTP status, the server's answer) of a failed write."""
    status = getattr(err, "status", None)
    if err.outcome_unknown:
        return "unknown", status, _plain(getattr(err, "body", None))
    if isinstance(err, APIStatusError):
        return "refused", err.status, _plain(err.body)
    return "failed", status, None


def _complete(ctx: WriteContext, entry_id: int, **outcome: Any) -> None:
    """Record the outcome. If the store fails now, the write already happened (or not):
    the error is not raised over the API's result, and the entry stays "started", which
    the journal shows as outcome unknown."""
    try:
        ctx.store.journal.complete(entry_id, **outcome)
    except Exception:
        logger.exception(
            "journal entry %d could not be completed; it shows outcome unknown", entry_id
        )


def _dashboard_answer(dashboard: Dashboard) -> tuple[Any, int | None, str | None]:
    return _dump(dashboard), dashboard.id, dashboard.name


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


def _plain(body: Any) -> Any:
    """An error body as JSON: parsed JSON as it is, anything else as text."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    return str(body)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown journal kind {kind!r}; expected one of {sorted(KINDS)}")
