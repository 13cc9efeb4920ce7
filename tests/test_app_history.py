"""The History page, the editor's History section, drafts kept in the store and import,
through AppTest against the shared demo API over real HTTP and the run's store (a
SQLite file, conftest.py). Each test makes dashboards of its own and narrows the journal
to them (other tests write to the same journal)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import ROOT, DemoAPI
from tests.test_app_editor import button, draft_of, make_dashboard, open_editor, server_copy

pytestmark = pytest.mark.app

APP = ROOT / "app.py"


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    )
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def open_history(at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page("pages/history.py")
    at.run()
    assert not at.exception, at.exception
    return at


def only_dashboard(at: AppTest, dashboard_id: int) -> AppTest:
    at.number_input(key=keys.w_hist("dashboard", 0)).set_value(dashboard_id).run()
    assert not at.exception, at.exception
    return at


def rename_and_save(at: AppTest, did: int, name: str) -> None:
    at.text_input(key=keys.w_ed_name(did)).input(name).run()
    button(at, keys.w_ed_save(did)).click().run()
    assert not at.exception, at.exception


def store_file() -> Path:
    url = os.environ["CEKURA_ADMIN_DB_URL"]
    assert url.startswith("sqlite:///"), url
    return Path(url.removeprefix("sqlite:///"))


def test_the_history_lists_filters_and_diffs_this_connections_saves(app_env: DemoAPI) -> None:
    made = make_dashboard(app_env, "History board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=keys.W_HISTORY_NAME).input("Hedda").run()
    rename_and_save(at, did, "History board v2")
    assert server_copy(app_env, did)["name"] == "History board v2"

    at = only_dashboard(open_history(at), did)
    shown = texts(at)
    assert "Changed “History board v2”" in shown
    assert "Renamed 'History board' to 'History board v2'" in shown
    assert "by Hedda" in shown and "saved" in shown
    [entry_id] = _entry_ids(at)
    at.toggle(key=keys.w_hist_entry("diff", entry_id)).set_value(True).run()
    diff = "\n".join(str(c.value) for c in at.code)
    assert '-  "name": "History board",' in diff and '+  "name": "History board v2",' in diff

    # a second save without a name is anonymous's, newest first
    at = open_editor(did)
    at.text_input(key=keys.W_HISTORY_NAME).input("").run()
    rename_and_save(at, did, "History board v3")
    at = only_dashboard(open_history(at), did)
    newest, older = _entry_ids(at)
    assert older == entry_id
    at.selectbox(key=keys.w_hist("person", 0)).set_value("anonymous").run()
    assert _entry_ids(at) == [newest]
    at.selectbox(key=keys.w_hist("person", 0)).set_value("Hedda").run()
    assert _entry_ids(at) == [entry_id]
    at.selectbox(key=keys.w_hist("kind", 0)).set_value("delete").run()
    assert _entry_ids(at) == []
    at.selectbox(key=keys.w_hist("kind", 0)).set_value("update").run()
    at.selectbox(key=keys.w_hist("outcome", 0)).set_value("refused").run()
    assert _entry_ids(at) == []
    at.selectbox(key=keys.w_hist("outcome", 0)).set_value("saved").run()
    assert _entry_ids(at) == [entry_id]


def _entry_ids(at: AppTest) -> list[int]:
    """The journal entries on screen, by their diff toggles."""
    prefix = "histentry_diff_"
    return [int(t.key.removeprefix(prefix)) for t in at.toggle if t.key.startswith(prefix)]


def test_another_api_key_sees_none_of_it(app_env: DemoAPI, monkeypatch: Any) -> None:
    made = make_dashboard(app_env, "Private board")
    did = made["id"]
    rename_and_save(open_editor(did), did, "Private board v2")
    assert _entry_ids(only_dashboard(open_history(), did))
    monkeypatch.setenv("CEKURA_API_KEY", "another-key-" + "x" * 20)
    other = open_history()
    assert all("Private board" not in str(m.value) for m in other.markdown), (
        "entries of another key"
    )
    assert _entry_ids(only_dashboard(other, did)) == []
    assert "No changes recorded" in texts(other)


def test_an_unknown_outcome_is_said_plainly_and_a_reread_tells(app_env: DemoAPI) -> None:
    made = make_dashboard(app_env, "Unknown board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=keys.w_ed_name(did)).input("Unknown board saved").run()
    app_env.arm_fault(
        method="PATCH", path=f"/dashboards/dashboards/{did}/", kind="reset_after_commit", times=1
    )
    try:
        button(at, keys.w_ed_save(did)).click().run()
    finally:
        app_env.clear_faults()
    at = only_dashboard(open_history(at), did)
    [entry_id] = _entry_ids(at)
    assert "Outcome unknown" in texts(at)
    at.button(key=keys.w_hist_entry("reread", entry_id)).click().run()
    assert "The server has this change: it was saved." in texts(at)
    # the outcome filter finds it under "unknown"
    at.selectbox(key=keys.w_hist("outcome", 0)).set_value("unknown").run()
    assert _entry_ids(at) == [entry_id]


def test_restore_the_first_version_through_a_conflict(app_env: DemoAPI) -> None:
    made = make_dashboard(app_env, "Restore board")
    did = made["id"]
    at = open_editor(did)
    rename_and_save(at, did, "Restore board v2")
    rename_and_save(at, did, "Restore board v3")
    at.switch_page("pages/editor.py")
    at.query_params["dashboard"] = str(did)
    at.run()
    # the editor's History section compares the first and the last version
    first = at.selectbox(key=keys.w_hist_version("a", did, 3))
    last = at.selectbox(key=keys.w_hist_version("b", did, 3))
    assert "before entry" in first.format_func(first.value)
    assert "after entry" in last.format_func(last.value)
    shown = texts(at)
    assert "Renamed 'Restore board' to 'Restore board v3'" in shown
    at.button(key=keys.w_hist("restore_a", did)).click().run()
    assert not at.exception, at.exception
    draft = draft_of(at, did)
    assert draft.name == "Restore board" and draft.restoring_entry_id is not None
    assert at.query_params["draft"] == [draft.token] or at.query_params["draft"] == draft.token
    # someone else saves meanwhile: Save stops with the conflict panel
    assert (
        app_env.patch(f"/dashboards/dashboards/{did}/", json={"project": None}).status_code == 200
    )
    button(at, keys.w_ed_save(did)).click().run()
    assert draft_of(at, did).save_issue.kind == "conflict"
    assert server_copy(app_env, did)["name"] == "Restore board v3"
    button(at, keys.w_ed_reload_theirs(did)).click().run()
    button(at, keys.w_ed_save(did)).click().run()
    after = server_copy(app_env, did)
    assert after["name"] == "Restore board" and after["project"] is None
    at = only_dashboard(open_history(at), did)
    at.selectbox(key=keys.w_hist("kind", 0)).set_value("restore").run()
    assert len(_entry_ids(at)) == 1
    assert "Restored “Restore board”" in texts(at)


def test_a_draft_survives_a_new_session_and_its_row_holds_no_key(app_env: DemoAPI) -> None:
    made = make_dashboard(app_env, "Kept board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=keys.w_ed_name(did)).input("Kept board, unsaved").run()
    token = draft_of(at, did).token
    assert token and at.query_params["draft"] in (token, [token])
    assert app_env.api_key.encode() not in b"".join(
        p.read_bytes() for p in store_file().parent.glob(store_file().name + "*")
    )
    # a reload is a new session: the URL brings the draft back
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params["dashboard"] = str(did)
    again.query_params["draft"] = token
    again.switch_page("pages/editor.py")
    again.run()
    assert not again.exception, again.exception
    assert again.text_input(key=keys.w_ed_name(did)).value == "Kept board, unsaved"
    assert "Reopened your unsaved draft" in texts(again)
    assert draft_of(again, did).is_dirty()
    # the open drafts list links to it with both parameters
    listing = AppTest.from_file(str(APP), default_timeout=60)
    listing.switch_page("pages/editor.py")
    listing.run()
    links = [link for link in listing.page_link if "Kept board" in link.label]
    assert links and parse_qs(links[0].query_string) == {"dashboard": [str(did)], "draft": [token]}
    # saved: the stored draft goes, and the token leaves the URL
    button(again, keys.w_ed_save(did)).click().run()
    assert server_copy(app_env, did)["name"] == "Kept board, unsaved"
    assert "draft" not in again.query_params
    gone = AppTest.from_file(str(APP), default_timeout=60)
    gone.query_params["dashboard"] = str(did)
    gone.query_params["draft"] = token
    gone.switch_page("pages/editor.py")
    gone.run()
    assert "no longer kept" in texts(gone)


def test_a_draft_older_than_the_server_copy_opens_with_the_conflict_view(
    app_env: DemoAPI,
) -> None:
    made = make_dashboard(app_env, "Stale draft board")
    did = made["id"]
    at = open_editor(did)
    at.text_input(key=keys.w_ed_name(did)).input("Stale draft board, mine").run()
    token = draft_of(at, did).token
    response = app_env.patch(f"/dashboards/dashboards/{did}/", json={"name": "Theirs"})
    assert response.status_code == 200
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params["dashboard"] = str(did)
    again.query_params["draft"] = token
    again.switch_page("pages/editor.py")
    again.run()
    assert not again.exception, again.exception
    assert draft_of(again, did).save_issue.kind == "conflict"
    assert "older than the dashboard on the server" in texts(again)
    assert again.button(key=keys.w_ed_reload_theirs(did)) is not None
    assert server_copy(app_env, did)["name"] == "Theirs"


def test_import_checks_the_file_then_creates_dashboards_with_widgets(app_env: DemoAPI) -> None:
    made = make_dashboard(app_env, "Export me")
    widget = {"dashboard": made["id"], "name": "Durations", "chart_type": "line"}
    widget |= {"field": "duration", "aggregation_function": "avg", "time_period": "day"}
    assert app_env.post("/dashboards/widgets/", json=widget).status_code == 201
    from cekura_dashboards.models import Dashboard
    from cekura_dashboards.transfer import export_document

    good = export_document([Dashboard.model_validate(server_copy(app_env, made["id"]))])
    bad_doc = json.loads(good)
    bad_doc["dashboards"][0]["widgets"][0]["chart_type"] = "pie"
    bad_doc["dashboards"][0]["filters"] = {"field": "duration", "op": "gte", "value": "long"}

    at = open_history()
    at.text_area(key=keys.W_HIST_IMPORT_TEXT).input(json.dumps(bad_doc)).run()
    at.button(key=keys.W_HIST_IMPORT_CHECK).click().run()
    shown = texts(at)
    assert "numeric field can be shown as line, bar, not pie" in shown
    assert "filter" in shown and at.button(key=keys.W_HIST_IMPORT_GO).disabled

    at.text_area(key=keys.W_HIST_IMPORT_TEXT).input(good).run()
    at.button(key=keys.W_HIST_IMPORT_CHECK).click().run()
    assert "This import creates 1 new dashboard" in texts(at)
    at.button(key=keys.W_HIST_IMPORT_GO).click().run()
    assert not at.exception, at.exception
    imported = [str(s.value) for s in at.success if "Imported" in str(s.value)]
    new_ids = [int(text.split("as dashboard ")[1].split()[0]) for text in imported]
    assert len(new_ids) == 1 and new_ids[0] != made["id"]
    copy = server_copy(app_env, new_ids[0])
    assert copy["name"] == "Export me" and copy["filters"] == made["filters"]
    assert [(w["name"], w["chart_type"]) for w in copy["widgets"]] == [("Durations", "line")]
    at = only_dashboard(open_history(at), new_ids[0])
    at.selectbox(key=keys.w_hist("kind", 0)).set_value("import").run()
    assert len(_entry_ids(at)) == 2  # the dashboard, then its widgets
