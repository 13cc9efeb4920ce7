"""The filter builder: nested groups of condition rows, drawn from the draft.

Every change happens in an on_change/on_click callback that makes one edit on the draft
(one undo step); the script then draws from the draft. Widget keys come from node ids
(`flt_<node_id>_<part>`), so adding or moving a row never shifts another row's state.
The caller runs this inside an `st.fragment`, so an edit reruns only the builder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from cekura_dashboards import catalog
from cekura_dashboards.filter_edit import (
    FilterEditError,
    add_condition,
    add_group,
    duplicate,
    move_down,
    move_up,
    remove,
    set_field,
    set_op,
    set_operator,
    set_value,
)
from cekura_dashboards.filter_tree import Condition, Group, Node
from cekura_dashboards.filter_validation import Problem
from components.errors import show_server_reason
from components.inert import inert
from components.value_editors import render_value_editor, sync
from services.drafts import Draft, get_draft
from services.state_keys import w_filter as key

log = logging.getLogger(__name__)

METADATA_CHOICE = "metadata.*"  # the field picker's "a metadata key you type" entry
_FIELD_CHOICES: list[str] = [
    name
    for group in catalog.FIELD_GROUPS
    for name, spec in catalog.FIELDS.items()
    if spec.group == group
]
# metadata sits between Agent and Metric evaluation, as catalog.FIELD_GROUPS orders them
_FIELD_CHOICES.insert(
    next(i for i, n in enumerate(_FIELD_CHOICES) if catalog.FIELDS[n].group == "Metric evaluation"),
    METADATA_CHOICE,
)
MAX_NESTING = 6  # groups deeper than this are still shown, but no new group can be added


def field_choice_label(choice: str) -> str:
    if choice == METADATA_CHOICE:
        return catalog.METADATA_PICKER
    spec = catalog.FIELDS.get(choice)
    if spec is None:
        return f"Unknown field: {choice}"
    return spec.picker


def group_label(operator: str) -> str:
    return catalog.LOGICAL_LABELS.get(operator, f"Unknown: {operator}")


# --- callbacks: one draft edit each --------------------------------------------------------
def _edit(dashboard_id: int, change: Callable[[Node | None], Node | None]) -> None:
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    try:
        draft.edit_tree(change)
    except FilterEditError:
        # a click on a row that an undo in another tab removed: nothing to do
        log.info("Ignored an edit of a node that is gone")


def _on_field(dashboard_id: int, node_id: str) -> None:
    choice = st.session_state[key(node_id, "field")]
    if choice == METADATA_CHOICE:
        meta_key = str(st.session_state.get(key(node_id, "metakey")) or "").strip()
        field = catalog.METADATA_PREFIX + meta_key
    else:
        field = choice
    _edit(dashboard_id, lambda t: set_field(t, node_id, field))


def _on_metadata_key(dashboard_id: int, node_id: str) -> None:
    meta_key = str(st.session_state[key(node_id, "metakey")] or "").strip()
    _edit(dashboard_id, lambda t: set_field(t, node_id, catalog.METADATA_PREFIX + meta_key))


def _on_op(dashboard_id: int, node_id: str) -> None:
    op = st.session_state[key(node_id, "op")]
    _edit(dashboard_id, lambda t: set_op(t, node_id, op))


def _on_operator(dashboard_id: int, node_id: str) -> None:
    operator = st.session_state[key(node_id, "operator")]
    if operator is None:
        return
    _edit(dashboard_id, lambda t: set_operator(t, node_id, operator))


def on_value(dashboard_id: int) -> Callable[[str, Any], None]:
    def report(node_id: str, value: Any) -> None:
        _edit(dashboard_id, lambda t: set_value(t, node_id, value))

    return report


def on_time_mode(dashboard_id: int) -> Callable[[str, str], None]:
    def remember(node_id: str, mode: str) -> None:
        draft = get_draft(dashboard_id)
        if draft is not None:
            draft.time_modes[node_id] = mode

    return remember


def _add_condition(dashboard_id: int, group_id: str | None) -> None:
    _edit(dashboard_id, lambda t: add_condition(t, group_id))


def _add_group(dashboard_id: int, group_id: str | None) -> None:
    _edit(dashboard_id, lambda t: add_group(t, group_id))


def _duplicate(dashboard_id: int, node_id: str) -> None:
    _edit(dashboard_id, lambda t: duplicate(t, node_id))


def _remove(dashboard_id: int, node_id: str) -> None:
    _edit(dashboard_id, lambda t: remove(t, node_id))


def _move_up(dashboard_id: int, node_id: str) -> None:
    _edit(dashboard_id, lambda t: move_up(t, node_id))


def _move_down(dashboard_id: int, node_id: str) -> None:
    _edit(dashboard_id, lambda t: move_down(t, node_id))


# --- drawing ---------------------------------------------------------------------------------
class _Context:
    """What every row needs, worked out once per rerun (not once per row)."""

    def __init__(
        self,
        draft: Draft,
        problems: dict[str, list[Problem]],
        server_errors: dict[str, list[str]],
        agents: dict[int, str],
        metrics: dict[int, str],
        metric_values: dict[int, list[str]],
    ) -> None:
        self.draft = draft
        self.metric_values = metric_values
        self.dashboard_id = draft.dashboard_id
        self.problems = problems
        self.server_errors = server_errors
        self.agents = agents
        self.metrics = metrics
        self.on_value = on_value(draft.dashboard_id)
        self.on_time_mode = on_time_mode(draft.dashboard_id)


def render_builder(
    draft: Draft,
    *,
    problems: dict[str, list[Problem]],
    server_errors: dict[str, list[str]],
    agents: dict[int, str],
    metrics: dict[int, str],
    metric_values: dict[int, list[str]] | None = None,
) -> None:
    """`metric_values`: an enum metric's id -> its values, offered for its score."""
    ctx = _Context(draft, problems, server_errors, agents, metrics, metric_values or {})
    root = draft.tree
    if root is None:
        st.caption("No filter yet: the dashboard shows every call of its project.")
        _add_buttons(ctx, None, depth=0)
        return
    if isinstance(root, Condition):
        # A lone condition reads as a group of one; adding a row wraps it in "all of".
        with st.container(border=True, key=f"flt_root_{draft.dashboard_id}"):
            st.markdown("**Calls where**")
            _condition_row(ctx, root, index=0, siblings=1, row_metric=None)
            _add_buttons(ctx, None, depth=1)
        return
    _group_box(ctx, root, depth=0, index=0, siblings=1)


def _node_problems(ctx: _Context, node_id: str) -> None:
    for problem in ctx.problems.get(node_id, ()):
        text = inert(problem.message)
        if problem.severity == "error":
            st.error(text, icon=":material/error:")
        else:
            st.warning(text, icon=":material/warning:")
    for message in ctx.server_errors.get(node_id, ()):
        show_server_reason(message)


def _group_box(ctx: _Context, group: Group, *, depth: int, index: int, siblings: int) -> None:
    gid = group.node_id
    with st.container(border=True, key=f"flt_{gid}_box"):
        head, actions = st.columns([5, 2], vertical_alignment="center")
        with head:
            operator_key = key(gid, "operator")
            options = list(catalog.LOGICAL_OPERATORS)
            if group.operator not in options:
                options.append(group.operator)
            sync(operator_key, group.operator)
            # segmented, not a selectbox: the words stay visible, and a selectbox costs
            # a pass over the whole session state on every rerun (Streamlit 1.67)
            st.segmented_control(
                "Calls where" if depth == 0 else "Where",
                options=options,
                format_func=group_label,
                key=operator_key,
                on_change=_on_operator,
                args=(ctx.dashboard_id, gid),
                required=True,
                help="All of: every condition must hold. Any of: at least one must hold. "
                "Same metric evaluation: all must hold on one and the same metric result "
                "(e.g. metric is Accuracy and its score is at least 0.9).",
            )
        if depth > 0:
            with actions:
                _row_actions(ctx, gid, index=index, siblings=siblings, what="group")
        _node_problems(ctx, gid)
        for child_index, child in enumerate(group.conditions):
            if isinstance(child, Group):
                _group_box(
                    ctx, child, depth=depth + 1, index=child_index, siblings=len(group.conditions)
                )
            else:
                _condition_row(
                    ctx,
                    child,
                    index=child_index,
                    siblings=len(group.conditions),
                    row_metric=_row_metric(group),
                )
        if not group.conditions:
            st.caption("This group is empty.")
        _add_buttons(ctx, gid, depth=depth + 1)


def _add_buttons(ctx: _Context, group_id: str | None, *, depth: int) -> None:
    where = group_id or "root"
    with st.container(horizontal=True, key=f"flt_{where}_adds"):
        st.button(
            "Add condition",
            key=key(where, "add_condition"),
            icon=":material/add:",
            on_click=_add_condition,
            args=(ctx.dashboard_id, group_id),
            help="Add one more condition to this group.",
        )
        st.button(
            "Add group",
            key=key(where, "add_group"),
            icon=":material/library_add:",
            on_click=_add_group,
            args=(ctx.dashboard_id, group_id),
            help="Add a group of conditions with its own all/any choice (for example: "
            "topic is billing OR topic is refunds).",
            disabled=depth >= MAX_NESTING,
        )


def _row_actions(ctx: _Context, node_id: str, *, index: int, siblings: int, what: str) -> None:
    actions = (
        ("up", ":material/arrow_upward:", f"Move this {what} up", _move_up, index == 0),
        (
            "down",
            ":material/arrow_downward:",
            f"Move this {what} down",
            _move_down,
            index >= siblings - 1,
        ),
        ("duplicate", ":material/content_copy:", f"Duplicate this {what}", _duplicate, False),
        ("remove", ":material/delete:", f"Remove this {what}", _remove, False),
    )
    # the narrowest gap keeps the four icons on one line in nested groups
    with st.container(horizontal=True, horizontal_alignment="right", gap="xxsmall"):
        for suffix, icon, help_text, callback, disabled in actions:
            st.button(
                icon,
                key=key(node_id, suffix),
                help=help_text,
                on_click=callback,
                args=(ctx.dashboard_id, node_id),
                disabled=disabled,
                type="tertiary",
            )


def _row_metric(group: Group) -> int | None:
    """The metric a same_row group is about (`metric is X` among its conditions)."""
    if group.operator != "same_row":
        return None
    for child in group.conditions:
        if (
            isinstance(child, Condition)
            and child.field == catalog.METRIC_ID_FIELD
            and child.op == "eq"
            and isinstance(child.value, int)
            and not isinstance(child.value, bool)
        ):
            return child.value
    return None


def _condition_row(
    ctx: _Context, cond: Condition, *, index: int, siblings: int, row_metric: int | None
) -> None:
    nid = cond.node_id
    spec = catalog.field_spec(cond.field)
    is_metadata = cond.field.startswith(catalog.METADATA_PREFIX)
    field_col, op_col, value_col, actions_col = st.columns(
        [3, 2.4, 4, 1.6], vertical_alignment="top"
    )
    with field_col:
        choice = METADATA_CHOICE if is_metadata else cond.field
        options = _FIELD_CHOICES if choice in _FIELD_CHOICES else [*_FIELD_CHOICES, choice]
        field_key = key(nid, "field")
        sync(field_key, choice)
        st.selectbox(
            "Field",
            options=options,
            format_func=field_choice_label,
            key=field_key,
            on_change=_on_field,
            args=(ctx.dashboard_id, nid),
            label_visibility="collapsed",
        )
        if is_metadata:
            meta_key = key(nid, "metakey")
            sync(meta_key, cond.field[len(catalog.METADATA_PREFIX) :])
            st.text_input(
                "Metadata key",
                key=meta_key,
                on_change=_on_metadata_key,
                args=(ctx.dashboard_id, nid),
                placeholder="Metadata key, e.g. region",
                label_visibility="collapsed",
            )
    with op_col:
        kind = spec.kind if spec else "string"
        ops = list(spec.ops) if spec else list(catalog.ALL_OPS)
        if cond.op not in ops:
            ops.append(cond.op)
        op_key = key(nid, "op")
        # Always set: an op's words change with the field's kind (gte: "at least" / "on or
        # after") and a keyed selectbox would otherwise keep, and send back, the old words.
        st.session_state[op_key] = cond.op
        st.selectbox(
            "Comparison",
            options=ops,
            format_func=lambda op: _op_words(op, kind),
            key=op_key,
            on_change=_on_op,
            args=(ctx.dashboard_id, nid),
            label_visibility="collapsed",
        )
    with value_col:
        render_value_editor(
            cond,
            on_value=ctx.on_value,
            agents=ctx.agents,
            metrics=ctx.metrics,
            time_modes=ctx.draft.time_modes,
            on_time_mode=ctx.on_time_mode,
            choices=ctx.metric_values.get(row_metric) if row_metric is not None else None,
        )
    with actions_col:
        _row_actions(ctx, nid, index=index, siblings=siblings, what="condition")
    _node_problems(ctx, nid)


def _op_words(op: str, kind: str) -> str:
    try:
        return catalog.op_label(op, kind)
    except KeyError:
        return f"unknown ({op})"
