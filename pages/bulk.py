"""Bulk change: one change to many dashboards' filters. Choose the change, read the dry run
(nothing is sent), apply one dashboard at a time with progress, revert the batch."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from cekura_dashboards import bulk_plan as bp
from cekura_dashboards import catalog
from cekura_dashboards.control_bar import QUICK_RANGES, quick_range
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.filter_tree import Group, Node
from cekura_dashboards.filter_validation import validate_filter
from cekura_dashboards.models import Dashboard
from components.errors import escape_markdown, show_error
from services import state_keys as keys
from services.access import denial_reason
from services.bulk import (
    BulkRun,
    advance,
    cancel_run,
    current_run,
    current_target,
    load_copies,
    start_apply,
    start_revert,
    target_ids,
)
from services.reads import load_agents, load_call_count, load_metrics, project_names
from services.signin import current_actor

EDITOR_URL = "editor?dashboard={id}"
LIST_PAGE = "pages/dashboards.py"
# The builder's scratch draft for "add a condition" lives under this id; no dashboard has it.
SCRATCH_ID = 0

KINDS = {
    "date_range": "Set the date range",
    "add_agents": "Add agents to the agent filter",
    "remove_agents": "Remove agents from the agent filter",
    "replace_agent": "Replace one agent by another",
    "add_condition": "Add a condition or a group to every filter",
    "replace_value": "Replace a value, for one field",
    "remove_field": "Remove every condition on a field",
}
NO_RANGE = "none"
OUTCOME_WORDS = {
    "saved": "Saved",
    "skipped": "Skipped",
    "conflict": "Conflict",
    "failed": "Failed",
    "unknown": "Unknown",
}

state = st.session_state
cannot_bulk = denial_reason(current_actor(), "bulk")


# ---- the change's inputs ------------------------------------------------------------------
def _agent_choices(project_id: int | None) -> dict[int, str]:
    """Agent id -> "Name (Project)", for pickers by name."""
    projects = project_names()
    out: dict[int, str] = {}
    for agent in load_agents(project_id):
        where = projects.get(agent.project) if agent.project is not None else None
        out[int(agent.id)] = f"{agent.agent_name} ({where})" if where else agent.agent_name
    return out


def _agent_names(project_id: int | None) -> dict[int, str]:
    return {int(a.id): a.agent_name for a in load_agents(project_id)}


def _parse_value(text: str) -> Any:
    """A typed value: JSON when it reads as JSON (60, true, "60"), else the text itself."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def condition_builder(project_id: int | None) -> Node | None:
    """The one place this page draws the filter builder (components/filter_builder.py),
    on a scratch draft of its own; returns the node to add (a lone condition, or the
    group built); its pickers offer what exists in `project_id`. Re-point this function
    when the builder's interface changes. The whole page follows an applied edit (the dry
    run and Apply read the node)."""
    from components.filter_builder import FOLLOW_PAGE, render_filter_builder
    from services.drafts import get_draft, start_draft

    draft = get_draft(SCRATCH_ID) or start_draft(Dashboard(id=SCRATCH_ID, name="", filters=None))

    def tree_now() -> Node | None:
        found = get_draft(SCRATCH_ID)
        return found.tree if found is not None else None

    def edit(change: Any) -> None:
        found = get_draft(SCRATCH_ID)
        if found is not None:
            found.edit_tree(change)

    render_filter_builder(tree_now, edit, "bulk", project_id, follow=(FOLLOW_PAGE,))
    tree = draft.tree
    if isinstance(tree, Group) and tree.operator == "and" and len(tree.conditions) == 1:
        return tree.conditions[0]
    return tree


def choose_change(project_id: int | None) -> bp.BulkChange | str:
    """The change from the menu and its inputs, or what is missing (a sentence)."""
    kind = st.selectbox(
        "What to change", options=list(KINDS), format_func=KINDS.__getitem__, key=keys.W_BULK_KIND
    )
    if kind == "date_range":
        choice = st.selectbox(
            "Date range",
            options=[q.key for q in QUICK_RANGES] + [NO_RANGE],
            format_func=lambda k: "No date range" if k == NO_RANGE else quick_range(k).label,
            key=keys.W_BULK_RANGE,
        )
        return bp.set_date_range(None if choice == NO_RANGE else quick_range(choice))
    if kind in ("add_agents", "remove_agents", "replace_agent"):
        choices = _agent_choices(project_id)
        names = _agent_names(project_id)
        if not choices:
            return "There are no agents to choose from."
        if kind == "replace_agent":
            left, right = st.columns(2)
            old = left.selectbox(
                "Replace agent",
                options=list(choices),
                format_func=choices.__getitem__,
                index=None,
                placeholder="Choose the agent to replace",
                key=keys.W_BULK_OLD_AGENT,
            )
            new = right.selectbox(
                "By agent",
                options=list(choices),
                format_func=choices.__getitem__,
                index=None,
                placeholder="Choose its replacement",
                key=keys.W_BULK_NEW_AGENT,
            )
            if old is None or new is None:
                return "Choose the agent to replace and the one that takes its place."
            if old == new:
                return "Choose two different agents."
            return bp.replace_agent(old, new, names)
        picked = st.multiselect(
            "Agents",
            options=list(choices),
            format_func=choices.__getitem__,
            key=keys.W_BULK_AGENTS,
            placeholder="Choose one or more agents",
        )
        if not picked:
            return "Choose at least one agent."
        make = bp.add_agents if kind == "add_agents" else bp.remove_agents
        return make(picked, names)
    if kind == "add_condition":
        agents = _agent_names(project_id)
        metrics = {int(m.id): m.name for m in load_metrics(project_id)}
        st.caption(
            "Build what to add: it is added to each dashboard's filter at its top level "
            "(all of its conditions and this one)."
        )
        node = condition_builder(project_id)
        if node is None:
            return "Add a condition (or a group) to add."
        if any(p.severity == "error" for p in validate_filter(node)):
            return "Fix the condition above first."
        return bp.add_at_top_level(node, agents=agents, metrics=metrics)
    field_name = st.selectbox(
        "Field",
        options=list(catalog.FIELDS),
        format_func=lambda n: catalog.FIELDS[n].picker,
        key=keys.W_BULK_FIELD,
    )
    if kind == "remove_field":
        return bp.remove_field(field_name)
    left, right = st.columns(2)
    old_text = left.text_input("Replace the value", key=keys.W_BULK_OLD_VALUE)
    new_text = right.text_input("By the value", key=keys.W_BULK_NEW_VALUE)
    st.caption(
        'Numbers and true/false are read as such; put text in quotes ("60") to keep it text. '
        "Ids of agents and metrics are numbers."
    )
    if not old_text.strip() or not new_text.strip():
        return "Type the value to replace and the new value."
    try:
        return bp.replace_value(field_name, _parse_value(old_text), _parse_value(new_text))
    except ValueError as err:
        return str(err)


# ---- dry run --------------------------------------------------------------------------------
def _dry_run(change: bp.BulkChange, ids: list[int], project_id: int | None) -> None:
    try:
        copies = load_copies(ids)
        agents = _agent_names(project_id)
        metrics = {int(m.id): m.name for m in load_metrics(project_id)}
    except CekuraError as err:
        state[keys.S_BULK_PLAN] = err
        return
    state[keys.S_BULK_PLAN] = bp.plan_bulk(
        copies, change, agents=agents, metrics=metrics, projects=None
    )
    state.pop(keys.S_BULK_COUNTS, None)


STATUS_WORDS = {"change": "Will change", "no change": "No change", "skipped": "Skipped"}


def plan_frame(plan: bp.BulkPlan, counts: dict[int, tuple[int, int]]) -> pd.DataFrame:
    records = []
    for item in plan.items:
        problems = "; ".join(p.message for p in item.problems)
        if item.status != "change":
            problems = item.reason if not problems else f"{item.reason}"
        before_after = counts.get(item.dashboard_id)
        records.append(
            {
                "Dashboard": item.name or "(untitled)",
                "Result": STATUS_WORDS[item.status],
                "What changes": "\n".join(item.changes) if item.changes else "—",
                "Problems or reason": problems or "—",
                "Calls before → after": (
                    f"{before_after[0]:,} → {before_after[1]:,}" if before_after else ""
                ),
                "PATCH body": json.dumps(item.body, ensure_ascii=False) if item.body else "",
                "Open": EDITOR_URL.format(id=item.dashboard_id),
                "ID": item.dashboard_id,
            }
        )
    return pd.DataFrame.from_records(records)


def _count_calls(plan: bp.BulkPlan) -> None:
    dashboard_id = state.get(keys.W_BULK_COUNT_PICK)
    item = next((i for i in plan.items if i.dashboard_id == dashboard_id), None)
    if item is None:
        return
    try:
        before = load_call_count(item.project, item.before.filters)
        after = load_call_count(item.project, item.filters_after)
    except CekuraError as err:
        st.toast(f"Could not count the calls: {err.user_message}")
        return
    counts = dict(state.get(keys.S_BULK_COUNTS) or {})
    counts[item.dashboard_id] = (before, after)
    state[keys.S_BULK_COUNTS] = counts


def show_plan(plan: bp.BulkPlan) -> None:
    st.subheader("Dry run")
    st.markdown(f"**{escape_markdown(plan.change.label)}** — {plan.summary()}. Nothing was sent.")
    counts = state.get(keys.S_BULK_COUNTS) or {}
    st.dataframe(
        plan_frame(plan, counts),
        hide_index=True,
        width="stretch",
        column_order=[
            "Dashboard",
            "Result",
            "What changes",
            "Problems or reason",
            "Calls before → after",
            "PATCH body",
            "Open",
        ],
        column_config={
            "Open": st.column_config.LinkColumn("Open", display_text="Open", width=70),
            "PATCH body": st.column_config.TextColumn("PATCH body", width=280),
            "What changes": st.column_config.TextColumn("What changes", width=320),
        },
    )
    with st.container(key="bulk_counts"):
        names = {i.dashboard_id: i.name or f"#{i.dashboard_id}" for i in plan.items}
        pick_col, count_col = st.columns([4, 1.4], vertical_alignment="bottom")
        pick_col.selectbox(
            "Calls before and after, for one dashboard",
            options=list(names),
            format_func=names.__getitem__,
            key=keys.W_BULK_COUNT_PICK,
        )
        count_col.button(
            "Count calls",
            key=keys.W_BULK_COUNT,
            on_click=_count_calls,
            args=(plan,),
            help="Two call-log reads: how many calls the filter matches now and after.",
        )


# ---- apply / revert --------------------------------------------------------------------------
def _tally_words(run: BulkRun) -> str:
    from admin_store.bulk import tally

    found = tally(run.results)
    return " · ".join(f"{OUTCOME_WORDS[k]}: {n}" for k, n in found.items())


def results_frame(run: BulkRun) -> pd.DataFrame:
    rows = [
        {
            "Dashboard": r.name or f"#{r.dashboard_id}",
            "Outcome": OUTCOME_WORDS[r.outcome],
            "Reason": r.reason or "—",
            "Open": EDITOR_URL.format(id=r.dashboard_id),
        }
        for r in run.results
    ]
    for step in run.not_run():
        name = getattr(step, "name", "") or f"#{step.dashboard_id}"
        rows.append(
            {
                "Dashboard": name,
                "Outcome": "Not run",
                "Reason": "Cancelled before this one.",
                "Open": EDITOR_URL.format(id=step.dashboard_id),
            }
        )
    return pd.DataFrame.from_records(rows, columns=["Dashboard", "Outcome", "Reason", "Open"])


def show_run(run: BulkRun) -> None:
    what = "Reverting the batch" if run.kind == "revert" else "Applying"
    total = max(1, len(run.steps))
    if not run.finished:
        st.subheader(f"{what}: {run.done} of {len(run.steps)}")
        st.progress(run.done / total, text=_tally_words(run))
        st.button("Cancel", key=keys.W_BULK_CANCEL, on_click=cancel_run, icon=":material/stop:")
        st.caption("Cancel stops after the dashboard being changed now.")
        return
    verb = "Revert" if run.kind == "revert" else "Apply"
    ended = "cancelled" if run.cancelled else "finished"
    st.subheader(f"{verb} {ended}")
    st.progress(run.done / total, text=_tally_words(run))
    st.markdown(f"**{escape_markdown(run.label)}** · {_tally_words(run)}")
    st.dataframe(
        results_frame(run),
        hide_index=True,
        width="stretch",
        column_config={
            "Open": st.column_config.LinkColumn("Open", display_text="Open", width=70),
            "Reason": st.column_config.TextColumn("Reason", width=520),
        },
    )
    if run.kind == "apply" and any(r.outcome == "saved" for r in run.results):
        st.button(
            "Revert this batch",
            key=keys.W_BULK_REVERT,
            icon=":material/undo:",
            on_click=start_revert,
            args=(run.batch_id,),
            help="Put every dashboard this batch saved back as it was, except those "
            "someone has changed since (they are listed).",
        )


# ---- page -----------------------------------------------------------------------------------
st.title("Bulk change")
st.caption("One change to many dashboards: a dry run first, then one dashboard at a time.")

run = current_run()
if run is not None and not run.finished:
    # One dashboard per script run: a Cancel click lands between two of them.
    show_run(run)
    advance(run)
    st.rerun()

target = current_target()
if target is None:
    st.info("Choose the dashboards first: tick rows on the Dashboards page, then Bulk change.")
    st.page_link(LIST_PAGE, label="Go to the dashboards", icon=":material/dashboard:")
    st.stop()

try:
    ids, complete = target_ids(target)
except CekuraError as err:
    show_error(err, key=keys.W_BULK_RETRY, context="Could not read the list of dashboards")
    st.stop()

n = len(ids)
st.markdown(f"Changes **{escape_markdown(target.label)}**: {n:,} dashboard{'s' if n != 1 else ''}.")
if not complete:
    st.warning("The list is longer than can be read at once; only the first part is included.")
if target.ids is None and n != target.count:
    st.caption(f"The list said {target.count:,}; it has {n:,} now.")
if cannot_bulk is not None:
    st.warning(escape_markdown(cannot_bulk), icon=":material/lock:")

if run is not None:
    show_run(run)
    st.divider()

with st.container(border=True, key="bulk_change_box"):
    try:
        change = choose_change(target.project_id)
    except CekuraError as err:
        show_error(err, key=keys.W_BULK_RETRY, context="Could not load the agents or metrics")
        st.stop()
    if isinstance(change, str):
        st.caption(escape_markdown(change))
    st.button(
        "Dry run",
        key=keys.W_BULK_DRY_RUN,
        type="primary" if not isinstance(state.get(keys.S_BULK_PLAN), bp.BulkPlan) else "secondary",
        icon=":material/preview:",
        disabled=isinstance(change, str) or n == 0,
        on_click=_dry_run,
        args=(change, ids, target.project_id),
        help="Shows what would change on each dashboard. Nothing is sent.",
    )

plan = state.get(keys.S_BULK_PLAN)
if isinstance(plan, CekuraError):
    show_error(plan, retry=False, context="The dry run could not read the dashboards")
elif isinstance(plan, bp.BulkPlan):
    if not isinstance(change, str) and plan.change.label != change.label:
        st.warning("The change above is not the one this dry run shows: run it again.")
    show_plan(plan)
    sending = len(plan.to_send)
    st.button(
        f"Apply to {sending} dashboard{'s' if sending != 1 else ''}",
        key=keys.W_BULK_APPLY,
        type="primary",
        icon=":material/done_all:",
        disabled=sending == 0
        or cannot_bulk is not None
        or (not isinstance(change, str) and plan.change.label != change.label),
        help=cannot_bulk
        or "Each dashboard is read again and saved only if nobody changed it since the dry run.",
        on_click=start_apply,
        args=(plan,),
    )
