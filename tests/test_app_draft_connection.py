"""Issue 14, reproduction 5: a key pasted in the sidebar is dropped (a reload, a
disconnect) and the tab falls back to the configured key while the URL still names the same
dashboard id: an edit was then saved to the other account. Now every draft says next to
Save which account it is for, and a draft started on one account is never sent on another."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import DemoAPI, start_demo_api
from tests.test_app_editor import APP, draft_of

pytestmark = pytest.mark.app


@pytest.fixture
def other_account(tmp_path: Path) -> Iterator[DemoAPI]:
    """A second Cekura-compatible API with its own key: "the other account"."""
    api = start_demo_api(tmp_path, calls=200, faults=False)
    yield api
    api.stop()


def _name(api: DemoAPI, dashboard_id: int) -> str:
    response = api.get(f"/dashboards/dashboards/{dashboard_id}/")
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption).replace("\\", "").replace("\u200d", "")


def _errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error).replace("\\", "").replace("\u200d", "")


def _paste(at: AppTest, api: DemoAPI) -> None:
    at.text_input(key=keys.W_CONN_API_KEY).input(api.api_key)
    at.selectbox(key=keys.W_CONN_BASE_URL).select(api.url)
    [b for b in at.sidebar.button if b.label == "Connect"][0].click().run()
    assert at.session_state[keys.S_CONNECTION].mode == "pasted"


def _open(at: AppTest, dashboard_id: int) -> None:
    at.query_params["dashboard"] = str(dashboard_id)
    at.switch_page("pages/editor.py")
    at.run()
    assert not at.exception, at.exception


def _same_id_on_both(configured: DemoAPI, other: DemoAPI) -> int:
    mine = other.get("/dashboards/dashboards/", params={"page_size": 1}).json()["results"][0]
    assert configured.get(f"/dashboards/dashboards/{mine['id']}/").status_code == 200
    return int(mine["id"])


def test_repro5_a_draft_from_a_dropped_key_is_not_saved_to_the_configured_account(
    app_env: DemoAPI, other_account: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_ALLOWED_BASE_URLS", other_account.url)
    did = _same_id_on_both(app_env, other_account)
    configured_before = _name(app_env, did)
    other_before = _name(other_account, did)

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    _paste(at, other_account)
    _open(at, did)
    other_host = other_account.url.split("://", 1)[1]
    assert f"Saves to {other_host}, your key" in _captions(at)
    at.text_input(key=keys.w_ed_name(did)).input("Edited on the pasted key").run()
    assert draft_of(at, did).is_dirty()

    # The pasted key is dropped: the tab is on the configured account, same dashboard id.
    at.button(key=keys.W_CONN_DISCONNECT).click().run()
    assert not at.exception, at.exception
    assert at.session_state[keys.S_CONNECTION].mode == "configured"
    assert at.button(key=keys.w_ed_save(did)).disabled
    said = _errors(at)
    assert "This draft was started on " + other_host in said
    assert "is not allowed" in said
    assert _name(app_env, did) == configured_before
    assert _name(other_account, did) == other_before

    # Reconnecting with the same key is the same account: the draft may be saved there.
    _paste(at, other_account)
    _open(at, did)
    assert not at.button(key=keys.w_ed_save(did)).disabled
    at.button(key=keys.w_ed_save(did)).click().run()
    assert _name(other_account, did) == "Edited on the pasted key"
    assert _name(app_env, did) == configured_before


def _save_after_the_key_is_dropped(url: str, api_key: str, dashboard_id: int) -> None:
    """One script run: a draft started on a pasted key, the key dropped, Save called."""
    import streamlit as st

    from services import reads
    from services.connection import connect_with_key, current_connection, disconnect, get_client
    from services.drafts import start_draft
    from services.save import save

    assert connect_with_key(api_key, url)
    draft = start_draft(reads.load_dashboard(dashboard_id))
    draft.change(name="Sent to the wrong account")
    disconnect()
    before = get_client().request_count
    save(dashboard_id)
    st.session_state["sent"] = get_client().request_count - before
    st.session_state["mode"] = current_connection().mode


def test_repro5_the_save_service_refuses_a_draft_of_another_account(
    app_env: DemoAPI, other_account: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_ALLOWED_BASE_URLS", other_account.url)
    did = _same_id_on_both(app_env, other_account)
    before = _name(app_env, did), _name(other_account, did)
    at = AppTest.from_function(
        _save_after_the_key_is_dropped,
        args=(other_account.url, other_account.api_key, did),
        default_timeout=60,
    )
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["mode"] == "configured"
    assert at.session_state["sent"] == 0
    assert (_name(app_env, did), _name(other_account, did)) == before


def test_repro5_after_a_reload_the_editor_says_which_account_it_saves_to(
    app_env: DemoAPI, other_account: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_ALLOWED_BASE_URLS", other_account.url)
    did = _same_id_on_both(app_env, other_account)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    _paste(at, other_account)
    _open(at, did)
    # A reload is a new session: the pasted key is gone, the URL still names `did`.
    reloaded = AppTest.from_file(str(APP), default_timeout=60)
    _open(reloaded, did)
    app_host = app_env.url.split("://", 1)[1]
    assert f"Saves to {app_host}, the app's key" in _captions(reloaded)
    assert other_account.url.split("://", 1)[1] not in _captions(reloaded)


def test_repro5_a_draft_of_another_account_can_be_discarded(
    app_env: DemoAPI, other_account: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_ALLOWED_BASE_URLS", other_account.url)
    did = _same_id_on_both(app_env, other_account)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    _paste(at, other_account)
    _open(at, did)
    at.text_input(key=keys.w_ed_name(did)).input("Never saved").run()
    started_on: Any = draft_of(at, did).connection
    at.button(key=keys.W_CONN_DISCONNECT).click().run()
    at.button(key=keys.w_ed_drop_draft(did)).click().run()
    assert not at.exception, at.exception
    fresh = draft_of(at, did)
    assert fresh.connection.account != started_on.account
    assert fresh.name == _name(app_env, did)
    assert not fresh.is_dirty()
    assert not [e for e in at.error if "was started on" in str(e.value)]
