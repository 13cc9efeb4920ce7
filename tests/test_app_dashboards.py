"""The dashboards list page through AppTest, against the demo API over real HTTP."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import DemoAPI

pytestmark = pytest.mark.app


APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60
XSS_NAMES = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def tables(at: AppTest) -> list[Any]:
    """The dashboards table (its key is `dash_table_<n>`: a new n clears the selection)."""
    return [df for df in at.dataframe if str(df.key).startswith("dash_table_")]


def table(at: AppTest) -> Any:
    frames = tables(at)
    assert frames, "the dashboards table is on the page"
    return frames[0].value


def captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def api_create(api: DemoAPI, name: str, project: int | None) -> dict[str, Any]:
    resp = api.post("/dashboards/dashboards/", json={"name": name, "project": project})
    resp.raise_for_status()
    return dict(resp.json())


def api_projects(api: DemoAPI) -> list[dict[str, Any]]:
    data = api.get("/user/v1/projects/").json()
    return list(data["results"] if isinstance(data, dict) else data)


def api_dashboards(api: DemoAPI, **params: Any) -> dict[str, Any]:
    return dict(api.get("/dashboards/dashboards/", params={"page_size": 100, **params}).json())


def search(at: AppTest, text: str) -> None:
    at.text_input(key="dash_search_input").input(text).run()
    assert not at.exception, at.exception


def select_row(at: AppTest, row: int) -> None:
    (frame,) = tables(at)
    at.session_state[frame.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception


def test_list_shows_dashboards_with_project_names(app_env: DemoAPI) -> None:
    projects = {p["id"]: p["name"] for p in api_projects(app_env)}
    listed = api_dashboards(app_env, page_size=25)
    at = run_app()
    frame = table(at)
    assert list(frame.columns[:4]) == ["Name", "Project", "Widgets", "Last update"]
    assert len(frame) == min(25, listed["count"])
    first = listed["results"][0]
    row = frame[frame["ID"] == first["id"]].iloc[0]
    assert row["Project"] == projects.get(first["project"], "No project")
    assert row["Widgets"] == int(first["widget_count"])  # the API sends it as text
    assert row["Last update"].endswith("ago") or row["Last update"] in ("just now", "yesterday")
    assert f"of {listed['count']:,} dashboards" in captions(at)


def test_search_narrows_the_list_server_side(app_env: DemoAPI) -> None:
    name = unique("Zebra search target")
    api_create(app_env, name, None)
    at = run_app()
    search(at, name.split(" ", 3)[-1])  # the random suffix only
    frame = table(at)
    assert list(frame["Name"]) == [name]
    assert "Showing 1–1 of 1 dashboard." in captions(at)
    # No match: the empty state offers to clear the search.
    search(at, "no dashboard is called this " + secrets.token_hex(4))
    assert not tables(at)
    assert any("No dashboards match" in str(m.value) for m in at.markdown)
    at.button(key="dash_clear_search").click().run()
    assert len(table(at)) > 1


def test_project_filter_narrows_the_list(app_env: DemoAPI) -> None:
    project = api_projects(app_env)[0]
    api_create(app_env, unique("Project filter"), project["id"])
    expected = api_dashboards(app_env, project_id=project["id"])["count"]
    at = run_app()
    at.selectbox(key="dash_project_input").set_value(project["id"]).run()
    assert not at.exception
    frame = table(at)
    assert set(frame["Project"]) == {project["name"]}
    assert f"of {expected:,} dashboards" in captions(at)
    # Options are project names, not ids.
    assert project["name"] in at.selectbox(key="dash_project_input").options


def test_pages_of_results(app_env: DemoAPI) -> None:
    for _ in range(12):  # enough for at least three pages of ten
        api_create(app_env, unique("Paging"), None)
    total = api_dashboards(app_env)["count"]
    at = run_app()
    at.selectbox(key="dash_page_size_input").select(10).run()
    assert len(table(at)) == 10
    assert f"Showing 1–10 of {total:,} dashboards" in captions(at)
    first_page_ids = set(table(at)["ID"])
    pager = [w for w in at.get("pagination") if w.key == "dash_page_input"][0]
    pager.set_value(2).run()
    assert not at.exception
    assert f"Showing 11–20 of {total:,} dashboards" in captions(at)
    assert not first_page_ids & set(table(at)["ID"])
    # The page and page size survive a visit to another page.
    at.switch_page("pages/connection.py").run()
    at.switch_page("pages/dashboards.py").run()
    assert f"Showing 11–20 of {total:,} dashboards" in captions(at)


def test_create_makes_a_dashboard(app_env: DemoAPI) -> None:
    project = api_projects(app_env)[-1]
    name = unique("Created in the app")
    at = run_app()
    at.text_input(key="dash_create_name").input(name)
    at.selectbox(key="dash_create_project").select(project["id"])
    [b for b in at.button if b.label == "Create dashboard"][0].click().run()
    assert not at.exception
    made = [d for d in api_dashboards(app_env, search=name)["results"] if d["name"] == name]
    assert len(made) == 1 and made[0]["project"] == project["id"]
    # the popover is gone with the page: the new dashboard is open in the editor
    assert at.query_params.get("dashboard") == str(made[0]["id"])
    assert not tables(at), "left the list page"


def test_create_without_a_name_is_refused_kindly(app_env: DemoAPI) -> None:
    before = api_dashboards(app_env)["count"]
    at = run_app()
    [b for b in at.button if b.label == "Create dashboard"][0].click().run()
    assert not at.exception
    assert any("Give the new dashboard a name" in str(w.value) for w in at.warning)
    assert api_dashboards(app_env)["count"] == before


def test_duplicate_copies_with_a_new_name(app_env: DemoAPI) -> None:
    source = api_create(app_env, unique("Original"), None)
    at = run_app()
    search(at, source["name"])
    select_row(at, 0)
    copy_name = unique("The copy")
    name_box = at.text_input(key=f"dash_dup_name_{source['id']}")
    assert name_box.value == f"Copy of {source['name']}"
    name_box.input(copy_name)
    at.button(key="dash_dup_confirm").click().run()
    assert not at.exception
    copies = [d for d in api_dashboards(app_env, search=copy_name)["results"]]
    assert [d["name"] for d in copies] == [copy_name]


def test_delete_asks_in_a_dialog_then_deletes(app_env: DemoAPI) -> None:
    doomed = api_create(app_env, unique("Delete me"), None)
    at = run_app()
    search(at, doomed["name"])
    select_row(at, 0)
    at.button(key="dash_delete").click().run()
    assert not at.exception
    # Asked, not yet deleted; the dialog names the dashboard.
    assert at.session_state[keys.S_DASH_PENDING_DELETE]["id"] == doomed["id"]
    assert app_env.get(f"/dashboards/dashboards/{doomed['id']}/").status_code == 200
    shown = "\n".join(str(m.value).replace("\\", "") for m in at.markdown)
    assert doomed["name"] in shown
    # The confirm button lives in st.dialog; AppTest cannot press it, so the browser
    # tests do. Here we run the same callback the button runs.
    confirm = at.button(key="dash_delete_confirm")
    confirm.click().run()
    assert not at.exception
    assert app_env.get(f"/dashboards/dashboards/{doomed['id']}/").status_code == 404
    assert keys.S_DASH_PENDING_DELETE not in at.session_state
    assert any("Deleted" in str(s.value) for s in at.success)


def test_api_failure_shows_message_and_retry(
    app_env: DemoAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_API_KEY", "wrong-key")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert any("not accepted" in str(e.value) for e in at.error)
    assert at.button(key="dash_projects_retry")
    monkeypatch.setenv("CEKURA_API_KEY", app_env.api_key)
    # A new session with the right key loads fine (nothing cached across sessions).
    assert len(run_app().dataframe) >= 1


def test_names_from_the_api_are_shown_as_text(app_env: DemoAPI) -> None:
    made = [api_create(app_env, name, None) for name in XSS_NAMES]
    at = run_app()
    search(at, "x")
    for dashboard in made:
        search(at, dashboard["name"])
        assert dashboard["name"] in list(table(at)["Name"])
        select_row(at, list(table(at)["Name"]).index(dashboard["name"]))
        # Shown in markdown only with every special escaped, so it renders as literal text.
        names = [str(m.value) for m in at.markdown if "alert" in str(m.value)]
        assert names, "the selected dashboard's name is shown"
        for value in names:
            assert not re.search(r"(?<!\\)[<>\[\]()]", value), value


def test_open_goes_to_the_editor_with_the_id_in_the_url(app_env: DemoAPI) -> None:
    target = api_create(app_env, unique("Open me"), None)
    at = run_app()
    search(at, target["name"])
    select_row(at, 0)
    at.button(key="dash_open").click().run()
    assert at.query_params.get("dashboard") == str(target["id"])
    assert not tables(at), "left the list page"


def test_clicking_a_name_opens_that_dashboard_and_ticks_still_select(app_env: DemoAPI) -> None:
    first = api_create(app_env, unique("Name click A"), None)
    second = api_create(app_env, unique("Name click B"), None)
    at = run_app()
    search(at, "Name click")
    names = list(table(at)["Name"])
    (frame,) = tables(at)
    # ticking two rows selects both; nothing opens
    rows = [names.index(first["name"]), names.index(second["name"])]
    at.session_state[frame.key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()
    assert not at.exception and tables(at)
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "2 dashboards selected" in shown
    assert at.button(key="dash_open").disabled and at.button(key="dash_delete").disabled
    # a click on a name (a cell of the Name column) opens it
    cell = {"rows": [], "columns": [], "cells": [[names.index(second["name"]), "Name"]]}
    at.session_state[frame.key] = {"selection": cell}
    at.run()
    assert not at.exception
    assert at.query_params.get("dashboard") == str(second["id"])


def test_a_click_on_another_column_opens_nothing(app_env: DemoAPI) -> None:
    api_create(app_env, unique("Project click"), None)
    at = run_app()
    search(at, "Project click")
    (frame,) = tables(at)
    at.session_state[frame.key] = {
        "selection": {"rows": [], "columns": [], "cells": [[0, "Project"]]}
    }
    at.run()
    assert not at.exception and tables(at)
    assert "dashboard" not in at.query_params


def test_the_action_bar_has_the_same_buttons_whatever_is_selected(app_env: DemoAPI) -> None:
    # the box above the table keeps its shape, so ticking a row does not move the table
    api_create(app_env, unique("Steady bar"), None)
    at = run_app()
    search(at, "Steady bar")
    bar = ["dash_open", "dash_delete", "dash_dup_off"]
    assert all(at.button(key=k) for k in bar) and at.button(key="dash_open").disabled
    columns_before = len(at.columns)
    select_row(at, 0)
    assert not at.button(key="dash_open").disabled and not at.button(key="dash_delete").disabled
    assert len(at.columns) == columns_before


def test_bulk_change_takes_the_selected_rows_or_every_match(app_env: DemoAPI) -> None:
    tag = unique("Bulk pick")
    made = [api_create(app_env, f"{tag} {n}", None) for n in range(3)]
    at = run_app()
    search(at, tag)
    (frame,) = tables(at)
    at.session_state[frame.key] = {"selection": {"rows": [0, 2], "columns": [], "cells": []}}
    at.run()
    at.button(key="dash_bulk_selected").click().run()
    assert not at.exception, at.exception
    target = at.session_state[keys.S_BULK_TARGET]
    names = list(table_after_back(at, tag)["Name"])
    assert sorted(target.ids) == sorted(d["id"] for d in made if d["name"] in (names[0], names[2]))
    at.switch_page("pages/dashboards.py").run()
    search(at, tag)
    matching = at.button(key="dash_bulk_matching")
    assert "(3)" in matching.label
    matching.click().run()
    assert not at.exception, at.exception
    target = at.session_state[keys.S_BULK_TARGET]
    assert target.ids is None and target.search == tag and target.count == 3
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "3 dashboards" in shown


def table_after_back(at: AppTest, tag: str) -> Any:
    at.switch_page("pages/dashboards.py").run()
    search(at, tag)
    return table(at)


def test_delete_dialog_button_is_styled_red(app_env: DemoAPI) -> None:
    api_create(app_env, unique("Red delete"), None)
    at = run_app()
    search(at, "Red delete")
    select_row(at, 0)
    at.button(key="dash_delete").click().run()
    styles = [str(h.proto.body) for h in at.get("html")]
    assert any(".st-key-dash_delete_confirm button" in s and "#c62828" in s for s in styles)


@pytest.mark.unit
def test_ages_read_like_a_person_would_say_them() -> None:
    from datetime import UTC, datetime, timedelta

    from components.dashboard_table import exact_time, humanize_age

    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert humanize_age(now - timedelta(seconds=20), now) == "just now"
    assert humanize_age(now - timedelta(minutes=3), now) == "3 min ago"
    assert humanize_age(now - timedelta(hours=5), now) == "5 h ago"
    assert humanize_age(now - timedelta(hours=30), now) == "yesterday"
    assert humanize_age(now - timedelta(days=4), now) == "4 days ago"
    assert humanize_age(now - timedelta(days=90), now) == "10 Dec 2025"
    assert humanize_age(None, now) == "unknown"
    assert exact_time(now) == "2026-03-10 12:00"


@pytest.mark.unit
def test_markdown_escaping_leaves_no_live_markup() -> None:
    from components.errors import escape_markdown

    for name in [*XSS_NAMES, "**bold** :red[x] `code` # head"]:
        escaped = escape_markdown(name)
        assert not re.search(r"(?<!\\)[<>\[\]()*`#:]", escaped), escaped
        assert escaped.replace("\\", "") == name.replace("\\", "")
