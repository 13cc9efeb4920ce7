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

from cekura_dashboards.client import MAX_PAGES, DashboardSearch
from services import state_keys as keys
from services.connection import current_connection, get_client

T = TypeVar("T")

# What other people may change goes stale after a while (saving re-reads anyway).
LIST_MAX_AGE_S = 60.0
DASHBOARD_MAX_AGE_S = 60.0
REFERENCE_MAX_AGE_S = 300.0  # projects, agents, metrics change rarely
SEARCH_MAX_AGE_S = 60.0  # a search read from the whole list (a server that ignores `search`)
SEARCH_MAX_PAGES = MAX_PAGES  # pages of 100 read for one such search; past it, said
_LIST_KINDS = ("dashboard_list", "dashboard_search")


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
    """One page of the dashboards list (a `Page[DashboardSummary]`).

    A server that ignores `search` (the public API documents none; the client finds out
    once per connection) would make every search and every page turn read the whole list.
    There the matches are read once per (project, term), kept here, and page turns are
    cut from them: no request. `search_cut_short` says when the read stopped early."""
    search = (search or "").strip() or None
    if search and not get_client().server_searches(project_id=project_id):
        return load_dashboard_search(project_id, search).page(page, page_size)
    return _cached(
        ("dashboard_list", page, page_size, project_id, search),
        lambda: get_client().list_dashboards(
            page=page, page_size=page_size, project_id=project_id, search=search
        ),
        LIST_MAX_AGE_S,
    )


def load_dashboard_search(project_id: int | None, search: str) -> DashboardSearch:
    """Every dashboard of the project whose name holds `search`, read from the whole list
    (for a server that ignores `search`), kept for `SEARCH_MAX_AGE_S`."""
    return _cached(
        ("dashboard_search", project_id, search),
        lambda: get_client().search_dashboards(
            project_id=project_id, search=search, max_pages=SEARCH_MAX_PAGES
        ),
        SEARCH_MAX_AGE_S,
    )


def search_cut_short(project_id: int | None, search: str | None) -> tuple[int, int] | None:
    """(scanned, total) when the kept search for (project, term) stopped before the end of
    the list, so matches past it are missing; None otherwise. Sends no request."""
    search = (search or "").strip() or None
    if not search:
        return None
    hit = _entries().get(("dashboard_search", project_id, search))
    if hit is None or hit[1].complete:
        return None
    return hit[1].scanned, hit[1].total


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
    """After any create, duplicate, rename or delete, and on the list's Refresh."""
    _forget(lambda k: _kind(k) in _LIST_KINDS)
