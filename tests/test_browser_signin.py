"""Sign-in journeys in Chromium against a real OIDC provider on loopback.

The app gets `[auth]` and `[admin_access]` from a secrets.toml in a temporary folder
(`--secrets.files`), talks to the shared demo API, and sends people to `oidc-provider-mock`,
whose form signs in whoever's e-mail is typed into it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from admin_store import Store
from tests.harness import DemoAPI, StreamlitApp, rerun_after, start_streamlit, wait_for_app
from tests.oidc_harness import HOST, OIDCProvider, auth_secrets_toml, start_oidc_provider
from tests.test_app_editor import make_dashboard

pytestmark = pytest.mark.browser

ACCESS = """
[admin_access]
viewers = ["@example.org"]
editors = ["@example.com"]
admins = ["bob@example.com"]
contact = "it-help@example.com"
"""
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCProvider]:
    provider = start_oidc_provider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def signin_app(
    oidc_provider: OIDCProvider,
    demo_api_server: DemoAPI,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The app with sign-in on; yields its address as the browser must call it."""
    workdir = tmp_path_factory.mktemp("signin_app")
    secrets_file = workdir / "secrets.toml"
    secrets_file.write_text(auth_secrets_toml(oidc_provider, ACCESS))
    app: StreamlitApp = start_streamlit(
        workdir,
        {"CEKURA_BASE_URL": demo_api_server.url, "CEKURA_API_KEY": demo_api_server.api_key},
        args=("--secrets.files", str(secrets_file)),
    )
    yield app.url.replace("127.0.0.1", HOST)
    app.stop()


@pytest.fixture
def signin_page(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (no sign-in cookie). The provider's pages link a stylesheet
    on a CDN; with no internet that request is refused at once instead of timing out."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def sign_in(page: Any, app_url: str, email: str, path: str = "") -> None:
    page.goto(app_url + path)
    wait_for_app(page)
    shown = str(page.locator("body").inner_text())
    assert "Sign in to see and edit dashboards." in shown
    for hidden in ("Connection", "Edit dashboard", "Use your own API key"):
        assert hidden not in shown  # no page list, no sidebar, no page before sign-in
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]')  # the provider's form
    page.fill('input[name="sub"]', email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app_url + "/**")
    wait_for_app(page)


def sidebar_text(page: Any) -> str:
    return str(page.locator('[data-testid="stSidebar"]').inner_text())


def test_a_viewer_signs_in_and_cannot_save(
    signin_app: str, signin_page: Any, demo_api_server: DemoAPI
) -> None:
    page = signin_page
    made = make_dashboard(demo_api_server, "Viewer journey")
    sign_in(page, signin_app, "vera@example.org")
    assert "vera@example.org" in sidebar_text(page)
    assert "Role: viewer" in sidebar_text(page)

    page.get_by_role("button", name="New dashboard").click()
    assert page.get_by_role("button", name="Create dashboard").is_disabled()

    page.goto(f"{signin_app}/editor?dashboard={made['id']}")
    wait_for_app(page)
    name = page.get_by_label("Name", exact=True)
    rerun_after(page, lambda: (name.fill("Viewer wants this"), name.press("Enter")))
    save = page.get_by_role("button", name="Save")
    assert save.is_disabled()
    assert page.get_by_text("Your role (viewer) cannot change dashboards").is_visible()
    assert demo_api_server.get(f"/dashboards/dashboards/{made['id']}/").json()["name"] == (
        "Viewer journey"
    )


def test_an_editor_signs_in_saves_a_rename_and_signs_out(
    signin_app: str, signin_page: Any, demo_api_server: DemoAPI
) -> None:
    page = signin_page
    made = make_dashboard(demo_api_server, "Editor journey")
    sign_in(page, signin_app, "alice@example.com", f"/editor?dashboard={made['id']}")
    assert "alice@example.com" in sidebar_text(page)
    assert "Role: editor" in sidebar_text(page)

    page.goto(f"{signin_app}/editor?dashboard={made['id']}")
    wait_for_app(page)
    name = page.get_by_label("Name", exact=True)
    rerun_after(page, lambda: (name.fill("Editor journey, renamed"), name.press("Enter")))
    save = page.get_by_role("button", name="Save")
    assert save.is_enabled()
    rerun_after(page, save.click)
    server = demo_api_server.get(f"/dashboards/dashboards/{made['id']}/").json()
    assert server["name"] == "Editor journey, renamed"
    # The journal names who saved it: the signed-in e-mail (the app's store, shared with
    # this test through CEKURA_ADMIN_DB_URL).
    store = Store.open(os.environ["CEKURA_ADMIN_DB_URL"])
    try:
        connection = store.connection(demo_api_server.url, demo_api_server.api_key)
        [entry] = store.journal.entries(connection, dashboard_id=made["id"])
    finally:
        store.close()
    assert (entry.actor, entry.kind, entry.outcome) == ("alice@example.com", "update", "saved")

    # Sign-out goes through the provider's end-session page and back to sign-in.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(signin_app + "/**")
    wait_for_app(page)
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert "alice@example.com" not in page.locator("body").inner_text()
    page.goto(f"{signin_app}/editor?dashboard={made['id']}")  # the cookie is gone too
    wait_for_app(page)
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.get_by_label("Name", exact=True).count() == 0


def test_an_unknown_email_sees_only_the_no_access_page(signin_app: str, signin_page: Any) -> None:
    page = signin_page
    sign_in(page, signin_app, "stranger@elsewhere.net")
    assert page.get_by_text("You have no access; ask it-help@example.com.").is_visible()
    main = str(page.locator('[data-testid="stMain"]').inner_text())
    assert "Dashboards" not in main.replace("Cekura Dashboards Admin", "")
    assert page.get_by_role("button", name="Sign out").is_visible()
