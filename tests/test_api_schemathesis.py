"""Schemathesis over every operation of the Cekura spec (the repo's contract/ copy), against a running demo API
(`python -m demo_api` on loopback, a database of its own so deletes hurt no other test).

Checks: no server error, 2xx bodies conform to the spec's schemas, schema-violating input
is refused with a 4xx. (Status-code conformance is left out on purpose: the spec documents
only the success codes, while the API also answers 400/401/404 as RULES.md says.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from tests.harness import ROOT, DemoAPI, start_demo_api

SPEC = ROOT / "contract" / "openapi-dashboards.json"
EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    negative_data_rejection,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoAPI]:
    api = start_demo_api(tmp_path_factory.mktemp("schemathesis"), calls=300, faults=False)
    yield api
    api.stop()


def _without_impossible_one_of(node: Any) -> Any:
    """The spec types nullable JSON fields (`group_by`, `metadata`) as
    `oneOf: [{}, {"type": "null"}]`, which no value can satisfy when it is null (null
    matches both branches). Read it as intended, "any JSON value"; nothing else changes."""
    if isinstance(node, dict):
        if node.get("oneOf") == [{}, {"type": "null"}]:
            node = {key: value for key, value in node.items() if key != "oneOf"}
        return {key: _without_impossible_one_of(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_impossible_one_of(item) for item in node]
    return node


schema = schemathesis.openapi.from_dict(
    _without_impossible_one_of(json.loads(Path(SPEC).read_text(encoding="utf-8")))
)
schema.config.update(request_timeout=30)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    # The key is sent by the test; mutating it would only test the 401 path over and over.
    with_security_parameters=False,
)


@pytest.mark.api
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_of_the_contract(case, fuzzed_api: DemoAPI) -> None:
    case.call_and_validate(base_url=fuzzed_api.url, headers=fuzzed_api.headers(), checks=CHECKS)
