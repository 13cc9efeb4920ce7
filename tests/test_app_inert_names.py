"""Issue 14, reproduction 6: names holding a bare `http://…` became live links (title,
delete dialog, sentence, change list), and escaping markdown did not stop autolinking.
Every name from the API now goes through `components.inert.inert`; here each hostile name
is rendered through every place a name appears, by AppTest (the markdown the page sends);
tests/test_browser_offline.py checks the same in Chromium, where the links would be made."""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.inert import ZWJ, inert
from services import state_keys as keys
from tests.harness import ROOT, DemoAPI, start_demo_api

HOSTILE = [
    "http://evil.example/x",
    "[x](http://e)",
    "![i](x)",
    "<b>x</b>",
    "**x**",
    "www.evil.example",
]
# markup that must never reach the page's markdown as written
RAW = ["http://evil", "(http://e)", "![i]", "<b>", "**x**", "www.evil", "](x)"]
_LINKABLE = re.compile(r"(?i)https?://|www\.|[a-z0-9]@[a-z0-9]")
MARKDOWN_KINDS = (
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "info",
    "success",
    "warning",
    "error",
    "toast",
)


def seed_hostile(api: DemoAPI, tag: str) -> dict[str, Any]:
    """A hostile-named agent (straight into the database: the API has no agent writes)
    and one dashboard per hostile name, its filter naming that agent and the name."""
    projects = api.get("/user/v1/projects/").json()
    project = (projects["results"] if isinstance(projects, dict) else projects)[0]["id"]
    with sqlite3.connect(api.db_path, timeout=30) as db:
        cursor = db.execute(
            "INSERT INTO agents(project_id, agent_name, description, created_at) "
            "VALUES (?, ?, '', ?)",
            (project, "http://evil.example/agent **bold**", datetime.now(UTC).isoformat()),
        )
        agent_id = int(cursor.lastrowid or 0)
    made = {}
    for name in HOSTILE:
        filters = {
            "operator": "and",
            "conditions": [
                {"field": "timestamp", "op": "gte", "value": "now-7d"},
                {"field": "agent.id", "op": "eq", "value": agent_id},
                {"field": "topic", "op": "contains", "value": name},
            ],
        }
        response = api.post(
            "/dashboards/dashboards/",
            json={"name": f"{name} {tag}", "project": project, "filters": filters},
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()
    return {"project": project, "agent": agent_id, "dashboards": made}


def markdown_texts(at: AppTest) -> list[str]:
    """Every string the page hands Streamlit's markdown renderer."""
    texts = [str(el.value) for kind in MARKDOWN_KINDS for el in getattr(at, kind)]
    texts += [str(b.label) for b in at.button]
    texts += [str(link.label) for link in at.get("page_link")]
    return texts


def assert_inert(at: AppTest, *, must_show: list[str]) -> None:
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    for text in texts:
        for raw in RAW:
            assert raw not in text, (raw, text)
        assert not _LINKABLE.search(text.replace("\\", "")), text
    shown = "\n".join(t.replace("\\", "").replace(ZWJ, "") for t in texts)
    for name in must_show:
        assert name in shown, (name, shown[:2000])


@pytest.fixture(scope="module")
def hostile_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    api = start_demo_api(tmp_path_factory.mktemp("hostile"), calls=200, faults=False)
    yield api
    api.stop()


@pytest.fixture
def hostile(hostile_api: DemoAPI, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("CEKURA_BASE_URL", hostile_api.url)
    monkeypatch.setenv("CEKURA_API_KEY", hostile_api.api_key)
    tag = "t" + secrets.token_hex(3)
    return {"tag": tag, "api": hostile_api, **seed_hostile(hostile_api, tag)}


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.unit
@pytest.mark.parametrize("name", HOSTILE)
def test_repro6_inert_keeps_the_words_and_drops_the_markup(name: str) -> None:
    text = inert(name)
    assert text.replace("\\", "").replace(ZWJ, "") == name
    assert not _LINKABLE.search(text.replace("\\", ""))
    assert not re.search(r"(?<!\\)[<>\[\]()*!]", text)


@pytest.mark.app
def test_repro6_hostile_names_on_the_dashboards_list(hostile: dict[str, Any]) -> None:
    at = _app()
    at.text_input(key=keys.W_DASH_SEARCH).input(hostile["tag"]).run()
    frame = [df for df in at.dataframe if str(df.key).startswith("dash_table_")][0].value
    # the table shows the names exactly as stored (its cells are text, never markdown)
    assert sorted(frame["Name"]) == sorted(f"{n} {hostile['tag']}" for n in HOSTILE)
    assert_inert(at, must_show=[])

    # a create opens the new dashboard, whose page names it
    for name in HOSTILE:
        creating = _app()
        creating.text_input(key=keys.W_DASH_CREATE_NAME).input(name)
        [b for b in creating.button if b.label == "Create dashboard"][0].click().run()
        assert_inert(creating, must_show=[name])

    # the delete dialog names the dashboard (AppTest draws a dialog, it cannot press in it)
    for made in hostile["dashboards"].values():
        at.session_state[keys.S_DASH_PENDING_DELETE] = {
            "id": made["id"],
            "name": made["name"],
            "widgets": 0,
        }
        at.run()
        assert_inert(at, must_show=[made["name"]])
    at.session_state[keys.S_DASH_PENDING_DELETE] = None
    del at.session_state[keys.S_DASH_PENDING_DELETE]


@pytest.mark.app
def test_repro6_hostile_names_in_the_editor(hostile: dict[str, Any]) -> None:
    names = list(hostile["dashboards"])
    for index, name in enumerate(names):
        made = hostile["dashboards"][name]
        did = made["id"]
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["dashboard"] = str(did)
        at.switch_page("pages/editor.py")
        at.run()
        # the title, and the sentence naming the agent and the topic
        assert_inert(at, must_show=[made["name"], "http://evil.example/agent **bold**", name])
        at.session_state[keys.s_editor_mode(did)] = "Edit as JSON"
        at.run()
        assert_inert(at, must_show=[made["name"]])
        at.session_state[keys.s_editor_mode(did)] = "Builder"

        # the change list of the preview names the old and the new name
        new_name = names[(index + 1) % len(names)]
        at.text_input(key=keys.w_ed_name(did)).input(new_name).run()
        at.button(key=keys.w_ed_preview(did)).click().run()
        assert_inert(at, must_show=[made["name"], new_name])

        # the list of unsaved drafts links to it by name
        at.query_params.clear()
        at.run()
        assert_inert(at, must_show=[new_name])

        # the toast after a save names it
        at.query_params["dashboard"] = str(did)
        at.run()
        at.button(key=keys.w_ed_save(did)).click().run()
        assert_inert(at, must_show=[new_name])
        assert hostile["api"].get(f"/dashboards/dashboards/{did}/").json()["name"] == new_name
