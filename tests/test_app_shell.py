"""The app shell through AppTest: router, connection sidebar, pasted keys, demo mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import DemoAPI

pytestmark = pytest.mark.app


APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at


def all_text(at: AppTest) -> str:
    """Every piece of text the page shows (markdown, captions, alerts, text, inputs)."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "text", "error", "warning", "info", "success", "title"):
        parts += [str(el.value) for el in getattr(at, kind)]
    parts += [str(el.value) for el in at.text_input]
    return "\n".join(parts)


def test_configured_connection_shows_in_sidebar_without_error(app_env: DemoAPI) -> None:
    at = run_app()
    assert not at.exception
    sidebar = "\n".join(str(el.value) for el in at.sidebar.success)
    assert "Using the Cekura API" in sidebar
    host = app_env.url.split("://", 1)[1]
    assert host in [el.value for el in at.sidebar.text]
    assert at.session_state[keys.S_CONNECTION].mode == "configured"
    # The configured key is never shown anywhere on the page.
    assert app_env.api_key not in all_text(at)


def test_wrong_key_shows_a_clear_message_not_a_traceback(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_API_KEY", "wrong-key")
    at = run_app()
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "API key was not accepted" in errors.replace("\\", "")
    assert any(b.label == "Retry" for b in at.button)


def test_pasted_key_is_used_then_forgotten(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Start with a bad configured key, then paste the good one: the session switches.
    monkeypatch.setenv("CEKURA_API_KEY", "wrong-key")
    at = run_app()
    at.text_input(key="conn_api_key_input").input(app_env.api_key)
    at.selectbox(key="conn_base_url_input").select(app_env.url)  # the configured address
    submit = [b for b in at.sidebar.button if b.label == "Connect"]
    assert submit, "the Connect button is in the sidebar form"
    submit[0].click().run()
    assert not at.exception
    conn = at.session_state[keys.S_CONNECTION]
    assert conn.mode == "pasted"
    # The key field is gone (the form only shows when no key is pasted) and kept nothing.
    assert not [t for t in at.text_input if t.key == "conn_api_key_input"]
    assert app_env.api_key not in all_text(at)
    assert "Connected with your API key" in " ".join(str(s.value) for s in at.sidebar.success)
    # The list now loads with the pasted key (no 401 error on the page).
    assert not [e for e in at.error if "not accepted" in str(e.value)]
    # Disconnect: back to the configured (bad) key.
    at.button(key="conn_disconnect").click().run()
    assert at.session_state[keys.S_CONNECTION].mode == "configured"


def test_pasted_wrong_key_is_refused_and_not_kept(app_env: DemoAPI) -> None:
    at = run_app()
    at.text_input(key="conn_api_key_input").input("not-a-real-key")
    [b for b in at.sidebar.button if b.label == "Connect"][0].click().run()
    assert not at.exception
    assert at.session_state[keys.S_CONNECTION].mode == "configured"
    assert "Could not connect with that key" in " ".join(str(e.value) for e in at.sidebar.error)
    assert at.text_input(key="conn_api_key_input").value == ""
    assert "not-a-real-key" not in all_text(at)


def test_demo_mode_starts_embedded_api_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.demo_server import demo_server

    monkeypatch.delenv("CEKURA_API_KEY", raising=False)
    monkeypatch.delenv("CEKURA_BASE_URL", raising=False)
    monkeypatch.setenv("CEKURA_DEMO_DB", str(tmp_path / "demo.sqlite3"))
    monkeypatch.setenv("CEKURA_DEMO_CALLS", "300")
    demo_server.clear()
    try:
        at = run_app()
        assert not at.exception
        assert "demo data" in " ".join(str(i.value) for i in at.sidebar.info)
        conn = at.session_state[keys.S_CONNECTION]
        assert conn.mode == "demo"
        assert conn.base_url.startswith("http://127.0.0.1:")
        assert (tmp_path / "demo.sqlite3").exists()
        # A second session in the same process reuses the same server (once per process).
        again = run_app()
        assert again.session_state[keys.S_CONNECTION].base_url == conn.base_url
        # The list page rendered seeded dashboards from the demo API.
        assert at.dataframe, "the dashboards table is shown"
        # The editor's "send it yourself" snippets say their key is the demo server's.
        board = at.session_state[keys.S_CLIENT].list_dashboards().results[0].id
        editor = AppTest.from_file(APP, default_timeout=TIMEOUT)
        editor.query_params["dashboard"] = str(board)
        editor.switch_page("pages/editor.py").run()
        editor.text_input(key=f"ed_name_{board}").input("Renamed in the demo").run()
        editor.button(key=f"ed_preview_{board}").click().run()
        assert not editor.exception, editor.exception
        captions = " ".join(str(c.value) for c in editor.caption)
        assert "the address and the masked key below are the demo server's" in captions
    finally:
        demo_server().running.stop()
        demo_server.clear()


def test_connection_page_explains_keys(app_env: DemoAPI) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/connection.py").run()
    assert not at.exception
    text = all_text(at)
    assert "Use your own API key" in text
    assert "CEKURA_API_KEY" in text
    assert app_env.api_key not in text


def test_key_from_streamlit_secrets_is_used(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CEKURA_API_KEY")
    monkeypatch.delenv("CEKURA_BASE_URL")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["CEKURA_API_KEY"] = app_env.api_key
    at.secrets["CEKURA_BASE_URL"] = app_env.url
    at.run()
    assert not at.exception
    assert at.session_state[keys.S_CONNECTION].mode == "configured"
    assert at.session_state[keys.S_CONNECTION].base_url == app_env.url
    assert [df for df in at.dataframe if str(df.key).startswith("dash_table_")]


def test_demo_server_that_cannot_start_shows_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.demo_server import demo_server

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.delenv("CEKURA_API_KEY", raising=False)
    monkeypatch.delenv("CEKURA_BASE_URL", raising=False)
    monkeypatch.setenv("CEKURA_DEMO_DB", str(blocker / "demo.sqlite3"))
    demo_server.clear()
    at = run_app()
    assert not at.exception
    shown = " ".join(str(e.value) for e in at.error).replace("\\", "")
    assert "Could not start the built-in demo data server" in shown
    assert any(b.label == "Retry" for b in at.button)


def test_rerun_of_the_list_sends_no_request(app_env: DemoAPI) -> None:
    at = run_app()
    client = at.session_state[keys.S_CLIENT]
    before = client.request_count
    assert before >= 2  # projects and the first page of dashboards
    at.run()
    assert not at.exception
    assert client.request_count == before


def _reads_script() -> None:
    import streamlit as st

    from services import reads
    from services.connection import get_client

    client = get_client()
    target = int(st.session_state["target"])
    start = client.request_count
    first = reads.load_dashboard(target)
    again = reads.load_dashboard(target)
    st.session_state["gets_for_two_loads"] = client.request_count - start
    st.session_state["same_object"] = first is again
    saved = client.update_dashboard(dashboard_id=target, changes={"name": "Renamed by reads test"})
    reads.remember_dashboard(saved)
    start = client.request_count
    st.session_state["name_after_remember"] = reads.load_dashboard(target).name
    st.session_state["gets_after_remember"] = client.request_count - start
    reads.forget_dashboard(target)
    start = client.request_count
    reads.load_dashboard(target)
    st.session_state["gets_after_forget"] = client.request_count - start


def test_reads_are_cached_per_session_and_replaced_after_writes(app_env: DemoAPI) -> None:
    made = app_env.post("/dashboards/dashboards/", json={"name": "Reads test"}).json()
    at = AppTest.from_function(_reads_script, default_timeout=TIMEOUT)
    at.session_state["target"] = made["id"]
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["gets_for_two_loads"] == 1
    assert at.session_state["same_object"] is True
    assert at.session_state["name_after_remember"] == "Renamed by reads test"
    assert at.session_state["gets_after_remember"] == 0
    assert at.session_state["gets_after_forget"] == 1
    # Another session (another user) starts with nothing cached and its own client.
    other = AppTest.from_function(_reads_script, default_timeout=TIMEOUT)
    other.session_state["target"] = made["id"]
    other.run()
    assert other.session_state["gets_for_two_loads"] == 1
    assert other.session_state[keys.S_CLIENT] is not at.session_state[keys.S_CLIENT]
