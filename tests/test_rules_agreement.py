"""The app and the server agree on which filters the API refuses, and where.

For random filter trees, valid and not, `validate_filter` reports an error of the API's
own (origin "api") exactly when the demo API answers a dashboard PATCH with 400, and both
name the same nodes. Errors only the app raises (no call can match; a start the widget
data endpoints refuse) are not the save endpoint's to refuse and are left out.

Text never holds a lone surrogate: the server's JSON parser refuses those before any
filter rule runs, so no node could be named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_tree import FilterParseError, parse_filter
from cekura_dashboards.filter_validation import validate_filter
from tests.harness import DemoAPI

pytestmark = pytest.mark.api

_NODE_PATH = re.compile(r"^conditions\[\d+\](?:\.conditions\[\d+\])*")
_PATH_PREFIX = re.compile(
    r"(?:conditions\[\d+\](?:\.conditions\[\d+\])*)?(?:\.?(?:field|op|value|operator|conditions))?"
)


def node_path(path: str) -> str:
    """`conditions[1].conditions[0].op` -> `conditions[1].conditions[0]`; a root part -> ``."""
    match = _NODE_PATH.match(path)
    return match.group(0) if match else ""


def server_node_paths(messages: list[str]) -> set[str]:
    """The nodes the API's `path: message` lines name (a bare message names the root)."""
    paths = set()
    for line in messages:
        head, sep, _ = line.partition(": ")
        paths.add(node_path(head) if sep and _PATH_PREFIX.fullmatch(head) else "")
    return paths


# --- random filters -------------------------------------------------------------------------
FIELDS = [
    *catalog.FIELDS,
    "metadata.region",
    "metadata.plan-2",
    "metadata.a.b",
    "metadata.",
    "metadata.bad key",
    "agent_id",
    "nope",
    "",
]
OPS = [*catalog.ALL_OPS, "like", "EQ"]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6)
SPECIAL_TEXT = st.sampled_from(
    [
        "billing",
        "now",
        "now-7d",
        "today",
        "today-3d",
        "now-2h",
        "now-99999999y",
        "2026-11-07",
        "2026-11-07T14:00:00Z",
        "9999-12-31",
        "0001-01-01",
        "not a date",
        "(",
        "a{2,1}",
        "[a-",
        "^bill.*g$",
        "(?<=a+)b",
        "x" * (catalog.MAX_PATTERN_LENGTH + 1),
        "3",
        "true",
    ]
)
SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.integers(min_value=-5, max_value=100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    TEXT,
    SPECIAL_TEXT,
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.just({"a": 1}))
DATES = st.sampled_from(["now-7d", "today", "today-3d", "now", "2026-11-07", "2026-11-07T14:00Z"])
FITTING: dict[str, st.SearchStrategy[Any]] = {
    "integer": st.integers(min_value=-5, max_value=100),
    "number": st.one_of(st.integers(0, 600), st.floats(0, 600)),
    "string": TEXT,
    "boolean": st.booleans(),
    "datetime": DATES,
    "dynamic": st.one_of(st.integers(0, 5), st.floats(0, 1), TEXT),
}


def fitting_value(spec: catalog.FieldSpec, op: str) -> st.SearchStrategy[Any]:
    """A value of the type the field and op want, so that valid filters come up often."""
    one = FITTING[catalog.value_type(spec.kind, op)]
    if op == "in":
        return st.lists(one, min_size=1, max_size=3)
    return one


# Known fields by kind: a kind is drawn first, so the one dynamic field comes up as often
# as the six text fields.
BY_KIND: dict[str, list[str]] = {}
for _name in [*catalog.FIELDS, "metadata.region"]:
    _spec = catalog.field_spec(_name)
    assert _spec is not None
    BY_KIND.setdefault(_spec.kind, []).append(_name)
# How a value is drawn: of the type the field and op want (often), of one kind's type
# (the wrong one, mostly), or anything.
VALUE_CHOICES = [*["fit"] * 8, *FITTING, "any"]


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 4)):
        field = draw(st.sampled_from(BY_KIND[draw(st.sampled_from(sorted(BY_KIND)))]))
    else:
        field = draw(st.sampled_from(FIELDS))
    spec = catalog.field_spec(field)
    # Mostly an op the field takes, so value rules are reached, not only op rules.
    if spec is not None and draw(st.integers(0, 3)):
        op = draw(st.sampled_from(spec.ops))
    else:
        op = draw(st.sampled_from(OPS))
    choice = draw(st.sampled_from(VALUE_CHOICES))
    if choice == "fit" and spec is not None and op in spec.ops:
        value = draw(fitting_value(spec, op))
    elif choice in FITTING:
        value = draw(FITTING[choice] if op != "in" else st.lists(FITTING[choice], max_size=3))
    else:
        value = draw(VALUES)
    return {"field": field, "op": op, "value": value}


BROKEN_NODES = st.sampled_from(
    [
        {},
        [],
        "text",
        3,
        None,
        {"field": "topic", "op": "eq"},
        {"field": "topic", "op": "eq", "value": "a", "extra": 1},
        {"field": 1, "op": "eq", "value": 1},
        {"field": "topic", "op": None, "value": "a"},
        {"operator": "and"},
        {"operator": "and", "conditions": "x"},
        {"operator": 1, "conditions": [{"field": "topic", "op": "eq", "value": "a"}]},
        {"operator": "and", "conditions": [], "field": "topic"},
    ]
)


def groups(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda operator, items: {"operator": operator, "conditions": items},
        st.sampled_from(["and", "and", "or", "or", "same_row", "xor"]),
        st.lists(children, max_size=3),
    )


# One leaf in 25 is no filter node at all: enough to test shapes, few enough that most
# trees get as far as the field, op and value rules.
LEAVES = st.integers(0, 24).flatmap(lambda n: BROKEN_NODES if n == 0 else conditions())
FILTERS = st.recursive(LEAVES, groups, max_leaves=6).filter(lambda f: f not in ({}, None))


# --- the test ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dashboard_path(demo_api_server: DemoAPI) -> Iterator[str]:
    created = demo_api_server.post("/dashboards/dashboards/", json={"name": "Rules agreement"})
    assert created.status_code == 201, created.text
    path = f"/dashboards/dashboards/{created.json()['id']}/"
    yield path
    demo_api_server.delete(path)


def app_verdict(filters: Any) -> tuple[bool, set[str], bool]:
    """(the app refuses it, the nodes it names, it stopped at the first shape error)."""
    try:
        node = parse_filter(filters)
    except FilterParseError as refused:
        return True, {node_path(refused.path)}, True
    errors = [p for p in validate_filter(node) if p.severity == "error" and p.origin == "api"]
    return bool(errors), {p.path for p in errors}, False


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(filters=FILTERS)
def test_app_and_server_refuse_the_same_filters_at_the_same_nodes(
    filters: Any, demo_api_server: DemoAPI, dashboard_path: str
) -> None:
    answer = demo_api_server.patch(dashboard_path, json={"filters": filters})
    assert answer.status_code in (200, 400), answer.text
    refused, app_paths, shape_error = app_verdict(filters)
    event("shape error" if shape_error else "refused" if refused else "accepted")
    assert refused == (answer.status_code == 400), (
        f"app {'refuses' if refused else 'accepts'} {filters!r}; server answered "
        f"{answer.status_code} {answer.text}"
    )
    if not refused:
        return
    body = answer.json()
    assert set(body) == {"filters"}, body
    server_paths = server_node_paths(body["filters"])
    if shape_error:
        # Parsing stops at the first node that is no filter; the server lists them all.
        assert app_paths <= server_paths, (filters, app_paths, body)
    else:
        assert app_paths == server_paths, (filters, app_paths, body)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("lines", "paths"),
    [
        (["conditions[1].conditions[0].op: Unknown op 'x'."], {"conditions[1].conditions[0]"}),
        (["conditions: A group needs at least one condition."], {""}),
        (["operator: Unknown logical operator 'xor'."], {""}),
        (["conditions[2]: Unknown key 'a' in a condition."], {"conditions[2]"}),
        (["conditions[0].conditions: A group needs at least one condition."], {"conditions[0]"}),
        (["Expected a condition or a group (an object); got []."], {""}),
        (["conditions[0].value: The pattern '(' is not valid: x: y"], {"conditions[0]"}),
    ],
)
def test_server_paths_are_read_as_nodes(lines: list[str], paths: set[str]) -> None:
    assert server_node_paths(lines) == paths
