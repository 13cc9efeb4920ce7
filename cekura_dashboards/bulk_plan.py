"""The dry run of a bulk change: for each chosen dashboard, what the change would do to it,
worked out without sending anything.

A `BulkChange` is one of the bulk_changes functions with its arguments bound and a
sentence for people ("Replace agent Billing Bot by Support Bot"). `plan_bulk` applies it
to the copies read from the server and sorts every dashboard into one of three:

- "change": the exact PATCH body (patch.patch_body), the change list in words
  (patch.change_list) and any warnings about the new filter;
- "no change": the filter already fits (the change function gave back the same tree, or a
  tree that serialises to the same JSON);
- "skipped": the change cannot be made to this tree (ChangeNotApplicable), the stored
  filter cannot be read, or the new filter has errors (validate_filter): the reason says
  which, so nothing that the API would refuse, or that would break the widgets, is sent.

The copy each item was planned from is kept (`PlanItem.before`): the apply passes it as
`expected`, so a dashboard changed between the dry run and the apply is a conflict, never
overwritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cekura_dashboards import bulk_changes
from cekura_dashboards.bulk_changes import ChangeNotApplicable
from cekura_dashboards.control_bar import DateRange
from cekura_dashboards.filter_sentence import describe_condition, describe_filter
from cekura_dashboards.filter_tree import (
    Condition,
    FilterParseError,
    Node,
    filter_to_json,
    parse_filter,
)
from cekura_dashboards.filter_validation import Problem, field_label, shown, validate_filter
from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import change_list, patch_body

PlanStatus = Literal["change", "no change", "skipped"]
Names = Mapping[int, str] | None


@dataclass(frozen=True)
class BulkChange:
    """One change for many trees: `apply` is tree in, tree out (bulk_changes)."""

    kind: str
    label: str  # what it does, in words, for the confirmation and the journal reader
    apply: Callable[[Node | None], Node | None] = field(compare=False, repr=False)


def _name(names: Names, value: Any, noun: str) -> str:
    if names and isinstance(value, int) and value in names:
        return names[value]
    return f"{noun} #{value}"


def set_date_range(value: DateRange | None) -> BulkChange:
    label = f"Set the date range to {value.label}" if value else "Remove the date range"
    return BulkChange("date_range", label, lambda tree: bulk_changes.set_date_range(tree, value))


def add_agents(agent_ids: Sequence[int], agents: Names = None) -> BulkChange:
    ids = tuple(dict.fromkeys(agent_ids))
    if not ids:
        raise ValueError("Choose at least one agent to add.")
    words = ", ".join(_name(agents, i, "agent") for i in ids)
    return BulkChange(
        "add_agents",
        f"Add {words} to the agent filter",
        lambda tree: bulk_changes.add_agents(tree, ids),
    )


def remove_agents(agent_ids: Sequence[int], agents: Names = None) -> BulkChange:
    ids = tuple(dict.fromkeys(agent_ids))
    if not ids:
        raise ValueError("Choose at least one agent to remove.")
    words = ", ".join(_name(agents, i, "agent") for i in ids)
    return BulkChange(
        "remove_agents",
        f"Remove {words} from the agent filter",
        lambda tree: bulk_changes.remove_agents(tree, ids),
    )


def replace_agent(old: int, new: int, agents: Names = None) -> BulkChange:
    if old == new:
        raise ValueError("Choose two different agents: the one to replace and its replacement.")
    return BulkChange(
        "replace_agent",
        f"Replace agent {_name(agents, old, 'agent')} by {_name(agents, new, 'agent')}",
        lambda tree: bulk_changes.replace_agent(tree, old, new),
    )


def add_at_top_level(node: Node, *, agents: Any = None, metrics: Any = None) -> BulkChange:
    if isinstance(node, Condition):
        what = describe_condition(node, agents=agents, metrics=metrics)
    else:
        what = describe_filter(node, agents=agents, metrics=metrics)
    return BulkChange(
        "add_condition",
        f"Add to every filter, at its top level: {what}",
        lambda tree: bulk_changes.add_at_top_level(tree, node),
    )


def replace_value(field_name: str, old: Any, new: Any) -> BulkChange:
    if old == new and type(old) is type(new):
        raise ValueError("The new value is the same as the old one.")
    return BulkChange(
        "replace_value",
        f"Replace {shown(old)} by {shown(new)} in every condition on {field_label(field_name)}",
        lambda tree: bulk_changes.replace_value(tree, field_name, old, new),
    )


def remove_field(field_name: str) -> BulkChange:
    return BulkChange(
        "remove_field",
        f"Remove every condition on {field_label(field_name)}",
        lambda tree: bulk_changes.remove_field(tree, field_name),
    )


# --- the plan -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanItem:
    dashboard_id: int
    name: str
    project: int | None
    status: PlanStatus
    before: Dashboard  # the copy this item was planned from: `expected` when applying
    reason: str = ""  # why "no change" or "skipped"
    changes: tuple[str, ...] = ()  # the change list in words
    body: dict[str, Any] | None = None  # the exact PATCH body ("change" only)
    problems: tuple[Problem, ...] = ()  # the new filter's problems (warnings for "change")

    @property
    def filters_after(self) -> Any:
        if self.body is not None and "filters" in self.body:
            return self.body["filters"]
        return self.before.filters


@dataclass(frozen=True)
class BulkPlan:
    change: BulkChange
    items: tuple[PlanItem, ...]

    @property
    def to_send(self) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.status == "change")

    def counts(self) -> dict[PlanStatus, int]:
        found = Counter(item.status for item in self.items)
        return {status: found.get(status, 0) for status in ("change", "no change", "skipped")}

    def summary(self) -> str:
        """ "3 will change, 1 already fits, 2 skipped" """
        c = self.counts()
        return f"{c['change']} will change, {c['no change']} already fit, {c['skipped']} skipped"


NO_CHANGE = "The filter already fits: nothing to send."


def plan_item(
    dashboard: Dashboard,
    change: BulkChange,
    *,
    now: datetime | None = None,
    agents: Any = None,
    metrics: Any = None,
    projects: Any = None,
) -> PlanItem:
    """What `change` would do to this one dashboard (nothing is sent)."""

    def item(status: PlanStatus, **details: Any) -> PlanItem:
        name = dashboard.name or ""
        return PlanItem(int(dashboard.id), name, dashboard.project, status, dashboard, **details)

    try:
        tree = parse_filter(dashboard.filters)
    except FilterParseError as err:
        return item("skipped", reason=f"Its stored filter cannot be read: {err}")
    try:
        new_tree = change.apply(tree)
    except ChangeNotApplicable as refused:
        return item("skipped", reason=str(refused))
    if new_tree is tree:
        return item("no change", reason=NO_CHANGE)
    body = patch_body(dashboard, {"filters": filter_to_json(new_tree)})
    if not body:
        return item("no change", reason=NO_CHANGE)
    problems = tuple(validate_filter(new_tree, now=now, agents=agents, metrics=metrics))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        had = {p.message for p in validate_filter(tree, now=now) if p.severity == "error"}
        already = all(p.message in had for p in errors)
        lead = "Its filter already has errors" if already else "The change would make it invalid"
        reason = f"{lead}, so it is left as it is: " + " ".join(p.message for p in errors)
        return item("skipped", reason=reason, problems=problems)
    words = change_list(
        dashboard, {"filters": body["filters"]}, projects=projects, agents=agents, metrics=metrics
    )
    return item("change", changes=tuple(words), body=body, problems=problems)


def plan_bulk(
    dashboards: Sequence[Dashboard],
    change: BulkChange,
    *,
    now: datetime | None = None,
    agents: Any = None,
    metrics: Any = None,
    projects: Any = None,
) -> BulkPlan:
    """The dry run over every chosen dashboard, in the order given."""
    return BulkPlan(
        change,
        tuple(
            plan_item(d, change, now=now, agents=agents, metrics=metrics, projects=projects)
            for d in dashboards
        ),
    )
