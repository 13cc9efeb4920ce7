"""Which Cekura API this browser session talks to, and the client for it.

Three ways in, checked in this order:
1. a key the user pasted in the sidebar (kept only in their session),
2. `CEKURA_API_KEY` (+ `CEKURA_BASE_URL`) from the environment or `st.secrets`,
3. otherwise the embedded demo API, started once per process on a free loopback port.

The client always lives in `st.session_state`: a user's key must never be shared with
another user through a process-wide cache. Only the demo *server* (whose key is random
and made for this process) is a process-wide resource.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import streamlit as st

from cekura_dashboards.client import CekuraClient
from cekura_dashboards.errors import CekuraError, ConfigurationError
from components.errors import error_message, escape_markdown

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.cekura.ai"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_DB = ROOT / "data" / "demo.sqlite3"

# session_state keys (non-widget: they survive page changes)
CLIENT_KEY = "cekura_client"
CONNECTION_KEY = "cekura_connection"
CONNECT_ERROR_KEY = "cekura_connect_error"
# widget keys of the "use your own key" form
KEY_INPUT = "conn_api_key_input"
URL_INPUT = "conn_base_url_input"

Mode = Literal["demo", "configured", "pasted"]


@dataclass(frozen=True)
class Connection:
    """What the session is connected to. Never holds the key itself."""

    id: str  # random per connection: the cache namespace for reads.py
    mode: Mode
    base_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url


@dataclass(frozen=True)
class DemoServer:
    url: str
    api_key: str
    running: Any  # demo_api's RunningServer: `.stop()` ends it


def _setting(name: str) -> str | None:
    """A setting from the environment, else from `st.secrets` (absent file: no crash)."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    try:
        if st.secrets.load_if_toml_exists():
            found = st.secrets.get(name)
            if isinstance(found, str) and found.strip():
                return found.strip()
    except Exception:  # a malformed secrets file must not take the app down
        log.warning("Could not read .streamlit/secrets.toml; ignoring it")
    return None


def configured_settings() -> tuple[str, str] | None:
    """(base_url, api_key) from the environment or secrets, or None for demo mode."""
    key = _setting("CEKURA_API_KEY")
    if not key:
        return None
    return (_setting("CEKURA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"), key


@st.cache_resource(show_spinner="Starting the demo data server (the first start takes a moment)…")
def demo_server() -> DemoServer:
    """One embedded demo API per process, with a random key made for this process."""
    import demo_api  # imported lazily: a configured app never needs FastAPI

    db_path = Path(os.environ.get("CEKURA_DEMO_DB") or DEFAULT_DEMO_DB)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    options: dict[str, Any] = {}
    if os.environ.get("CEKURA_DEMO_CALLS"):  # a smaller seed for tests
        options["calls"] = int(os.environ["CEKURA_DEMO_CALLS"])
    server = demo_api.serve_in_thread(str(db_path), key, host="127.0.0.1", port=0, **options)
    atexit.register(server.stop)
    log.info("Demo API for the app at %s (database %s)", server.url, db_path)
    return DemoServer(url=str(server.url).rstrip("/"), api_key=key, running=server)


def _default_connection() -> tuple[Connection, CekuraClient]:
    settings = configured_settings()
    if settings is not None:
        base_url, key = settings
        conn = Connection(id=secrets.token_hex(8), mode="configured", base_url=base_url)
        return conn, CekuraClient(base_url, key)
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
    conn = Connection(id=secrets.token_hex(8), mode="demo", base_url=demo.url)
    return conn, CekuraClient(demo.url, demo.api_key)


def _default_mode() -> Mode:
    return "configured" if configured_settings() is not None else "demo"


def ensure_router() -> None:
    """Make sure this run went through app.py's `st.navigation`.

    With a `pages/` folder next to app.py, Streamlit starts each process in its old
    "pages directory" mode and keeps it until `st.navigation` has run once. A deep link
    (`/editor?dashboard=7`) as the first request of a process (or any AppTest rerun)
    then runs the page file alone: no router, no sidebar, no page config. Leaving that
    mode and rerunning lands on the same page, this time through the router.
    Not under AppTest: it resets that mode before every run, so a rerun here would
    drop the test's widget input (tests clear the flag themselves; see the tests).
    """
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager

    # streamlit.config, not st.get_option: AppTest patches the former only.
    if PagesManager.uses_pages_directory and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False
        st.rerun()


def _ensure_connected() -> tuple[Connection, CekuraClient]:
    ensure_router()  # every page asks for the connection first
    state = st.session_state
    conn: Connection | None = state.get(CONNECTION_KEY)
    client: CekuraClient | None = state.get(CLIENT_KEY)
    # A session set up before the configuration changed (e.g. a key added to secrets)
    # follows the new default; a pasted key stays until the user disconnects.
    if conn is None or client is None or (conn.mode != "pasted" and conn.mode != _default_mode()):
        conn, client = _default_connection()
        state[CONNECTION_KEY] = conn
        state[CLIENT_KEY] = client
    return conn, client


def get_client() -> CekuraClient:
    """The client of this browser session (created on first use)."""
    return _ensure_connected()[1]


def current_connection() -> Connection:
    """What this session is connected to (its `.id` namespaces cached reads)."""
    return _ensure_connected()[0]


def _connect_with_pasted_key() -> None:
    """Form callback: try the pasted key; keep it only if the API accepts it."""
    state = st.session_state
    key = str(state.get(KEY_INPUT) or "").strip()
    base_url = str(state.get(URL_INPUT) or DEFAULT_BASE_URL).strip().rstrip("/")
    state[KEY_INPUT] = ""  # the key is never shown again, not even masked
    state.pop(CONNECT_ERROR_KEY, None)
    if not key:
        state[CONNECT_ERROR_KEY] = "Paste an API key first."
        return
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        state[CONNECT_ERROR_KEY] = "The API address must start with https:// (or http://)."
        return
    try:
        client = CekuraClient(base_url, key)
        client.list_projects()  # proves the key works before we switch to it
    except CekuraError as err:
        state[CONNECT_ERROR_KEY] = f"Could not connect with that key: {err.user_message}"
        return
    state[CLIENT_KEY] = client
    state[CONNECTION_KEY] = Connection(id=secrets.token_hex(8), mode="pasted", base_url=base_url)


def disconnect() -> None:
    """Forget a pasted key; the session goes back to the configured API or demo data."""
    client = st.session_state.get(CLIENT_KEY)
    if client is not None:
        client.close()
    st.session_state.pop(CLIENT_KEY, None)
    st.session_state.pop(CONNECTION_KEY, None)
    st.session_state.pop(CONNECT_ERROR_KEY, None)


def connection_sidebar() -> None:
    """The sidebar block: where the data comes from, and how to use your own key."""
    with st.sidebar:
        try:
            conn = current_connection()
        except Exception as err:  # the page shows the same failure with a Retry button
            st.error(escape_markdown(error_message(err)))
            return
        st.markdown("**Connection**")
        if conn.mode == "demo":
            st.info(
                "You are looking at **demo data**: made-up dashboards on a small built-in "
                "server. Changes here do not touch any real Cekura account.",
                icon=":material/science:",
            )
        elif conn.mode == "configured":
            st.success("Using the Cekura API set up for this app", icon=":material/link:")
            st.caption("Address")
            st.text(conn.host)
        else:
            st.success("Connected with your API key", icon=":material/key:")
            st.caption("Address")
            st.text(conn.host)
            st.button(
                "Use demo data" if _default_mode() == "demo" else "Disconnect my key",
                key="conn_disconnect",
                on_click=disconnect,
                help="Forget the key you pasted. It was only kept for this browser tab.",
            )
        if conn.mode != "pasted":
            _own_key_form(expanded=CONNECT_ERROR_KEY in st.session_state)
        error = st.session_state.get(CONNECT_ERROR_KEY)
        if error:
            st.error(escape_markdown(error))  # may carry the server's words


def _own_key_form(*, expanded: bool) -> None:
    st.session_state.setdefault(URL_INPUT, DEFAULT_BASE_URL)
    with st.expander("Use your own API key", expanded=expanded):
        with st.form("conn_form", border=False):
            st.text_input(
                "API key",
                key=KEY_INPUT,
                type="password",
                placeholder="Paste your Cekura API key",
                help="Kept only for this browser tab; never saved or shown again.",
            )
            st.text_input("API address", key=URL_INPUT)
            st.form_submit_button("Connect", on_click=_connect_with_pasted_key)
