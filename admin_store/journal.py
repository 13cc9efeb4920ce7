"""The journal: one row per write the app sends, written as "started" before it is sent
and completed with its outcome after. Every query is scoped to one `ApiConnection`: a
user of another key (or another API address) never sees these rows."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from admin_store.database import Database
from admin_store.records import (
    FINAL_OUTCOMES,
    KINDS,
    OUTCOMES,
    ApiConnection,
    JournalEntry,
    Version,
)
from admin_store.schema import journal

MAX_LIMIT = 1000


class Journal:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(
        self,
        connection: ApiConnection,
        *,
        actor: str,
        kind: str,
        method: str,
        path: str,
        request: Any,
        dashboard_id: int | None = None,
        dashboard_name: str | None = None,
        before: Any = None,
        source_dashboard_id: int | None = None,
        batch_id: str | None = None,
    ) -> int:
        """Record a write about to be sent; commit; return the entry id. Call it before
        sending, so that a crash leaves a "started" entry rather than no trace."""
        if kind not in KINDS:
            raise ValueError(f"unknown journal kind {kind!r}; expected one of {sorted(KINDS)}")
        values = {
            "started_at": self._db.now(),
            "actor": _actor(actor),
            "base_url": connection.base_url,
            "key_hash": connection.key_hash,
            "kind": kind,
            "batch_id": batch_id,
            "dashboard_id": dashboard_id,
            "dashboard_name": dashboard_name,
            "source_dashboard_id": source_dashboard_id,
            "method": method.upper(),
            "path": path,
            "before_json": _json_value(before, "before"),
            "request_json": _json_value(request, "request"),
            "outcome": "started",
        }
        with self._db.write() as conn:
            result = conn.execute(journal.insert().values(**values).returning(journal.c.id))
            return int(result.scalar_one())

    def complete(
        self,
        entry_id: int,
        *,
        outcome: str,
        response: Any = None,
        status: int | None = None,
        message: str | None = None,
        dashboard_id: int | None = None,
        dashboard_name: str | None = None,
    ) -> bool:
        """Record the outcome of a started entry (once: an entry already completed is left
        as it is and False is returned). `dashboard_id`/`dashboard_name`, when given,
        fill in what was only known from the answer (the id of a new dashboard)."""
        if outcome not in FINAL_OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(FINAL_OUTCOMES)}, not {outcome!r}")
        values: dict[str, Any] = {
            "completed_at": self._db.now(),
            "outcome": outcome,
            "response_json": _json_value(response, "response"),
            "status": status,
            "message": message,
        }
        if dashboard_id is not None:
            values["dashboard_id"] = dashboard_id
        if dashboard_name is not None:
            values["dashboard_name"] = dashboard_name
        with self._db.write() as conn:
            result = conn.execute(
                journal.update()
                .where(journal.c.id == entry_id, journal.c.outcome == "started")
                .values(**values)
            )
            return bool(result.rowcount)

    def entries(
        self,
        connection: ApiConnection,
        *,
        dashboard_id: int | None = None,
        actor: str | None = None,
        kind: str | None = None,
        outcome: str | None = None,
        batch_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[JournalEntry]:
        """This connection's entries, newest first. `outcome="unknown"` also matches
        entries never completed ("started"), whose outcome nobody knows either.
        `before_id` pages on: entries older than that id."""
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {sorted(OUTCOMES)}")
        query = _of(connection)
        if dashboard_id is not None:
            query = query.where(
                sa.or_(
                    journal.c.dashboard_id == dashboard_id,
                    journal.c.source_dashboard_id == dashboard_id,
                )
            )
        if actor is not None:
            query = query.where(journal.c.actor == actor)
        if kind is not None:
            query = query.where(journal.c.kind == kind)
        if outcome == "unknown":
            query = query.where(journal.c.outcome.in_(("unknown", "started")))
        elif outcome is not None:
            query = query.where(journal.c.outcome == outcome)
        if batch_id is not None:
            query = query.where(journal.c.batch_id == batch_id)
        if before_id is not None:
            query = query.where(journal.c.id < before_id)
        query = query.order_by(journal.c.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
        with self._db.read() as conn:
            return [_entry(row) for row in conn.execute(query).mappings()]

    def entry(self, connection: ApiConnection, entry_id: int) -> JournalEntry | None:
        with self._db.read() as conn:
            row = conn.execute(_of(connection).where(journal.c.id == entry_id)).mappings().first()
        return None if row is None else _entry(row)

    def actors(self, connection: ApiConnection) -> list[str]:
        """Everyone who wrote through this connection (for a filter's choices)."""
        query = (
            sa.select(journal.c.actor)
            .where(journal.c.base_url == connection.base_url)
            .where(journal.c.key_hash == connection.key_hash)
            .distinct()
            .order_by(journal.c.actor)
        )
        with self._db.read() as conn:
            return [str(actor) for actor in conn.execute(query).scalars()]

    def versions(self, connection: ApiConnection, dashboard_id: int) -> list[Version]:
        """The copies of one dashboard the journal holds, newest first: each entry's
        "before" and each saved entry's "after" (when the answer is the dashboard). A copy
        equal to the one just older is left out, so every version differs from the next."""
        query = _of(connection).where(journal.c.dashboard_id == dashboard_id).order_by(journal.c.id)
        with self._db.read() as conn:
            rows = list(conn.execute(query).mappings())
        versions: list[Version] = []
        last: str | None = None
        for row in rows:
            entry = _entry(row)
            copies: list[tuple[str, Any, Any]] = [("before", entry.before, entry.started_at)]
            if entry.outcome == "saved" and _is_dashboard(entry.response, dashboard_id):
                copies.append(("after", entry.response, entry.completed_at or entry.started_at))
            for side, copy, at in copies:
                if not _is_dashboard(copy, dashboard_id):
                    continue
                canonical = json.dumps(copy, sort_keys=True)
                if canonical == last:
                    continue
                last = canonical
                versions.append(Version(entry.id, at, entry.actor, entry.kind, side, copy))  # type: ignore[arg-type]
        versions.reverse()
        return versions


def _of(connection: ApiConnection) -> sa.Select[Any]:
    return (
        sa.select(journal)
        .where(journal.c.base_url == connection.base_url)
        .where(journal.c.key_hash == connection.key_hash)
    )


def _entry(row: sa.RowMapping) -> JournalEntry:
    return JournalEntry(
        id=int(row["id"]),
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        actor=row["actor"],
        base_url=row["base_url"],
        kind=row["kind"],
        batch_id=row["batch_id"],
        dashboard_id=row["dashboard_id"],
        dashboard_name=row["dashboard_name"],
        source_dashboard_id=row["source_dashboard_id"],
        method=row["method"],
        path=row["path"],
        before=row["before_json"],
        request=row["request_json"],
        response=row["response_json"],
        outcome=row["outcome"],
        status=row["status"],
        message=row["message"],
    )


def _is_dashboard(copy: Any, dashboard_id: int) -> bool:
    return isinstance(copy, dict) and copy.get("id") == dashboard_id


def _actor(actor: str) -> str:
    actor = (actor or "").strip()
    return actor[:320] or "anonymous"


def _json_value(value: Any, what: str) -> Any:
    """The value as JSON would give it back (tuples become lists, keys strings), so what
    is read is what was written; a value JSON cannot hold is a caller bug."""
    if value is None:
        return None
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the journal's {what} must be plain JSON: {exc}") from None
