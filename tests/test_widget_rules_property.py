"""The widget editor's rules against the demo API over HTTP.

1. Every widget the editor's cascade can build (each step picks only among the options
   widget_rules offers after the earlier picks) is drawn by preview_data and accepted by
   create.
2. Every combination widget_rules calls forbidden is refused (400) by preview_data and by
   create; every complete one it allows is drawn.
Both run hundreds of combinations; a counter checks they really reached the API."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cekura_dashboards import catalog
from cekura_dashboards import widget_rules as rules
from tests.harness import DemoAPI

WINDOW = {"field": "timestamp", "op": "gte", "value": "now-7d"}
SETTINGS = settings(
    max_examples=320,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SENT: dict[str, int] = {"cascade": 0, "raw": 0}


@pytest.fixture(scope="module")
def metrics(demo_api_server: DemoAPI) -> dict[int, str]:
    """Metric id -> eval type: one metric of each evaluation type the seed has."""
    answer = demo_api_server.get("/test_framework/v1/metrics/").json()
    items = answer["results"] if isinstance(answer, dict) else answer
    by_type: dict[str, int] = {}
    for metric in items:
        by_type.setdefault(metric["eval_type"], metric["id"])
    assert set(by_type) >= {"enum", "numeric", "binary"}
    return {metric_id: eval_type for eval_type, metric_id in by_type.items()}


@pytest.fixture(scope="module")
def dashboard_id(demo_api_server: DemoAPI) -> int:
    answer = demo_api_server.post(
        "/dashboards/dashboards/", json={"name": "widget rules property", "filters": WINDOW}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _plot(draw: Any, metrics: dict[int, str]) -> dict[str, Any]:
    options: list[dict[str, Any]] = [{"field": f} for f in rules.field_options()]
    options.append({"field": "metadata.plan"})
    options += [
        {"field": catalog.METRIC_VALUE_FIELD, "metric": m, "eval_type": e}
        for m, e in metrics.items()
    ]
    return dict(draw(st.sampled_from(options)))


def _group(draw: Any) -> dict[str, Any] | None:
    fields = [{"type": "field", "field": f} for f in rules.group_by_field_options()]
    buckets = [{"type": "bucket", "interval": ms} for ms in rules.BUCKET_INTERVALS]
    return draw(
        st.sampled_from([None, *fields, *buckets, {"type": "field", "field": "metadata.plan"}])
    )


@st.composite
def cascade(draw: Any, metrics: dict[int, str]) -> rules.Choices:
    """A walk through the editor: each answer is one of the options offered then."""
    choices, _ = rules.choose(rules.Choices(name="w"), **_plot(draw, metrics))
    choices, _ = rules.choose(
        choices, chart_type=draw(st.sampled_from(rules.chart_type_options(choices)))
    )
    periods = rules.time_period_options(choices)
    if periods:
        choices, _ = rules.choose(choices, time_period=draw(st.sampled_from(periods)))
    aggregations = rules.aggregation_options(choices)
    if aggregations:
        optional = [] if choices.chart_type == "bar" else [None]
        choices, _ = rules.choose(
            choices, aggregation=draw(st.sampled_from([*optional, *aggregations]))
        )
    if rules.can_group(choices):
        choices, _ = rules.choose(choices, group_by=_group(draw))
    return choices


def _preview(api: DemoAPI, choices: rules.Choices) -> Any:
    body = rules.preview_body(choices, dashboard_id=None)
    return api.post("/dashboards/widgets/preview_data/", json={**body, "dashboard_filters": WINDOW})


def test_every_widget_the_cascade_builds_is_drawn_and_created(
    demo_api_server: DemoAPI, metrics: dict[int, str], dashboard_id: int
) -> None:
    @SETTINGS
    @given(data=st.data())
    def check(data: Any) -> None:
        choices = data.draw(cascade(metrics))
        assert rules.reconcile(choices) == (choices, [])  # a settled walk resets nothing
        assert rules.widget_problems(choices) == []
        answer = _preview(demo_api_server, choices)
        assert answer.status_code == 200, (choices, answer.text)
        assert answer.json()["chart_type"] == choices.chart_type
        created = demo_api_server.post(
            "/dashboards/widgets/", json={**rules.create_body(choices), "dashboard": dashboard_id}
        )
        assert created.status_code == 201, (choices, created.text)
        assert "metadata" not in rules.create_body(choices)
        demo_api_server.delete(f"/dashboards/widgets/{created.json()['id']}/")
        SENT["cascade"] += 1

    check()
    assert SENT["cascade"] >= 300


def test_forbidden_combinations_are_refused_and_allowed_ones_drawn(
    demo_api_server: DemoAPI, metrics: dict[int, str], dashboard_id: int
) -> None:
    verdicts = {"forbidden": 0, "allowed": 0}

    # about one draw in ten is allowed and complete: at 320 examples the allowed count sat
    # near 30 and fell short of it in one run of five; twice the examples keep it far above
    @settings(SETTINGS, max_examples=2 * SETTINGS.max_examples)
    @given(data=st.data())
    def check(data: Any) -> None:
        plot = _plot(data.draw, metrics)
        if data.draw(st.booleans()):  # sometimes a field widgets cannot plot
            plot = data.draw(st.sampled_from([plot, {"field": "customer_number"}, {"field": "id"}]))
        choices = replace(
            rules.Choices(name="raw"),
            **plot,
            chart_type=data.draw(st.sampled_from(catalog.CHART_TYPES)),
            time_period=data.draw(st.sampled_from([None, *catalog.TIME_PERIODS])),
            aggregation=data.draw(st.sampled_from([None, *catalog.AGGREGATIONS])),
            group_by=_group(data.draw),
        )
        forbidden = rules.combination_problems(choices)
        complete = not rules.preview_problems(choices)
        if not forbidden and not complete:
            return  # incomplete (a bar without a period): the editor asks for the rest
        preview = _preview(demo_api_server, choices)
        created = demo_api_server.post(
            "/dashboards/widgets/",
            json={**rules.widget_body(choices), "dashboard": dashboard_id},
        )
        if forbidden:
            verdicts["forbidden"] += 1
            assert preview.status_code == 400, (choices, forbidden, preview.text)
            assert created.status_code == 400, (choices, forbidden, created.text)
        else:
            verdicts["allowed"] += 1
            assert preview.status_code == 200, (choices, preview.text)
            assert created.status_code == 201, (choices, created.text)
        if created.status_code == 201:
            demo_api_server.delete(f"/dashboards/widgets/{created.json()['id']}/")
        SENT["raw"] += 1

    check()
    assert verdicts["forbidden"] >= 100 and verdicts["allowed"] >= 30, verdicts
