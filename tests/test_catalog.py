"""The catalog's table of field facts is complete, and its columns are the demo database's."""

from __future__ import annotations

import sqlite3

import pytest

from cekura_dashboards import catalog
from demo_api import db

pytestmark = pytest.mark.unit


def test_every_field_has_its_words_and_picker_labels_are_named_once() -> None:
    pickers = [spec.picker for spec in catalog.FIELDS.values()] + [catalog.METADATA_PICKER]
    assert len(set(pickers)) == len(pickers)
    for spec in catalog.FIELDS.values():
        assert spec.picker and spec.noun and spec.label, spec.name
        assert "·" not in spec.picker, spec.picker
        assert set(spec.ops) <= set(catalog.ALL_OPS), spec.name


@pytest.mark.parametrize("spec", list(catalog.FIELDS.values()), ids=lambda s: s.name)
def test_each_column_is_one_the_demo_database_has(spec: catalog.FieldSpec) -> None:
    """A field added to the catalog without its column in demo_api/db.py fails here."""
    conn = sqlite3.connect(":memory:")
    db.create_schema(conn)
    row = (
        "metric_evaluations me" if catalog.is_metric_evaluation_field(spec.name) else "call_logs c"
    )
    conn.execute(f"SELECT {spec.column} FROM {row} LIMIT 0")  # noqa: S608 (catalog constants)


def test_widget_tables_come_from_the_fields() -> None:
    assert catalog.PLOTTABLE_FIELDS["agent_id"] == "numeric"
    assert "agent.id" not in catalog.PLOTTABLE_FIELDS  # widgets plot it as agent_id
    assert catalog.can_group_by("agent.id") and catalog.can_group_by("agent_id")
    assert catalog.can_group_by("metadata.region") and not catalog.can_group_by("metadata.a.b")
    assert not catalog.can_group_by("timestamp")
    assert catalog.plottable_data_type("metadata.plan") == "string"
    assert catalog.plottable_data_type("customer_number") is None
    assert catalog.plottable_label("agent_id") == catalog.FIELDS["agent.id"].label
