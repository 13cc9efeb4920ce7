"""The demo API's request models spell the widget choices as `Literal`s (the type checker
needs them written out); they must be exactly the catalog's, plus "" for "not set"."""

from __future__ import annotations

from typing import get_args

import pytest

from cekura_dashboards import catalog
from demo_api import schemas

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("literal", "choices", "may_be_empty"),
    [
        (schemas.ChartType, catalog.CHART_TYPES, False),
        (schemas.DataType, catalog.DATA_TYPES, True),
        (schemas.TimePeriod, catalog.TIME_PERIODS, True),
        (schemas.Aggregation, catalog.AGGREGATIONS, True),
    ],
)
def test_widget_choices_are_the_catalogs(literal, choices, may_be_empty) -> None:
    assert get_args(literal) == (*choices, *([""] if may_be_empty else []))
