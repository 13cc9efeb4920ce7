"""How this session writes: every write of the app goes through `admin_store.writes` (the
journal, the per-dashboard lock, the role check) with the session's own client, its
connection as the store knows it (a keyed hash of the key, never the key), and the
signed-in person.

The store is one per process (`st.cache_resource`): it holds no API key, only the
database engine, so sharing it between users is safe. The write context holds the user's
client, so it lives in the user's session."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from admin_store import Store, database_url, hash_secret
from admin_store.records import ApiConnection
from admin_store.writes import WriteContext
from services import state_keys as keys
from services.connection import current_connection, get_client
from services.settings import setting
from services.signin import current_actor


@st.cache_resource(show_spinner=False)
def app_store() -> Store:
    """The app's own store (journal, drafts, locks), opened and migrated once a process."""
    return Store.open(
        database_url(setting("CEKURA_ADMIN_DB_URL")),
        hash_secret=hash_secret(setting("CEKURA_ADMIN_HASH_SECRET")),
    )


@dataclass(frozen=True)
class _Bound:
    connection_id: str
    store_connection: ApiConnection


def store_connection() -> ApiConnection:
    """This session's connection as the store knows it (address + keyed hash of the key),
    worked out once per connection."""
    conn = current_connection()
    bound: _Bound | None = st.session_state.get(keys.S_STORE_CONNECTION)
    if bound is None or bound.connection_id != conn.id:
        bound = _Bound(conn.id, app_store().connection_of(get_client()))
        st.session_state[keys.S_STORE_CONNECTION] = bound
    return bound.store_connection


def write_context() -> WriteContext:
    """What a write of this session needs; cheap to build, so built for each write (the
    person or the connection may have changed since the last one)."""
    return WriteContext(app_store(), get_client(), store_connection(), current_actor())
