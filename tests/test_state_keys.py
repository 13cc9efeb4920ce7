"""Every session-state key is named in services/state_keys.py, by one scheme: stored keys
start `s_`, widget keys never do. Checked twice: in the source (no key written as a string
of its own outside that module) and in a real session (every key the app left in
`st.session_state` is one the module makes)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services import state_keys as keys
from tests.harness import ROOT

APP_SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))] + [
    path
    for folder in ("components", "services")
    for path in sorted((ROOT / folder).glob("*.py"))
    if path.name != "state_keys.py"
]
STATE_NAMES = {"state", "session_state"}  # `st.session_state` and the pages' alias of it
# keys of layout elements are CSS hooks, not session state (see state_keys' docstring)
LAYOUT_CALLS = {"container", "expander"}


def _is_state(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id in STATE_NAMES) or (
        isinstance(node, ast.Attribute) and node.attr == "session_state"
    )


def _is_literal(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def _literal_keys(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Subscript) and _is_state(node.value) and _is_literal(node.slice):
            found.append(f"{where} session_state[{ast.unparse(node.slice)}]")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if (
                _is_state(node.func.value)
                and method in ("get", "pop", "setdefault")
                and node.args
                and _is_literal(node.args[0])
            ):
                found.append(f"{where} session_state.{method}({ast.unparse(node.args[0])})")
            if method == "form" and node.args and _is_literal(node.args[0]):
                found.append(f"{where} form({ast.unparse(node.args[0])})")
            if method not in LAYOUT_CALLS:
                for keyword in node.keywords:
                    if keyword.arg == "key" and _is_literal(keyword.value):
                        found.append(f"{where} {method}(key={ast.unparse(keyword.value)})")
        elif isinstance(node, ast.Compare) and _is_state(node.comparators[0]):
            if _is_literal(node.left):
                found.append(f"{where} {ast.unparse(node)}")
    return found


@pytest.mark.unit
def test_no_page_component_or_service_writes_a_key_of_its_own() -> None:
    assert len(APP_SOURCES) > 10
    found = [hit for path in APP_SOURCES for hit in _literal_keys(path)]
    assert found == [], "name these keys in services/state_keys.py:\n" + "\n".join(found)


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each key the module makes, as a pattern (functions: their ids become wildcards)."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for name, value in vars(keys).items():
        if name.startswith(("S_", "W_")) and isinstance(value, str):
            out.append((name, re.compile(re.escape(value))))
            if name.endswith("_FORM"):
                submitter = re.escape(keys.form_submitter(value, "LABEL"))
                out.append((name, re.compile(submitter.replace("LABEL", ".+"))))
        elif name.startswith(("s_", "w_")) and inspect.isfunction(value):
            params = inspect.signature(value).parameters
            # text parameters (a node id, a part, a builder's scope) become NODE, ids a number
            sample = value(
                *("NODE" if p.annotation in (str, "str") else 917_353 for p in params.values())
            )
            text = re.escape(sample).replace("917353", r"\d+").replace("NODE", r"[A-Za-z0-9_]+")
            out.append((name, re.compile(text)))
    return out


@pytest.mark.unit
def test_stored_and_widget_keys_are_told_apart_by_their_names() -> None:
    patterns = _patterns()
    assert len(patterns) > 40
    for name, pattern in patterns:
        stored = name.lower().startswith("s_")
        text = pattern.pattern.replace("\\", "")
        assert keys.is_stored(text) is stored, (name, text)


def _user_keys(at: AppTest) -> set[str]:
    # the keys user code sees: ours and our widgets' (keyless widgets are left out)
    return set(at.session_state._state._state.filtered_state)


@pytest.mark.app
def test_every_key_a_session_leaves_is_one_the_module_names(app_env: Any) -> None:
    projects = app_env.get("/user/v1/projects/").json()
    projects = projects["results"] if isinstance(projects, dict) else projects
    made = app_env.post(
        "/dashboards/dashboards/",
        json={
            "name": "Key census",
            "project": projects[0]["id"],
            "filters": {
                "operator": "and",
                "conditions": [
                    {"field": "timestamp", "op": "gte", "value": "now-7d"},
                    {"field": "duration", "op": "gte", "value": 60},
                ],
            },
        },
    ).json()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    seen = _user_keys(at)
    at.query_params["dashboard"] = str(made["id"])
    at.switch_page("pages/editor.py")
    at.run()
    assert not at.exception, at.exception
    at.button(key=keys.w_ed_preview(made["id"])).click().run()
    assert not at.exception, at.exception
    seen |= _user_keys(at)
    assert keys.s_draft(made["id"]) in seen and keys.S_CLIENT in seen
    assert any(k.startswith("flt_") for k in seen), sorted(seen)
    patterns = _patterns()
    unnamed = sorted(k for k in seen if not any(p.fullmatch(k) for _, p in patterns))
    assert unnamed == [], f"keys not named in services/state_keys.py: {unnamed}"
