"""Issue 14, reproduction 3 (the app's part): typed into "Edit as JSON", a date at the
calendar's edge made the whole filter area disappear and a lone surrogate failed inside the
text area; a dashboard stored with such a value could not be opened. Every odd value now
either shows in the editor or is refused with a message naming it, never a crash."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_sentence import describe_filter
from cekura_dashboards.filter_validation import has_errors, validate_filter
from cekura_dashboards.models import Dashboard
from cekura_dashboards.relative_dates import format_window, resolve_window
from components.json_editor import pending_problem, pretty
from services import state_keys as keys
from services.drafts import new_draft
from tests.harness import DemoAPI, start_demo_api
from tests.test_app_editor import button, draft_of, open_editor

ODD_VALUES: list[Any] = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01",
    "9999-12-31",
    "\ud800",
    "a\udfffb",
    math.nan,
    math.inf,
    -math.inf,
    10**400,
    -(10**30),
    1e308,
    "x" * 10_000,
    "\x00\x01\x07\x1b[31m\r\n\t",
    "now-99999999999999999999d",
    "today-9999999999y",
    "http://evil.example/x",
]

# every field the catalog knows, a metadata key, and one it does not know
FIELD_NAMES = [*catalog.FIELDS, "metadata.k", "no.such.field"]
OPS = sorted({op for spec in catalog.FIELDS.values() for op in spec.ops} | {"weird"})


def _blank() -> Dashboard:
    return Dashboard.model_validate(
        {"id": 1, "name": "x", "project": None, "filters": None, "widgets": []}
    )


def _json_text(node: Any) -> str:
    # as a person would type it: NaN/Infinity as JS writes them, lone surrogates escaped
    return json.dumps(node, allow_nan=True)


def _shown(text: str) -> None:
    """What Streamlit must be able to send to the browser: UTF-8 text."""
    text.encode("utf-8")


def _drive_apply_path(text: str) -> None:
    draft = new_draft(_blank())
    applied = draft.apply_json(text)
    if not applied:
        assert draft.pending_json is not None
        _shown(draft.pending_json.text)
        _shown(pending_problem(draft.pending_json))
        assert draft.pending_json.message
        return
    tree = draft.tree
    problems = validate_filter(tree, agents={}, metrics={})
    for problem in problems:
        _shown(problem.message)
    _shown(describe_filter(tree, agents={}, metrics={}))
    _shown(format_window(resolve_window(tree)))
    _shown(pretty(draft.filters_json()))
    if not has_errors(problems):  # what Save would send is JSON the API can take
        json.dumps(draft.changes(), allow_nan=False).encode("utf-8")


odd = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=40),  # any code point, lone surrogates included
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)).flatmap(
        lambda moment: st.sampled_from([-14, -1, 0, 1, 14]).map(
            lambda hours: moment.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat()
        )
    ),
)
condition = st.fixed_dictionaries(
    {
        "field": st.sampled_from(FIELD_NAMES),
        "op": st.sampled_from(OPS),
        "value": st.one_of(odd, st.lists(odd, max_size=3)),
    }
)
filter_json = st.one_of(
    condition,
    st.fixed_dictionaries(
        {"operator": st.sampled_from(["and", "or"]), "conditions": st.lists(condition, max_size=3)}
    ),
)


@pytest.mark.unit
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filter_json)
def test_repro3_the_json_apply_path_never_crashes_on_odd_values(node: Any) -> None:
    _drive_apply_path(_json_text(node))


@pytest.mark.unit
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_repro3_any_text_in_the_json_box_is_applied_or_refused(text: str) -> None:
    _drive_apply_path(text)


@pytest.mark.unit
@pytest.mark.parametrize(
    "text",
    [
        '{"field":"timestamp","op":"gte","value":"0001-01-01T00:00:00+01:00"}',
        '{"field":"timestamp","op":"lte","value":"9999-12-31T23:59:59-01:00"}',
        '{"field":"topic","op":"eq","value":"\\ud800"}',
        '{"field":"topic","op":"eq","value":"\ud800"}',  # the character itself, not the escape
        '{"field":"duration","op":"gte","value":NaN}',
        '{"field":"duration","op":"gte","value":1e999}',
        '{"field":"duration","op":"gte","value":' + "9" * 5000 + "}",
    ],
)
def test_repro3_each_reported_value_is_applied_or_named(text: str) -> None:
    _drive_apply_path(text)
    draft = new_draft(_blank())
    if not draft.apply_json(text):
        return
    problems = validate_filter(draft.tree)
    assert has_errors(problems), "an edge-of-calendar date is refused before Save"
    assert any("calendar" in p.message for p in problems)


@pytest.mark.unit
def test_repro3_a_stored_filter_with_a_lone_surrogate_is_named_not_drawn() -> None:
    from cekura_dashboards.filter_tree import FilterParseError

    stored = _blank().model_copy(
        update={
            "filters": {
                "operator": "and",
                "conditions": [{"field": "topic", "op": "eq", "value": "ok\ud800"}],
            }
        }
    )
    with pytest.raises(FilterParseError) as caught:
        new_draft(stored)
    assert caught.value.path == "conditions[0].value"
    assert "lone surrogate" in caught.value.message
    caught.value.message.encode("utf-8")  # the message itself can be shown


# --- stored dashboards holding each odd value, opened in the editor -----------------------
STORED = [
    {"field": "timestamp", "op": "gte", "value": "0001-01-01T00:00:00+01:00"},
    {"field": "timestamp", "op": "lte", "value": "9999-12-31T23:59:59-01:00"},
    {"field": "topic", "op": "eq", "value": "\ud800"},
    {"field": "duration", "op": "gte", "value": math.nan},
    {"field": "duration", "op": "gte", "value": 10**400},
    {"field": "topic", "op": "contains", "value": "x" * 10_000},
    {"field": "topic", "op": "eq", "value": "\x00\x07\x1b[31m"},
    {"field": "agent.id", "op": "in", "value": [1e308, -(10**30)]},
    {"field": "agent.id", "op": "eq", "value": 10**30},
    {"field": "id", "op": "gte", "value": 2**60},
    {"field": "duration", "op": "gte", "value": 1e308},
]


def _store(api: DemoAPI, filters: Any) -> int:
    """Put a dashboard straight into the demo API's database (its API refuses some of these)."""
    now = datetime.now(UTC).isoformat()
    text = json.dumps(filters, allow_nan=True)  # ensure_ascii keeps "\ud800" as an escape
    with sqlite3.connect(api.db_path, timeout=30) as db:
        cursor = db.execute(
            "INSERT INTO dashboards(name, project_id, filters, created_at, updated_at) "
            "VALUES (?, NULL, ?, ?, ?)",
            ("Odd stored value", text, now, now),
        )
        return int(cursor.lastrowid or 0)


@pytest.fixture(scope="module")
def odd_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    """A demo API of these tests' own: a stored NaN makes the API's list answer 500, which
    must not reach the tests that share the session's API."""
    api = start_demo_api(tmp_path_factory.mktemp("odd_values"), calls=200, faults=False)
    yield api
    api.stop()


@pytest.mark.app
@pytest.mark.parametrize("filters", STORED, ids=[str(i) for i in range(len(STORED))])
def test_repro3_a_stored_dashboard_with_an_odd_value_opens_or_says_why(
    odd_api: DemoAPI, filters: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEKURA_BASE_URL", odd_api.url)
    monkeypatch.setenv("CEKURA_API_KEY", odd_api.api_key)
    did = _store(odd_api, {"operator": "and", "conditions": [filters]})
    at = open_editor(did)  # asserts no exception
    said = "\n".join(str(e.value) for e in at.error).replace("\\", "")
    if keys.s_draft(did) not in at.session_state:
        assert said, "a dashboard that cannot be edited says why"
        return
    for mode in ("Builder", "Edit as JSON"):
        at.session_state[keys.s_editor_mode(did)] = mode
        at.run()
        assert not at.exception, (filters, mode, at.exception)
    draft = draft_of(at, did)
    if has_errors(validate_filter(draft.tree)):
        assert button(at, f"ed_save_{did}").disabled
