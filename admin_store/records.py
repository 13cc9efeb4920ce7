"""What the store hands out: plain frozen dataclasses, no database types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Kind = Literal["create", "duplicate", "delete", "update", "bulk_widgets", "restore", "import"]
# "import": a dashboard (and its widgets) made from an export file
KINDS: frozenset[str] = frozenset(
    {"create", "duplicate", "delete", "update", "bulk_widgets", "restore", "import"}
)
# "started": sent (or about to be) and no outcome recorded yet; a process that died in
# between leaves it so, which is shown as "outcome unknown". "failed": nothing reached
# the API (no connection, bad settings), so nothing was saved.
Outcome = Literal["started", "saved", "refused", "failed", "unknown"]
OUTCOMES: frozenset[str] = frozenset({"started", "saved", "refused", "failed", "unknown"})
FINAL_OUTCOMES: frozenset[str] = OUTCOMES - {"started"}

DRAFT_LIFETIME = timedelta(days=14)


@dataclass(frozen=True)
class ApiConnection:
    """Who the journal and drafts belong to: an API address and a keyed hash of the API
    key (HMAC-SHA256 with the store's secret). Never the key itself."""

    base_url: str
    key_hash: str

    def __repr__(self) -> str:
        return f"ApiConnection({self.base_url!r}, key_hash={self.key_hash[:8]}...)"


@dataclass(frozen=True)
class JournalEntry:
    id: int
    started_at: datetime
    completed_at: datetime | None
    actor: str
    base_url: str
    kind: str
    batch_id: str | None
    dashboard_id: int | None
    dashboard_name: str | None
    source_dashboard_id: int | None
    method: str
    path: str
    before: Any  # the server copy read just before (dashboard with widgets), or None
    request: Any  # the exact request body
    response: Any  # the server's answer (or its error body), None when there was none
    outcome: str
    status: int | None
    message: str | None  # the API's words when refused; what is known when unknown

    @property
    def outcome_unknown(self) -> bool:
        """True when nobody can say from the journal whether the write was applied."""
        return self.outcome in ("started", "unknown")


@dataclass(frozen=True)
class Version:
    """A copy of a dashboard as the server held it: read before a write ("before") or
    answered by a saved write ("after")."""

    entry_id: int
    at: datetime
    actor: str
    kind: str
    side: Literal["before", "after"]
    dashboard: Any

    @property
    def updated_at(self) -> str | None:
        value = self.dashboard.get("updated_at") if isinstance(self.dashboard, dict) else None
        return None if value is None else str(value)


@dataclass(frozen=True)
class Draft:
    token: str
    dashboard_id: int
    draft: Any  # the caller's JSON document, returned as given
    base_updated_at: str | None  # `updated_at` of the server copy the draft started from
    created_at: datetime
    updated_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.updated_at + DRAFT_LIFETIME
