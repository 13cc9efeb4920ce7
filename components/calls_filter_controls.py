"""The Calls page's builder behind one small function, so the page never depends on how
the builder is called. Its control bar is the editor's own (components/control_bar.py),
on the page's filter draft."""

from __future__ import annotations

from cekura_dashboards.filter_validation import Problem
from components.control_bar import render_control_bar as render_control_bar
from components.filter_builder import render_builder
from services.drafts import Draft


def render_filter_editor(
    draft: Draft,
    *,
    problems: dict[str, list[Problem]],
    agents: dict[int, str],
    metrics: dict[int, str],
    metric_values: dict[int, list[str]] | None = None,
) -> None:
    """The filter builder on `draft` (THE one call of the builder from the Calls page)."""
    render_builder(
        draft,
        problems=problems,
        server_errors={},
        agents=agents,
        metrics=metrics,
        metric_values=metric_values,
    )
