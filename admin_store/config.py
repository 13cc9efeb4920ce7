"""Where the store lives and which secret keys its hashes: from the environment, else from a
value the caller read from its secrets (this package never imports streamlit), else the
defaults. Nothing here opens a database."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DB_URL_ENV = "CEKURA_ADMIN_DB_URL"
HASH_SECRET_ENV = "CEKURA_ADMIN_HASH_SECRET"
DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "data" / "admin.sqlite3"


class StoreConfigError(ValueError):
    """The store's settings cannot be used; the message says which and why."""


def database_url(
    secret_value: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    """The store's database URL: `CEKURA_ADMIN_DB_URL` from the environment, else
    `secret_value` (the same setting from the app's secrets), else the SQLite file
    `data/admin.sqlite3` of this checkout."""
    env = os.environ if environ is None else environ
    chosen = (env.get(DB_URL_ENV) or secret_value or "").strip()
    return chosen or f"sqlite:///{DEFAULT_DB_PATH}"


def hash_secret(
    secret_value: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """The secret that keys API-key hashes (`CEKURA_ADMIN_HASH_SECRET`, else
    `secret_value`); None means "use the one kept in the store"."""
    env = os.environ if environ is None else environ
    chosen = (env.get(HASH_SECRET_ENV) or secret_value or "").strip()
    return chosen or None


def normalized_url(raw: str | URL) -> URL:
    """A SQLAlchemy URL on a driver this package supports: psycopg 3 for PostgreSQL
    (plain `postgresql://` would mean psycopg2), the standard library for SQLite files."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise StoreConfigError(
            f"{DB_URL_ENV} is not a database URL (expected postgresql://... or sqlite:///...)."
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreConfigError(
                f"{DB_URL_ENV} names an in-memory SQLite database; the store needs a file "
                "(sqlite:///path/to/admin.sqlite3) so that drafts and the journal survive."
            )
        return url.set(drivername="sqlite")
    raise StoreConfigError(
        f"{DB_URL_ENV} uses {backend!r}; the store supports PostgreSQL and SQLite only."
    )
