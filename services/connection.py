"""Which Cekura API this browser session talks to, and the client for it.

Three ways in, checked in this order:
1. a key the user pasted in the sidebar (kept only in their session),
2. `CEKURA_API_KEY` (+ `CEKURA_BASE_URL`) from the environment or `st.secrets`,
3. otherwise the embedded demo API (services/demo_server.py).

The client always lives in `st.session_state`: a user's key must never be shared with
another user through a process-wide cache.

A pasted key goes only to an address the operator allowed (`CEKURA_ALLOWED_BASE_URLS`,
comma-separated; by default only https://api.cekura.ai; the configured address and the
embedded demo API are always allowed). Anything else is refused before any request, and
every failure at an allowed address gets the same words: otherwise the sidebar would be a
port scanner telling "closed" from "answered", "redirected" or "wrong key".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import streamlit as st

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import CekuraError, ConfigurationError
from services import state_keys as keys
from services.demo_server import demo_server
from services.router import ensure_router
from services.settings import DEFAULT_BASE_URL, configured_settings, setting

log = logging.getLogger(__name__)

ALLOWED_BASE_URLS_SETTING = "CEKURA_ALLOWED_BASE_URLS"
# One shape for every failure at an allowed address (see the module's docstring).
CONNECT_FAILED = (
    "Could not connect with that key to {address}. Check the key and the address, then try again."
)

Mode = Literal["demo", "configured", "pasted"]


# Made at start-up and never shown: account fingerprints cannot be tied to a key elsewhere.
_ACCOUNT_SECRET = secrets.token_bytes(32)


def account_of(base_url: str, api_key: str) -> str:
    """The same text for the same address and key (so a key pasted again after a reload
    is the same account), and nothing that leads back to the key."""
    message = f"{base_url}\n{api_key}".encode()
    return hmac.new(_ACCOUNT_SECRET, message, hashlib.sha256).hexdigest()[:20]


@dataclass(frozen=True)
class Connection:
    """What the session is connected to. Never holds the key itself."""

    id: str  # random per connection: the cache namespace of services/reads.py
    mode: Mode
    base_url: str
    account: str = ""  # account_of(base_url, key): which account a draft belongs to
    key_hint: str = ""  # the key as it may be shown: masked, last 4 characters

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    @property
    def label(self) -> str:
        """Which account and address, in words (shown next to Save)."""
        if self.mode == "demo":
            return "demo data (the built-in server)"
        whose = "the app's key" if self.mode == "configured" else "your key"
        hint = f" {self.key_hint}" if self.key_hint else ""
        return f"{self.host}, {whose}{hint}"


def _connection(mode: Mode, client: CekuraClient, api_key: str) -> Connection:
    return Connection(
        id=secrets.token_hex(8),
        mode=mode,
        base_url=client.base_url,
        account=account_of(client.base_url, api_key),
        # only a pasted key is hinted at: it tells two of the user's own keys apart
        key_hint=client.masked_key if mode == "pasted" else "",
    )


def normalize_base_url(url: str) -> str | None:
    """`HTTPS://API.cekura.ai/` -> `https://api.cekura.ai`; None when `url` is not a plain
    http(s) address (no user name, query or fragment)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def allowed_base_urls() -> list[str]:
    """The addresses a pasted key may be sent to, the operator's list first."""
    raw = setting(ALLOWED_BASE_URLS_SETTING)
    allowed: list[str] = []
    for entry in raw.split(",") if raw else [DEFAULT_BASE_URL]:
        if not entry.strip():
            continue
        url = normalize_base_url(entry)
        if url is None:
            log.warning(
                "Ignoring %r in %s: not an http(s) address", entry, ALLOWED_BASE_URLS_SETTING
            )
        elif url not in allowed:
            allowed.append(url)
    settings = configured_settings()
    extra = [settings[0]] if settings is not None else []
    conn = st.session_state.get(keys.S_CONNECTION)
    if isinstance(conn, Connection) and conn.mode == "demo":
        extra.append(conn.base_url)
    for url in (normalize_base_url(u) for u in extra):
        if url is not None and url not in allowed:
            allowed.append(url)
    return allowed


def default_mode() -> Mode:
    """Where a session goes without a pasted key."""
    return "configured" if configured_settings() is not None else "demo"


def _default_connection() -> tuple[Connection, CekuraClient]:
    settings = configured_settings()
    if settings is not None:
        base_url, key = settings
        client = CekuraClient(base_url, key)
        return _connection("configured", client, key), client
    try:
        demo = demo_server()
    except Exception as err:  # not cached: the next rerun (Retry) tries again
        log.exception("Could not start the embedded demo API")
        raise ConfigurationError(
            f"demo API failed to start: {type(err).__name__}",
            user_message=(
                "Could not start the built-in demo data server. Try again; if it keeps "
                "failing, check that the app may write to its data folder."
            ),
        ) from err
    client = CekuraClient(demo.url, demo.api_key)
    return _connection("demo", client, demo.api_key), client


def _ensure_connected() -> tuple[Connection, CekuraClient]:
    ensure_router()  # every page asks for the connection first
    state = st.session_state
    conn: Connection | None = state.get(keys.S_CONNECTION)
    client: CekuraClient | None = state.get(keys.S_CLIENT)
    # A session set up before the configuration changed (e.g. a key added to secrets)
    # follows the new default; a pasted key stays until the user disconnects.
    if conn is None or client is None or (conn.mode != "pasted" and conn.mode != default_mode()):
        conn, client = _default_connection()
        state[keys.S_CONNECTION] = conn
        state[keys.S_CLIENT] = client
    return conn, client


def get_client() -> CekuraClient:
    """The client of this browser session (created on first use)."""
    return _ensure_connected()[1]


def current_connection() -> Connection:
    """What this session is connected to (its `.id` namespaces cached reads)."""
    return _ensure_connected()[0]


def connection_error() -> str | None:
    """Why the last pasted key was refused, until the next try or a disconnect."""
    error = st.session_state.get(keys.S_CONNECT_ERROR)
    return str(error) if error else None


def connect_with_key(api_key: str, base_url: str) -> bool:
    """Switch this session to a pasted key if the API accepts it; else keep the current
    connection and record why (see `connection_error`)."""
    state = st.session_state
    api_key = api_key.strip()
    allowed = allowed_base_urls()
    if base_url.strip():
        base_url = normalize_base_url(base_url) or base_url.strip()
    else:
        base_url = allowed[0]
    state.pop(keys.S_CONNECT_ERROR, None)
    if not api_key:
        state[keys.S_CONNECT_ERROR] = "Paste an API key first."
        return False
    if base_url not in allowed:  # refused before any request
        state[keys.S_CONNECT_ERROR] = (
            "This app may not connect to that API address. Choose one of: "
            + ", ".join(allowed)
            + f". (Whoever runs the app sets the list in {ALLOWED_BASE_URLS_SETTING}.)"
        )
        return False
    try:
        client = CekuraClient(base_url, api_key)
        client.list_projects()  # proves the key works before we switch to it
    except CekuraError as err:
        # the reason goes to the log for the operator; the person sees the one shape
        log.info("A pasted key was refused at %s: %s", base_url, type(err).__name__)
        state[keys.S_CONNECT_ERROR] = CONNECT_FAILED.format(address=base_url)
        return False
    state[keys.S_CLIENT] = client
    state[keys.S_CONNECTION] = _connection("pasted", client, api_key)
    return True


def disconnect() -> None:
    """Forget a pasted key; the session goes back to the configured API or demo data."""
    client = st.session_state.get(keys.S_CLIENT)
    if client is not None:
        client.close()
    for key in (keys.S_CLIENT, keys.S_CONNECTION, keys.S_CONNECT_ERROR):
        st.session_state.pop(key, None)
