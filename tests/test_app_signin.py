"""The sign-in gate through AppTest: `at.secrets` carries `[auth]` and `[admin_access]`,
`at.user` is what the provider said (st.user). The app runs against the shared demo API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from services import state_keys as keys
from services.access import Actor
from services.signin import ACTOR_KEY, OPEN_APP_NOTICE, is_loopback
from tests.harness import ROOT
from tests.test_app_editor import make_dashboard

pytestmark = pytest.mark.app

APP = str(ROOT / "app.py")
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-some-length",
    "client_id": "admin-app",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}
ACCESS = {
    "viewers": ["@example.com"],
    "editors": ["alice@example.com"],
    "admins": ["bob@example.com"],
    "contact": "it-help@example.com",
}


def app(user: dict[str, Any] | None, *, access: Any = ACCESS, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    if access is not None:
        at.secrets["admin_access"] = access
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    if page is not None:
        at.switch_page(page)
    return at


def texts(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "markdown", "caption", "text", "error", "warning", "info"):
        parts += [str(el.value) for el in getattr(at, kind)]
    return "\n".join(parts)


def test_nothing_but_the_sign_in_page_before_sign_in(app_env: Any) -> None:
    at = app(None).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    shown = texts(at)
    assert "Sign in to see and edit dashboards." in shown
    assert "Dashboards" not in [t.value for t in at.title]  # the list page never ran
    assert "Connection" not in shown and app_env.url.split("://")[1] not in shown
    assert ACTOR_KEY not in at.session_state
    assert keys.S_CLIENT not in at.session_state  # no API client was even made


def test_a_deep_link_also_shows_only_the_sign_in_page(app_env: Any) -> None:
    made = make_dashboard(app_env, "Hidden before sign-in")
    at = app(None, page="pages/editor.py")
    at.query_params["dashboard"] = str(made["id"])
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Hidden before sign-in" not in texts(at)


def test_a_viewer_sees_the_list_with_every_write_control_disabled(app_env: Any) -> None:
    make_dashboard(app_env, "Viewer can see me")
    at = app({"email": "Vera@Example.com"}).run()
    assert not at.exception
    assert at.session_state[ACTOR_KEY] == Actor("Vera@Example.com", "viewer")
    assert "Vera@Example.com" in [t.value for t in at.sidebar.text]
    assert "Role: viewer" in [c.value for c in at.sidebar.caption]
    create = at.button(key="FormSubmitter:dash_create_form-Create dashboard")
    assert create.disabled
    assert "Your role (viewer) cannot change dashboards" in create.help
    assert "it-help@example.com" in create.help


def test_a_viewer_cannot_save_in_the_editor(app_env: Any) -> None:
    made = make_dashboard(app_env, "Viewer edit")
    did = made["id"]
    at = app({"email": "vera@example.com"}, page="pages/editor.py")
    at.query_params["dashboard"] = str(did)
    at.run()
    at.text_input(key=f"ed_name_{did}").set_value("Viewer renamed").run()
    save = at.button(key=f"ed_save_{did}")
    assert save.disabled
    assert "cannot change dashboards" in save.help
    assert "cannot change dashboards" in texts(at)  # said beside Save, not only on hover


def test_an_editor_may_save_but_not_delete(app_env: Any) -> None:
    made = make_dashboard(app_env, "Editor edit")
    did = made["id"]
    at = app({"email": "alice@example.com"}, page="pages/editor.py")
    at.query_params["dashboard"] = str(did)
    at.run()
    at.text_input(key=f"ed_name_{did}").set_value("Editor renamed").run()
    save = at.button(key=f"ed_save_{did}")
    assert not save.disabled
    save.click().run()
    assert app_env.get(f"/dashboards/dashboards/{did}/").json()["name"] == "Editor renamed"

    listing = app({"email": "alice@example.com"}).run()
    assert not listing.button(key="FormSubmitter:dash_create_form-Create dashboard").disabled
    assert listing.session_state[ACTOR_KEY].role == "editor"


def test_someone_with_no_role_sees_only_the_no_access_message(app_env: Any) -> None:
    at = app({"email": "stranger@elsewhere.net"}).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["You have no access; ask it-help@example.com."]
    assert "Dashboards" not in [t.value for t in at.title]
    assert [b.label for b in at.button] == ["Sign out"]
    assert ACTOR_KEY not in at.session_state


def test_an_unverified_email_gets_no_role(app_env: Any) -> None:
    at = app({"email": "bob@example.com", "email_verified": False}).run()
    assert [e.value for e in at.error] == ["You have no access; ask it-help@example.com."]
    assert "did not give this app a verified e-mail address" in texts(at)


def test_sign_in_without_any_role_table_lets_nobody_in(app_env: Any) -> None:
    at = app({"email": "bob@example.com"}, access=None).run()
    assert [e.value for e in at.error] == ["You have no access; ask the person who runs this app."]


def test_a_malformed_role_table_stops_the_app_with_the_reason(app_env: Any) -> None:
    at = app({"email": "bob@example.com"}, access={"admins": ["bob@"]}).run()
    assert not at.exception
    [error] = at.error
    assert "[admin_access] admins: 'bob@' is neither an e-mail address" in error.value
    assert "Dashboards" not in [t.value for t in at.title]


def test_sign_out_forgets_the_session_and_returns_to_sign_in(app_env: Any) -> None:
    at = app({"email": "alice@example.com"}).run()
    assert keys.S_CLIENT in at.session_state
    pools = at.session_state[keys.S_CLIENT]._session.adapters["http://"].poolmanager.pools
    assert len(pools) > 0  # the list page's reads left a connection open
    at.button(key=keys.W_SIGN_OUT).click().run()
    assert not at.exception
    assert at.user == {"is_logged_in": False}
    assert keys.S_CLIENT not in at.session_state and ACTOR_KEY not in at.session_state
    assert not any(str(k).startswith("dash_") for k in at.session_state)
    assert len(pools) == 0  # the client was closed, not just forgotten
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]


def test_without_sign_in_everyone_may_do_everything_as_before(app_env: Any) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    actor = at.session_state[ACTOR_KEY]
    assert actor.email is None and actor.role == "admin"
    assert not at.button(key="FormSubmitter:dash_create_form-Create dashboard").disabled
    assert "Signed in" not in texts(at)


def test_an_open_app_with_a_real_key_says_so_once_per_session(app_env: Any) -> None:
    with patch_config_options({"server.address": "0.0.0.0"}):  # noqa: S104 - the point
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert [t.value for t in at.toast] == [OPEN_APP_NOTICE]
        at.run()
        assert OPEN_APP_NOTICE not in [t.value for t in at.toast]


def test_no_notice_on_loopback_or_on_demo_data(
    app_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.demo_server import demo_server

    with patch_config_options({"server.address": "127.0.0.1"}):
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert OPEN_APP_NOTICE not in [t.value for t in at.toast]
    monkeypatch.delenv("CEKURA_API_KEY")
    # demo mode; a file where its data folder should be keeps the demo server from starting
    (tmp_path / "blocker").write_text("")
    monkeypatch.setenv("CEKURA_DEMO_DB", str(tmp_path / "blocker" / "demo.sqlite3"))
    demo_server.clear()
    with patch_config_options({"server.address": ""}):
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert OPEN_APP_NOTICE not in [t.value for t in at.toast]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("", False),
        (None, False),
        ("0.0.0.0", False),  # noqa: S104
        ("192.168.1.5", False),
        ("admin.example.com", False),
    ],
)
def test_which_addresses_count_as_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback
