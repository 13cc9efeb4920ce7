"""The sign-in gate: who is using the app, and whether they may see it at all.

With an `[auth]` section in `.streamlit/secrets.toml` (Streamlit's own OIDC settings),
nothing but a sign-in page shows until the person has signed in, and someone whose
e-mail matches no role in the role table (services/access.py) sees only "You have no
access". Without `[auth]` the app runs as before sign-in existed: everyone may do
everything, and when a real API key is configured on an address others can reach, the
app says so once per session.

`gate()` runs once per script run, from app.py, right after `st.set_page_config`; pages
and the write service read its answer through `current_actor()`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit import config

from services import state_keys as keys
from services.access import (
    ANONYMOUS,
    SECTION,
    AccessConfigError,
    Actor,
    RoleTable,
    role_table,
)
from services.connection import disconnect
from services.router import ensure_router
from services.settings import configured_settings

log = logging.getLogger(__name__)

ACTOR_KEY = keys.S_ACTOR
OPEN_NOTICE_KEY = keys.S_OPEN_APP_NOTICE_SHOWN
SIGN_OUT_BUTTON = keys.W_SIGN_OUT

APP_NAME = "Cekura Dashboards Admin"
MAX_HISTORY_NAME = 80
OPEN_APP_NOTICE = (
    "This app has no sign-in and uses the Cekura API key set up for it: anyone who can "
    "reach its address can change or delete dashboards. Add an [auth] section to its "
    "secrets to make people sign in (see the README, “Sign-in”)."
)


def _secret(name: str) -> Any:
    """A top-level secrets entry, or None; an absent or broken file means none."""
    try:
        if st.secrets.load_if_toml_exists():
            return st.secrets.get(name)
    except Exception:  # a malformed secrets file must not take the app down
        log.warning("Could not read .streamlit/secrets.toml; ignoring it")
    return None


def _auth_section() -> Mapping[str, Any] | None:
    section = _secret("auth")
    return section if isinstance(section, Mapping) and section else None


def sign_in_configured() -> bool:
    return _auth_section() is not None


def _providers(section: Mapping[str, Any]) -> list[str | None]:
    """Named providers (`[auth.NAME]` tables with a client_id), else the default one."""
    named = [
        str(name)
        for name, value in section.items()
        if isinstance(value, Mapping) and "client_id" in value
    ]
    return list(named) if named and "client_id" not in section else [None]


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to `address` is reachable from this machine only. An empty
    address (Streamlit's default) listens on every interface."""
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _load_table() -> RoleTable:
    section = _secret(SECTION)
    return role_table(section if section is not None else None, os.environ)


def _signed_in_email() -> str | None:
    """The e-mail the provider vouches for. One it marks as not verified is not used:
    anyone can type an address into an account they make."""
    email = st.user.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    if st.user.get("email_verified") is False:
        return None
    return email.strip()


def sign_out() -> None:
    """End this session's bindings, then Streamlit's sign-in cookie. The client (whose
    key must not outlive the session) is closed, and all of session state goes: the
    client, the drafts and everything pages keep. st.logout needs none of it."""
    disconnect()
    st.session_state.clear()
    st.logout()


def _identity_sidebar(actor: Actor) -> None:
    with st.sidebar:
        st.markdown("**Signed in**")
        st.text(actor.email or "")
        st.caption(f"Role: {actor.role}" if actor.role else "No role")
        if st.button("Sign out", key=SIGN_OUT_BUTTON, icon=":material/logout:"):
            sign_out()
            st.stop()


def _sign_in_page(section: Mapping[str, Any]) -> None:
    st.title(APP_NAME)
    st.markdown("Sign in to see and edit dashboards.")
    for provider in _providers(section):
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=keys.w_sign_in(provider), type="primary"):
            st.login(provider)


def _open_app_notice() -> None:
    if st.session_state.get(OPEN_NOTICE_KEY):
        return
    st.session_state[OPEN_NOTICE_KEY] = True
    if configured_settings() is None:
        return  # demo data: nothing real to change
    # streamlit.config, not st.get_option: the one AppTest's patch_config_options reaches
    if is_loopback(config.get_option("server.address")):
        return
    st.toast(OPEN_APP_NOTICE, icon=":material/lock_open:", duration="infinite")


def gate() -> Actor:
    """Who this run acts for; stops the run on a sign-in or no-access page."""
    ensure_router()  # a deep link's first run must come through app.py, i.e. through here
    section = _auth_section()
    if section is None:
        _open_app_notice()
        st.session_state[ACTOR_KEY] = ANONYMOUS
        return ANONYMOUS
    st.session_state.pop(ACTOR_KEY, None)
    if not st.user.get("is_logged_in", False):
        _sign_in_page(section)
        st.stop()
    try:
        table = _load_table()
    except AccessConfigError as err:
        log.error("Role table not usable: %s", err)
        _identity_sidebar(Actor(email=_signed_in_email(), role=None))
        st.error(err.user_message, icon=":material/error:")
        st.stop()
    if table.empty:
        log.warning("Sign-in is on but [%s] names nobody: every sign-in is refused", SECTION)
    actor = table.actor_for(_signed_in_email())
    _identity_sidebar(actor)
    if actor.role is None:
        st.title(APP_NAME)
        st.error(f"You have no access; ask {actor.contact}.", icon=":material/block:")
        if actor.email is None:
            st.caption("Your sign-in did not give this app a verified e-mail address.")
        st.stop()
    st.session_state[ACTOR_KEY] = actor
    return actor


def current_actor() -> Actor:
    """The actor `gate()` found for this run (running the gate when it has not run, e.g.
    a page file run on its own). Without sign-in it carries the name the person gave for
    the history (`history_name`), read afresh, so a write made in a callback has it."""
    found = st.session_state.get(ACTOR_KEY)
    actor = found if isinstance(found, Actor) else gate()
    if actor.signed_in:
        return actor
    name = history_name()
    return replace(actor, display_name=name) if name else actor


def history_name() -> str | None:
    """The name given once per session for the journal's "who" (no sign-in only)."""
    name = st.session_state.get(keys.S_HISTORY_NAME)
    return name.strip() or None if isinstance(name, str) else None


def set_history_name(name: str | None) -> None:
    st.session_state[keys.S_HISTORY_NAME] = (name or "").strip()[:MAX_HISTORY_NAME]
