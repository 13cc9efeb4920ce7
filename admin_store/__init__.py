"""The admin's own store: the journal of every write, unsaved drafts and the per-dashboard
lock, on SQLAlchemy 2 Core over a SQLite file (default `data/admin.sqlite3`) or PostgreSQL
(`CEKURA_ADMIN_DB_URL`). Never imports streamlit; never stores an API key (only its
HMAC-SHA256 under the store's secret). Schema versioning: see migrations.py.

Writes to the Cekura API go through `admin_store.writes`.
"""

from admin_store.config import (
    DB_URL_ENV,
    HASH_SECRET_ENV,
    StoreConfigError,
    database_url,
    hash_secret,
)
from admin_store.migrations import SchemaTooNewError
from admin_store.records import (
    DRAFT_LIFETIME,
    KINDS,
    OUTCOMES,
    ApiConnection,
    Draft,
    JournalEntry,
    Version,
)
from admin_store.store import LockTimeoutError, Store

__all__ = [
    "DB_URL_ENV",
    "DRAFT_LIFETIME",
    "HASH_SECRET_ENV",
    "KINDS",
    "OUTCOMES",
    "ApiConnection",
    "Draft",
    "JournalEntry",
    "LockTimeoutError",
    "SchemaTooNewError",
    "Store",
    "StoreConfigError",
    "Version",
    "database_url",
    "hash_secret",
]
