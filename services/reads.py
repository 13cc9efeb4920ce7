"""Reads cached per browser session and per connection, invalidated after writes.

Everything lives in `st.session_state` under one key (`state_keys.S_READS`), namespaced
by the connection id, so nothing is ever shared between users and switching keys starts
clean. (`st.cache_data` would be shared across users and cannot hash the client.)
Errors are not cached: a failed read raises `CekuraError` and the next rerun tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st

from services import state_keys as keys
from services.connection import current_connection, get_client

T = TypeVar("T")

# What other people may change goes stale after a while (saving re-reads anyway).
LIST_MAX_AGE_S = 60.0
DASHBOARD_MAX_AGE_S = 60.0
REFERENCE_MAX_AGE_S = 300.0  # projects, agents, metrics change rarely


def _entries() -> dict[Hashable, tuple[float, Any]]:
    conn_id = current_connection().id
    cache = st.session_state.get(keys.S_READS)
    if not isinstance(cache, dict) or cache.get("connection") != conn_id:
        cache = {"connection": conn_id, "entries": {}}
        st.session_state[keys.S_READS] = cache
    entries: dict[Hashable, tuple[float, Any]] = cache["entries"]
    return entries


def _cached(key: Hashable, load: Callable[[], T], max_age: float | None = None) -> T:
    entries = _entries()
    hit = entries.get(key)
    now = time.monotonic()
    if hit is not None and (max_age is None or now - hit[0] <= max_age):
        return hit[1]
    value = load()
    entries[key] = (now, value)
    return value


def _forget(match: Callable[[Hashable], bool]) -> None:
    entries = _entries()
    for key in [k for k in entries if match(k)]:
        del entries[key]


def _kind(key: Hashable) -> Any:
    return key[0] if isinstance(key, tuple) else key


# ---- reads -------------------------------------------------------------------------


def load_projects() -> list[Any]:
    """All projects the key can see (for pickers by name)."""
    return _cached(("projects",), lambda: list(get_client().list_projects()), REFERENCE_MAX_AGE_S)


def project_names() -> dict[int, str]:
    """Project id -> name, for showing names instead of ids."""
    return {p.id: (p.name or f"Project {p.id}") for p in load_projects()}


def load_agents(project_id: int | None) -> list[Any]:
    return _cached(
        ("agents", project_id),
        lambda: list(get_client().list_agents(project_id=project_id)),
        REFERENCE_MAX_AGE_S,
    )


def load_metrics(project_id: int | None) -> list[Any]:
    return _cached(
        ("metrics", project_id),
        lambda: list(get_client().list_metrics(project_id=project_id)),
        REFERENCE_MAX_AGE_S,
    )


def load_dashboard_page(
    *, page: int = 1, page_size: int = 25, project_id: int | None = None, search: str | None = None
) -> Any:
    """One page of the dashboards list (a `Page[DashboardSummary]`)."""
    search = (search or "").strip() or None
    return _cached(
        ("dashboard_list", page, page_size, project_id, search),
        lambda: get_client().list_dashboards(
            page=page, page_size=page_size, project_id=project_id, search=search
        ),
        LIST_MAX_AGE_S,
    )


def load_dashboard(dashboard_id: int) -> Any:
    """One dashboard (a `Dashboard`), as last read or saved in this session."""
    return _cached(
        ("dashboard", dashboard_id),
        lambda: get_client().get_dashboard(dashboard_id=dashboard_id),
        DASHBOARD_MAX_AGE_S,
    )


# ---- after writes ----------------------------------------------------------------


def remember_dashboard(dashboard: Any) -> None:
    """Put a dashboard the API just returned (PATCH/POST) in the cache: no extra GET.
    Lists that show it are dropped, since its name or project may have changed."""
    _entries()[("dashboard", dashboard.id)] = (time.monotonic(), dashboard)
    forget_dashboard_lists()


def forget_dashboard(dashboard_id: int) -> None:
    """After a delete, or when the cached copy is known to be stale."""
    _forget(lambda k: k == ("dashboard", dashboard_id))
    forget_dashboard_lists()


def forget_dashboard_lists() -> None:
    """After any create, duplicate, rename or delete."""
    _forget(lambda k: _kind(k) == "dashboard_list")


# Fields whose values the builder offers from what recent calls had (catalog names).
SEEN_VALUE_FIELDS = ("topic", "call_ended_reason", "dropoff_point")
RECENT_CALLS = 200


def recent_call_values(project_id: int | None) -> dict[str, tuple[str, ...]]:
    """The topics, end reasons and drop-off points of the project's recent calls, most
    common first: ONE call-logs read per project, cached like the reference lists."""

    def load() -> dict[str, tuple[str, ...]]:
        page = get_client().list_call_logs(project_id=project_id, page_size=RECENT_CALLS)
        seen: dict[str, dict[str, int]] = {name: {} for name in SEEN_VALUE_FIELDS}
        for call in page.results:
            for name in SEEN_VALUE_FIELDS:
                value = getattr(call, name, None)
                if isinstance(value, str) and value.strip():
                    seen[name][value] = seen[name].get(value, 0) + 1
        return {
            name: tuple(sorted(counts, key=lambda v: (-counts[v], v.lower())))
            for name, counts in seen.items()
        }

    return _cached(("recent_call_values", project_id), load, REFERENCE_MAX_AGE_S)
