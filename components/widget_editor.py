"""The dashboard's widgets with their actions, and the widget editor as a side panel.

Why a panel and not st.dialog: a dialog closes on every full rerun (and a widget change
reruns the page, to redraw the list and the unsaved mark), AppTest cannot press a button
inside one, and the panel leaves the dashboard's filter, undo and Save in view while the
chart preview sits beside the choices. The per-widget actions are one picker plus
buttons, so the number of inputs does not grow with the number of widgets.

The editor asks in Cekura's order, each input offering only what
cekura_dashboards/widget_rules.py allows after the earlier answers; the state and the
callbacks are services/widget_editing.py. Nothing here writes to the API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import streamlit as st

from cekura_dashboards import catalog
from cekura_dashboards import widget_rules as rules
from cekura_dashboards.charts import build_view
from cekura_dashboards.models import Widget
from cekura_dashboards.widget_changes import (
    WorkingWidget,
    change_list,
    choices_of,
    their_changes,
)
from components.errors import escape_markdown, show_server_reason
from components.filter_builder import FOLLOW_PAGE, render_filter_builder
from components.inert import inert
from components.value_editors import sync
from components.widget_table import render_widget_table, widget_rows
from services import state_keys as keys
from services import widget_editing as editing
from services.drafts import Draft, get_draft

NO_GROUP = "none"
METADATA_CHOICE = "meta"


def _k(dashboard_id: int, part: str) -> str:
    return keys.w_wed(dashboard_id, part)


def _value(dashboard_id: int, part: str) -> Any:
    return st.session_state.get(_k(dashboard_id, part))


# --- the list and its actions ----------------------------------------------------------------
def display_widget(item: WorkingWidget, draft: Draft, metric_names: Mapping[int, str]) -> Any:
    """What the table shows for an entry: the saved widget, or the draft's version."""
    if item.choices is None:
        return next((w for w in draft.loaded.widgets if w.id == item.widget_id), {})
    body = rules.widget_body(item.choices)
    return {
        **body,
        "id": item.key,
        "metric_name": metric_names.get(body["metric"] or -1, ""),
        "name": f"{body['name']} (unsaved)",
    }


def render_widget_section(
    draft: Draft,
    *,
    agents: Mapping[int, str],
    metric_names: Mapping[int, str],
    metrics: Any,
) -> None:
    """The widget table of the draft, its actions, the delete confirmation, the editor."""
    dashboard_id = draft.dashboard_id
    working = draft.working_widgets()
    shown = [display_widget(item, draft, metric_names) for item in working]
    render_widget_table(
        dashboard_id,
        shown,
        widget_rows(shown, agents=agents, metrics=metric_names),
        draft.filters_json(),
        agents=agents,
        metrics=metric_names,
    )
    by_key = {item.key: item for item in working}
    with st.container(
        horizontal=True, vertical_alignment="bottom", key=f"wed_actions_{dashboard_id}"
    ):
        st.button(
            "Add widget",
            key=_k(dashboard_id, "add"),
            icon=":material/add_chart:",
            on_click=editing.open_new,
            args=(dashboard_id,),
        )
        if by_key:
            chosen = st.selectbox(
                "Widget",
                options=list(by_key),
                format_func=lambda k: _item_name(by_key[k], draft),
                key=_k(dashboard_id, "pick"),
                index=None,
                placeholder="Pick a widget to edit, copy or delete",
            )
            st.button(
                "Edit",
                key=_k(dashboard_id, "edit"),
                icon=":material/edit:",
                disabled=chosen is None,
                on_click=editing.open_existing,
                args=(dashboard_id, chosen, metrics),
            )
            st.button(
                "Copy",
                key=_k(dashboard_id, "copy"),
                icon=":material/content_copy:",
                disabled=chosen is None,
                on_click=editing.open_existing,
                args=(dashboard_id, chosen, metrics),
                kwargs={"copy": True},
            )
            st.button(
                "Delete",
                key=_k(dashboard_id, "delete"),
                icon=":material/delete:",
                disabled=chosen is None,
                on_click=editing.ask_delete,
                args=(dashboard_id, chosen),
            )
    _delete_confirmation(draft, by_key, metric_names)
    _widget_errors_summary(draft, by_key)
    edit = editing.current_edit(dashboard_id)
    if edit is not None:
        render_editor(draft, edit, metrics=metrics, agents=agents, metric_names=metric_names)


def _item_name(item: WorkingWidget, draft: Draft) -> str:
    choices = choices_of(item, draft.loaded.widgets)
    return (choices.name or "(no name)") + ("" if item.choices is None else " (unsaved)")


def _delete_confirmation(
    draft: Draft, by_key: Mapping[str, WorkingWidget], metric_names: Mapping[int, str]
) -> None:
    dashboard_id = draft.dashboard_id
    key = editing.pending_delete(dashboard_id)
    if key is None or key not in by_key:
        return
    choices = choices_of(by_key[key], draft.loaded.widgets)
    with st.container(border=True, key=f"wed_delete_box_{dashboard_id}"):
        st.warning(
            f"Delete widget “{escape_markdown(choices.name or '(no name)')}” "
            f"({escape_markdown(rules.describe(choices, metric_names))})? It leaves the "
            "dashboard when you save; until then Undo brings it back.",
            icon=":material/delete:",
        )
        with st.container(horizontal=True):
            st.button(
                "Delete widget",
                key=_k(dashboard_id, "delete_confirm"),
                type="primary",
                on_click=editing.confirm_delete,
                args=(dashboard_id,),
            )
            st.button(
                "Keep it",
                key=_k(dashboard_id, "delete_cancel"),
                on_click=editing.cancel_delete,
                args=(dashboard_id,),
            )


def _widget_errors_summary(draft: Draft, by_key: Mapping[str, WorkingWidget]) -> None:
    issue = draft.save_issue
    if issue is None or not issue.widget_errors:
        return
    for key, errors in issue.widget_errors.items():
        name = _item_name(by_key[key], draft) if key in by_key else "a widget"
        for part, messages in errors.items():
            for message in messages:
                show_server_reason(f"{name}, {part}: {message} (open it with Edit to fix it)")


# --- the editor panel ------------------------------------------------------------------------
def _plot_value(choices: rules.Choices) -> str | None:
    if choices.field is None:
        return None
    if rules.is_metric(choices):
        return f"m:{choices.metric}"
    if catalog.is_metadata_field(choices.field):
        return METADATA_CHOICE
    return f"f:{choices.field}"


def _on_name(dashboard_id: int) -> None:
    editing.answer(dashboard_id, name=str(_value(dashboard_id, "name") or ""))


def _on_plot(dashboard_id: int, metrics: Any) -> None:
    picked = _value(dashboard_id, "plot")
    types = editing.eval_types(metrics)
    if picked is None:
        editing.answer(dashboard_id, field=None, metric=None, eval_type=None)
    elif picked.startswith("m:"):
        metric = int(picked[2:])
        editing.answer(
            dashboard_id,
            field=catalog.METRIC_VALUE_FIELD,
            metric=metric,
            eval_type=types.get(metric),
        )
    elif picked == METADATA_CHOICE:
        key = str(_value(dashboard_id, "meta") or "").strip()
        editing.answer(dashboard_id, field=f"metadata.{key}" if key else None)
    else:
        editing.answer(dashboard_id, field=picked[2:])


def _on_simple(dashboard_id: int, part: str, answer: str) -> None:
    editing.answer(dashboard_id, **{answer: _value(dashboard_id, part)})


def _on_group(dashboard_id: int) -> None:
    picked = _value(dashboard_id, "group")
    if picked in (None, NO_GROUP):
        group = None
    elif picked.startswith("b:"):
        group = {"type": "bucket", "interval": int(picked[2:])}
    else:
        group = {"type": "field", "field": picked[2:]}
    editing.answer(dashboard_id, group_by=group)


def _group_value(group_by: Mapping[str, Any] | None) -> str:
    if not group_by:
        return NO_GROUP
    if group_by.get("type") == "bucket":
        return f"b:{group_by.get('interval')}"
    return f"f:{group_by.get('field')}"


def render_editor(
    draft: Draft,
    edit: editing.WidgetEdit,
    *,
    metrics: Any,
    agents: Mapping[int, str],
    metric_names: Mapping[int, str],
) -> None:
    dashboard_id = draft.dashboard_id
    c = edit.choices
    server = (
        draft.save_issue.widget_errors.get(edit.key, {}) if draft.save_issue is not None else {}
    )
    titles = {"new": "New widget", "edit": "Edit widget", "copy": "Copy of a widget"}
    with st.container(border=True, key=f"wed_panel_{dashboard_id}"):
        st.markdown(f"#### {titles[edit.mode]}")
        choices_col, preview_col = st.columns([1, 1])
        with choices_col:
            sync(_k(dashboard_id, "name"), c.name)
            st.text_input(
                "Name",
                key=_k(dashboard_id, "name"),
                max_chars=255,
                on_change=_on_name,
                args=(dashboard_id,),
                placeholder="What the widget shows, e.g. Calls per agent",
            )
            _reasons(server, "name")
            if rules.plots_field(c):
                _plot_input(dashboard_id, c, metrics, metric_names)
                _reasons(server, "field", "metric", "data_type")
            else:
                st.caption(
                    "Summary numbers plot no field: total calls, success rate, average "
                    "duration and p95 duration."
                )
            charts = rules.chart_type_options(c)
            sync(_k(dashboard_id, "chart"), c.chart_type)
            st.selectbox(
                "Chart type",
                options=list(charts),
                format_func=lambda x: rules.CHART_WORDS[x].capitalize(),
                index=None,
                key=_k(dashboard_id, "chart"),
                placeholder="Pick a chart type",
                on_change=_on_simple,
                args=(dashboard_id, "chart", "chart_type"),
            )
            _reasons(server, "chart_type")
            periods = rules.time_period_options(c)
            if periods:
                sync(_k(dashboard_id, "period"), c.time_period)
                st.selectbox(
                    "Time period (one bar per)",
                    options=list(periods),
                    index=None,
                    key=_k(dashboard_id, "period"),
                    placeholder="Pick a time period",
                    on_change=_on_simple,
                    args=(dashboard_id, "period", "time_period"),
                )
                _reasons(server, "time_period")
            aggregations = rules.aggregation_options(c)
            if c.chart_type == "bar" or (
                aggregations and c.group_by and c.group_by.get("type") == "bucket"
            ):
                sync(_k(dashboard_id, "agg"), c.aggregation)
                st.selectbox(
                    "Aggregation",
                    options=list(aggregations),
                    format_func=lambda a: rules.AGGREGATION_WORDS[a].capitalize(),
                    index=None,
                    key=_k(dashboard_id, "agg"),
                    placeholder="Pick an aggregation",
                    on_change=_on_simple,
                    args=(dashboard_id, "agg", "aggregation"),
                )
                _reasons(server, "aggregation_function")
            if rules.can_group(c):
                _group_input(dashboard_id, c)
                _reasons(server, "group_by")
            widget_filter_editor(dashboard_id, edit, agents=agents, metrics=metric_names)
            _reasons(server, "filters", "non_field_errors")
            for note in edit.notes:
                st.info(escape_markdown(note), icon=":material/restart_alt:")
            problems = rules.widget_problems(c)
            if edit.filter_message:
                problems = [*problems, "Fix the widget filter (or empty it)."]
            with st.container(horizontal=True):
                st.button(
                    "Add to the draft" if edit.widget_id is None else "Apply to the draft",
                    key=_k(dashboard_id, "apply"),
                    type="primary",
                    disabled=bool(problems),
                    help=" ".join(problems) or "It is saved with the dashboard when you Save.",
                    on_click=editing.apply,
                    args=(dashboard_id,),
                )
                st.button(
                    "Cancel",
                    key=_k(dashboard_id, "cancel"),
                    on_click=editing.close,
                    args=(dashboard_id,),
                )
        with preview_col:
            render_live_preview(draft, edit, metric_names=metric_names, agents=agents)


def _reasons(server: Mapping[str, list[str]], *parts: str) -> None:
    for part in parts:
        for message in server.get(part, []):
            show_server_reason(message)


def _plot_input(
    dashboard_id: int, c: rules.Choices, metrics: Any, metric_names: Mapping[int, str]
) -> None:
    labels: dict[str, str] = {f"f:{f}": catalog.plottable_label(f) for f in rules.field_options()}
    labels[METADATA_CHOICE] = "Metadata (a key you type)"
    for metric in metrics or ():
        if metric.id in rules.metric_options(list(metrics)):
            kind = rules.EVAL_TYPE_WORDS.get(metric.eval_type, metric.eval_type)
            labels[f"m:{metric.id}"] = f"Metric: {metric.name} ({kind})"
    value = _plot_value(c)
    if value is not None and value not in labels:
        labels[value] = f"Metric #{c.metric}" if value.startswith("m:") else str(c.field)
    sync(_k(dashboard_id, "plot"), value)
    st.selectbox(
        "What to plot",
        options=list(labels),
        format_func=lambda v: labels[v],
        index=None,
        key=_k(dashboard_id, "plot"),
        placeholder="A call field or a metric",
        on_change=_on_plot,
        args=(dashboard_id, metrics),
        help="Metrics are those of the dashboard's project; their evaluation type decides "
        "the charts they can be.",
    )
    if value == METADATA_CHOICE or (
        _value(dashboard_id, "plot") == METADATA_CHOICE and c.field is None
    ):
        if c.field and catalog.is_metadata_field(c.field):
            sync(_k(dashboard_id, "meta"), c.field[len(catalog.METADATA_PREFIX) :])
        st.text_input(
            "Metadata key",
            key=_k(dashboard_id, "meta"),
            on_change=_on_plot,
            args=(dashboard_id, metrics),
            placeholder="e.g. plan",
        )
        if c.field:
            problem = catalog.metadata_key_problem(c.field[len(catalog.METADATA_PREFIX) :])
            if problem:
                st.error(escape_markdown(problem))


def _group_input(dashboard_id: int, c: rules.Choices) -> None:
    labels: dict[str, str] = {NO_GROUP: "No grouping"}
    for name in rules.group_by_field_options():
        spec = catalog.widget_field_spec(name)
        labels[f"f:{name}"] = f"By {spec.label if spec else name}"
    for ms, words in rules.BUCKET_INTERVALS.items():
        labels[f"b:{ms}"] = f"Time buckets of {words}"
    value = _group_value(c.group_by)
    if value not in labels:
        labels[value] = rules.group_words(c.group_by)
    sync(_k(dashboard_id, "group"), value)
    st.selectbox(
        "Group by (optional)",
        options=list(labels),
        format_func=lambda v: labels[v],
        key=_k(dashboard_id, "group"),
        on_change=_on_group,
        args=(dashboard_id,),
    )


def widget_filter_editor(
    dashboard_id: int,
    edit: editing.WidgetEdit,
    *,
    agents: Mapping[int, str],
    metrics: Mapping[int, str],
) -> None:
    """The widget's own filter, in the same builder as the dashboard's (its own scope, so
    its rows and the dashboard's never mix). The whole page follows an applied edit: the
    preview reads the filter."""
    draft = get_draft(dashboard_id)
    project = draft.project if draft is not None else None

    def tree_now() -> Any:
        current = editing.current_edit(dashboard_id)
        return current.filter_tree if current is not None else None

    with st.expander("Widget filter (optional)", expanded=edit.filter_tree is not None):
        st.caption(
            "Only calls that also match this filter count in this widget; the dashboard's "
            "filter applies too."
        )
        render_filter_builder(
            tree_now,
            lambda change: editing.edit_filter(dashboard_id, change),
            f"wf{dashboard_id}",
            project,
            follow=(FOLLOW_PAGE,),
        )
        if edit.filter_message:
            st.error(inert(edit.filter_message), icon=":material/error:")


# --- the live preview ------------------------------------------------------------------------
def render_live_preview(
    draft: Draft,
    edit: editing.WidgetEdit,
    *,
    metric_names: Mapping[int, str],
    agents: Mapping[int, str],
) -> None:
    c = edit.choices
    st.markdown("**Preview** (under your draft dashboard filter; nothing is saved)")
    missing = rules.preview_problems(c)
    if missing:
        st.info(
            "To see the chart: " + escape_markdown(" ".join(missing)), icon=":material/pending:"
        )
        return
    body = rules.preview_body(c, dashboard_id=draft.dashboard_id)
    found = editing.preview(draft.dashboard_id, body, draft.filters_json())
    if found.data is None:
        st.warning("No preview: " + escape_markdown(found.message), icon=":material/block:")
        return
    widget = Widget(
        id=0,
        **{k: v for k, v in rules.widget_body(c).items()},
        metric_name=metric_names.get(c.metric or -1, ""),
    )
    view = build_view(widget, found.data, names=dict(agents))
    st.caption(escape_markdown(rules.describe(c, metric_names)))
    if view.chart is not None:
        st.altair_chart(view.chart, width="stretch", key=_k(draft.dashboard_id, "chart_view"))
    else:
        st.text(view.text or "")


# --- the save preview and the save issue -------------------------------------------------------
def render_widget_requests(draft: Draft, base_url: str, metric_names: Mapping[int, str]) -> None:
    """The bulk_widgets/ request Save sends after the PATCH, exactly, with its words."""
    bulk = draft.widget_bulk()
    if not bulk:
        return
    st.markdown("**Widgets** (a second request, after the dashboard's)")
    lines = change_list(draft.widgets, draft.loaded.widgets, metric_names=metric_names)
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in lines))
    url = f"{base_url.rstrip('/')}/dashboards/dashboards/{draft.dashboard_id}/bulk_widgets/"
    st.code(f"POST {url}", language=None)
    st.code(json.dumps(bulk.body(), indent=2, ensure_ascii=False), language="json")
    st.caption(
        "All of it or none of it: the API applies the widget changes in one transaction. "
        "Widget metadata (grid position and size) is never sent."
    )


def render_widget_issue(draft: Draft, metric_names: Mapping[int, str]) -> None:
    """What a save with widget changes did: the half that was saved, and, for a conflict,
    their widget changes beside the user's."""
    issue = draft.save_issue
    if issue is None:
        return
    if issue.saved_part:
        st.success(
            escape_markdown(issue.saved_part)
            + " Not saved: the widget changes below; they are still in your draft.",
            icon=":material/rule:",
        )
        lines = change_list(draft.widgets, draft.loaded.widgets, metric_names=metric_names)
        st.markdown("\n".join(f"- {escape_markdown(line)}" for line in lines))
    if issue.kind == "conflict" and issue.server_copy is not None:
        theirs = their_changes(
            draft.loaded.widgets, issue.server_copy.widgets, metric_names=metric_names
        )
        mine = change_list(draft.widgets, draft.loaded.widgets, metric_names=metric_names)
        if not theirs and not mine:
            return
        theirs_col, mine_col = st.columns(2)
        with theirs_col:
            st.markdown("**Their widget changes**")
            st.markdown("\n".join(f"- {escape_markdown(x)}" for x in theirs) or "None.")
        with mine_col:
            st.markdown("**Your widget changes**")
            st.markdown("\n".join(f"- {escape_markdown(x)}" for x in mine) or "None.")
