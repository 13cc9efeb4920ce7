"""patch_body, change_list, json_diff and the request snippets."""

from __future__ import annotations

import ast
import json
import shlex
from typing import Any

import pytest

from cekura_dashboards.client import dashboard_changed
from cekura_dashboards.filter_edit import add_condition
from cekura_dashboards.filter_tree import parse_filter
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import (
    change_list,
    curl_snippet,
    json_diff,
    mask_key,
    patch_body,
    python_snippet,
)

pytestmark = pytest.mark.unit

WEEK = {"field": "timestamp", "op": "gte", "value": "now-7d"}
LONG = {"field": "duration", "op": "gte", "value": 60}
TOPIC = {"field": "topic", "op": "eq", "value": "billing"}
FILTERS = {"operator": "and", "conditions": [WEEK, LONG]}
PROJECTS = [{"id": 1, "name": "Support"}, {"id": 2, "name": "Sales"}]
AGENTS = [{"id": 3, "agent_name": "Billing Bot"}]
KEY = "ck_live_0123456789abcdefWXYZ"


def loaded_model() -> Dashboard:
    return Dashboard(id=7, name="A", project=1, filters=json.loads(json.dumps(FILTERS)))


def group(*children: Any, operator: str = "and") -> dict[str, Any]:
    return {"operator": operator, "conditions": list(children)}


# --- patch_body ---------------------------------------------------------------------------
def test_nothing_changed_means_an_empty_body() -> None:
    draft = {"name": "A", "project": 1, "filters": group(WEEK, LONG)}
    assert patch_body(loaded_model(), draft) == {}
    assert patch_body(loaded_model().model_dump(), draft) == {}


def test_only_changed_keys_are_sent() -> None:
    assert patch_body(loaded_model(), {"name": "B", "project": 1, "filters": FILTERS}) == {
        "name": "B"
    }
    assert patch_body(loaded_model(), {"name": "A", "project": None}) == {"project": None}
    new_filters = group(WEEK, LONG, TOPIC)
    body = patch_body(loaded_model(), {"name": "A", "project": 1, "filters": new_filters})
    assert body == {"filters": new_filters}
    assert body["filters"] is not new_filters  # a copy: later draft edits do not leak in


def test_key_order_alone_is_no_change_but_types_are() -> None:
    reordered = group({"value": "now-7d", "op": "gte", "field": "timestamp"}, LONG)
    assert patch_body(loaded_model(), {"filters": reordered}) == {}
    as_float = group(WEEK, {"field": "duration", "op": "gte", "value": 60.0})
    assert patch_body(loaded_model(), {"filters": as_float}) == {"filters": as_float}
    truthy = {"filters": {"field": "success", "op": "eq", "value": True}}
    one = {"filters": {"field": "success", "op": "eq", "value": 1}}
    assert patch_body(truthy, one) == one


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (True, 1, False),
        (False, 0, False),
        (60, 60.0, False),
        (None, 0, False),
        ("1", 1, False),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ([1, 2], [2, 1], False),
        ({"v": [True]}, {"v": [1]}, False),
    ],
)
def test_one_rule_for_the_same_json(a: Any, b: Any, same: bool) -> None:
    assert same_json(a, b) is same


def test_the_stale_write_check_and_the_patch_body_agree_on_true_versus_one() -> None:
    """What patch_body calls a change, the stale-write check calls a change too."""
    mine = loaded_model().model_copy(
        update={"filters": {"field": "is_reviewed", "op": "eq", "value": True}}
    )
    theirs = mine.model_copy(update={"filters": {"field": "is_reviewed", "op": "eq", "value": 1}})
    assert patch_body(mine, {"filters": theirs.filters}) == {"filters": theirs.filters}
    assert dashboard_changed(mine, theirs)
    assert not dashboard_changed(mine, mine.model_copy())


def test_a_draft_may_hold_a_tree_and_missing_keys_are_left_alone() -> None:
    tree = add_condition(parse_filter(FILTERS), None, field="topic", op="eq", value="billing")
    assert patch_body(loaded_model(), {"filters": tree}) == {"filters": group(WEEK, LONG, TOPIC)}
    assert patch_body(loaded_model(), {"filters": None}) == {"filters": None}
    assert patch_body(loaded_model(), {}) == {}


# --- change_list ----------------------------------------------------------------------
def changes(draft: dict[str, Any], **kw: Any) -> list[str]:
    return change_list(loaded_model(), draft, projects=PROJECTS, agents=AGENTS, **kw)


def test_rename_and_project_moves() -> None:
    assert changes({"name": "B"}) == ["Renamed 'A' to 'B'"]
    assert changes({"project": 2}) == ["Moved to project 'Sales'"]
    assert changes({"project": 9}) == ["Moved to project #9"]
    assert changes({"project": None}) == ["Removed from project 'Support'"]
    assert change_list({"name": None}, {"name": "New"}) == ["Named it 'New'"]
    assert change_list({"name": "Old"}, {"name": ""}) == ["Removed the name 'Old'"]
    assert changes({"name": "A", "project": 1, "filters": FILTERS}) == []


def test_added_removed_and_changed_conditions() -> None:
    assert changes({"filters": group(WEEK, LONG, TOPIC)}) == [
        "Added: call topic is 'billing', in the top group (all of)"
    ]
    assert changes({"filters": group(LONG)}) == [
        "Removed: call time on or after 7 days ago, in the top group (all of)"
    ]
    longer = {"field": "duration", "op": "gte", "value": 90}
    assert changes({"filters": group(WEEK, longer)}) == [
        "Changed: call duration at least 60 s to call duration at least 90 s, in the top group (all of)"
    ]
    handled = {"field": "agent.id", "op": "eq", "value": 3}
    assert changes({"filters": group(handled, WEEK, LONG)}) == [
        "Added: agent is Billing Bot, in the top group (all of)"
    ]


def test_changes_read_in_order_and_pair_the_same_field_first() -> None:
    longer = {"field": "duration", "op": "gte", "value": 90}
    draft = {"name": "B", "project": 2, "filters": group(longer, WEEK, TOPIC)}
    assert changes(draft) == [
        "Renamed 'A' to 'B'",
        "Moved to project 'Sales'",
        "Changed: call duration at least 60 s to call duration at least 90 s, in the top group (all of)",
        "Added: call topic is 'billing', in the top group (all of)",
    ]


def test_a_reordered_condition_is_moved() -> None:
    assert changes({"filters": group(LONG, WEEK)}) == [
        "Moved: call duration at least 60 s, in the top group (all of)"
    ]


def test_nested_groups_operator_changes_and_whole_filter_changes() -> None:
    either = group(TOPIC, {"field": "success", "op": "eq", "value": True}, operator="or")
    with_either = group(WEEK, LONG, either)
    assert changes({"filters": with_either}) == [
        "Added: group 'any of' (call topic is 'billing'; call succeeded: yes), in the top group (all of)"
    ]
    loaded = {"filters": with_either}
    both = group(WEEK, LONG, {**either, "operator": "and"})
    assert change_list(loaded, {"filters": both}) == [
        "Changed: group 'any of' to 'all of', in the top group (all of)"
    ]
    fewer = group(WEEK, LONG, group(TOPIC, operator="or"))
    assert change_list(loaded, {"filters": fewer}) == [
        "Removed: call succeeded: yes, in a group (any of)"
    ]
    assert change_list({"filters": None}, {"filters": group(WEEK)}) == [
        "Added a filter: Calls from the last 7 days"
    ]
    assert changes({"filters": None}) == [
        "Removed the filter (it was: Calls from the last 7 days that lasted at least 60 s)"
    ]
    assert changes({"filters": LONG}) == [
        "Changed: group 'all of' (call time on or after 7 days ago; call duration at least 60 s) "
        "to call duration at least 60 s"
    ]
    assert changes({"filters": {"operator": "and"}}) == [
        "Changed the filter (see the JSON difference)"
    ]


# --- json_diff ---------------------------------------------------------------------------
def test_json_diff_is_a_unified_diff_of_pretty_json() -> None:
    before = group(WEEK, LONG)
    after = group(WEEK, {"field": "duration", "op": "gte", "value": 90})
    diff = json_diff(before, after)
    lines = diff.splitlines()
    assert lines[:2] == ["--- server copy", "+++ your draft"]
    assert '-      "value": 60' in lines
    assert '+      "value": 90' in lines
    assert '       "field": "duration",' in lines  # context keeps the JSON's own indent
    assert json_diff(before, json.loads(json.dumps(before))) == ""
    named = json_diff({"name": "A"}, {"name": "B"}, before_label="theirs", after_label="mine")
    assert named.startswith("--- theirs\n+++ mine\n")


def test_json_diff_keeps_key_order_and_unicode() -> None:
    diff = json_diff({"b": 1, "a": "é"}, {"b": 2, "a": "é"})
    assert '   "a": "é"' in diff.splitlines()
    assert diff.index('"b"') < diff.index('"a"')


# --- snippets -----------------------------------------------------------------------------
URL = "https://api.cekura.ai/dashboards/dashboards/7/"


def test_mask_key() -> None:
    assert mask_key(KEY) == "****WXYZ"
    assert mask_key("short") == "****"
    assert mask_key("") == "****"


def test_curl_snippet_masks_the_key_and_quotes_for_the_shell() -> None:
    body = {"name": "it's $HOME `x`", "filters": group(LONG)}
    snippet = curl_snippet("patch", URL, body, api_key=KEY)
    assert KEY not in snippet and "****WXYZ" in snippet
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[:4] == ["curl", "-X", "PATCH", URL]
    assert words[words.index("-H") + 1] == "X-CEKURA-API-KEY: ****WXYZ"
    assert "Content-Type: application/json" in words
    assert json.loads(words[words.index("--data-raw") + 1]) == body
    revealed = curl_snippet("PATCH", URL, body, api_key=KEY, reveal=True)
    assert f"X-CEKURA-API-KEY: {KEY}" in shlex.split(revealed.replace("\\\n", " "))


def test_curl_snippet_without_a_body() -> None:
    snippet = curl_snippet("DELETE", URL, None, api_key=KEY)
    assert "--data-raw" not in snippet and "Content-Type" not in snippet
    assert shlex.split(snippet.replace("\\\n", " "))[:4] == ["curl", "-X", "DELETE", URL]


def test_python_snippet_is_valid_python_with_the_body_and_a_masked_key() -> None:
    body = {"name": "B", "filters": group(LONG, {"field": "success", "op": "eq", "value": True})}
    code = python_snippet("PATCH", URL, body, api_key=KEY)
    tree = ast.parse(code)
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "request"
    )
    assert [ast.literal_eval(arg) for arg in call.args] == ["PATCH", URL]
    keywords = {kw.arg: kw.value for kw in call.keywords}
    assert ast.literal_eval(keywords["json"]) == body
    assert ast.literal_eval(keywords["headers"]) == {"X-CEKURA-API-KEY": "****WXYZ"}
    assert ast.literal_eval(keywords["timeout"]) == (3.05, 15)
    assert KEY not in code
    assert KEY in python_snippet("PATCH", URL, body, api_key=KEY, reveal=True)
    delete = python_snippet("DELETE", URL, api_key=KEY)
    ast.parse(delete)
    assert "json=" not in delete and "response.json()" not in delete


def test_masking_a_masked_key_changes_nothing() -> None:
    from cekura_dashboards.client import CekuraClient

    client = CekuraClient("http://127.0.0.1:9", KEY)
    assert client.masked_key == mask_key(KEY) == mask_key(mask_key(KEY))
    snippet = curl_snippet(
        "PATCH", "http://127.0.0.1:9/x/", {"name": "a"}, api_key=client.masked_key
    )
    assert KEY not in snippet and mask_key(KEY) in snippet
