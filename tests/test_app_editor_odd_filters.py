"""Filters typed as JSON with values no builder row would make: the page draws each one
(falling back to a plain editor where a picker cannot show the value), keeps Save
disabled, and never shows a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services import state_keys as keys
from tests.test_app_editor import button, draft_of, make_dashboard, open_editor

pytestmark = pytest.mark.app

WEIRD = [
    {"field": "duration", "op": "gte", "value": "abc"},
    {"field": "duration", "op": "in", "value": [1, {"a": 1}]},
    {"field": "agent.id", "op": "eq", "value": {"x": 1}},
    {"field": "agent.id", "op": "in", "value": [[1], None, "x"]},
    {"field": "agent.id", "op": "in", "value": "notalist"},
    {"field": "metric_evaluations.metric.id", "op": "gt", "value": 1.5},
    {"field": "success", "op": "eq", "value": "yes"},
    {"field": "success", "op": "isnull", "value": "maybe"},
    {"field": "timestamp", "op": "gte", "value": 12345},
    {"field": "timestamp", "op": "in", "value": ["now"]},
    {"field": "nope", "op": "weird", "value": None},
    {"field": "metadata.", "op": "eq", "value": "x"},
    {"field": "metadata.a.b", "op": "eq", "value": "x"},
    {"field": "topic", "op": "regex", "value": 5},
    {"field": "agent.agent_name", "op": "eq", "value": 7},
    {"operator": "xor", "conditions": []},
    {"operator": "and", "conditions": [{"operator": "or", "conditions": []}]},
    {"operator": "same_row", "conditions": [{"field": "duration", "op": "eq", "value": 1}]},
    {"field": "id", "op": "in", "value": [1.5, "2"]},
    {"field": "customer_number", "op": "in", "value": [None, 1, "+1"]},
]


def test_odd_filters_render_with_save_disabled(app_env: Any) -> None:
    made = make_dashboard(app_env, "Odd filters", filters=None)
    did = made["id"]
    at = open_editor(did)
    at.session_state[keys.s_preview_open(did)] = True
    for odd in WEIRD:
        assert draft_of(at, did).apply_json(json.dumps(odd)), odd
        for mode in ("Builder", "Edit as JSON"):
            at.session_state[keys.s_editor_mode(did)] = mode
            at.run()
            assert not at.exception, (odd, mode, at.exception)
            assert button(at, f"ed_save_{did}").disabled, (odd, mode)
