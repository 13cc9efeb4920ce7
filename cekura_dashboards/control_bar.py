"""The control bar above the builder: a date range and an agent filter, read from and
written to the TOP-LEVEL `timestamp` and `agent.id` conditions of a filter tree.

The bar owns only the root group's own conditions. When the tree says something the bar
cannot show without guessing (a timestamp inside an `or`, two start times, `agent.id`
with `neq`, ...) reading gives `Unreadable` with the reason, and writing refuses with
`ControlBarError`: the builder below is the place for such a filter.

Quick picks are rolling windows, `now-1h` ... `now-30d`, never `today-7d`: "Last 7 days"
then means the last 7 x 24 hours, as in Cekura's own control bar, and `today-30d` would
reach past the 30-day limit by up to a day's worth of hours. A custom range is two
absolute UTC instants (`2026-11-07T14:00:00Z`), `gte` the start and `lte` the end, both
inside the last 30 days.

Writing changes exactly the conditions the bar owns, in their places (node ids, key
order and every other node stay), and writing back what was read returns the very same
tree, so read -> write is an exact round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cekura_dashboards.filter_tree import Condition, Group, Node, iter_nodes
from cekura_dashboards.relative_dates import (
    LOWER_OPS,
    TIMESTAMP_FIELD,
    UPPER_OPS,
    describe_relative,
    format_moment,
    oldest_allowed_start,
    parse_absolute,
    parse_relative,
)

AGENT_FIELD = "agent.id"
ALL_AGENTS = "All agents"
SET_IN_BUILDER = "set in the builder below"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class ControlBarError(ValueError):
    """The bar cannot make this change (the tree is shaped so it cannot, or bad input)."""


@dataclass(frozen=True)
class QuickRange:
    key: str  # "7d": short, safe in widget keys and URLs
    label: str  # "Last 7 days"
    start: str  # the relative start written as `timestamp gte <start>`


QUICK_RANGES: tuple[QuickRange, ...] = (
    QuickRange("1h", "Last 1 hour", "now-1h"),
    QuickRange("24h", "Last 24 hours", "now-24h"),
    QuickRange("7d", "Last 7 days", "now-7d"),
    QuickRange("14d", "Last 14 days", "now-14d"),
    QuickRange("30d", "Last 30 days", "now-30d"),
)


@dataclass(frozen=True)
class DateRange:
    """What the top-level timestamp conditions say: a start and/or an end, with their ops
    as written (so writing it back changes nothing)."""

    start: str | None
    end: str | None = None
    start_op: str = "gte"
    end_op: str = "lte"

    @property
    def quick(self) -> QuickRange | None:
        """The quick pick this range is: `gte now-7d`, with no end or an end of `now`."""
        if self.start_op != "gte" or self.end not in (None, "now"):
            return None
        if self.end is not None and self.end_op != "lte":
            return None
        return next((q for q in QUICK_RANGES if q.start == self.start), None)

    @property
    def is_custom(self) -> bool:
        """Both ends are absolute datetimes (what the custom from/to pickers write)."""
        return parse_absolute(self.start) is not None and parse_absolute(self.end) is not None

    @property
    def label(self) -> str:
        """The range in words: "Last 7 days", "7 Nov 2026 14:00 – 8 Nov 2026 09:30 (UTC)"."""
        quick = self.quick
        if quick is not None:
            return quick.label
        left = _moment_words(self.start) if self.start is not None else "the beginning"
        right = _moment_words(self.end) if self.end is not None else "now"
        return f"{left} – {right} (UTC)"


@dataclass(frozen=True)
class Unreadable:
    """The bar cannot show this part of the tree; `reason` says why, in plain words."""

    reason: str

    @property
    def label(self) -> str:
        return f"Cannot show here: {self.reason}; {SET_IN_BUILDER}."


def _moment_words(value: str) -> str:
    absolute = parse_absolute(value)
    if absolute is not None:
        return format_moment(absolute)
    return describe_relative(value) if parse_relative(value) is not None else str(value)


def quick_range(key: str) -> DateRange:
    """The DateRange of a quick pick (`"7d"` -> `gte now-7d`, no end)."""
    for quick in QUICK_RANGES:
        if quick.key == key:
            return DateRange(quick.start)
    keys = ", ".join(q.key for q in QUICK_RANGES)
    raise ControlBarError(f"There is no quick range {key!r}; choose one of {keys}.")


def custom_range(start: datetime, end: datetime, now: datetime | None = None) -> DateRange:
    """A custom from/to: both inside the last 30 days (from the start of today, UTC, as
    the API counts) and no later than the end of today; the start before the end."""
    moment = _utc(now or datetime.now(UTC))
    start, end = _utc(start), _utc(end)
    oldest = oldest_allowed_start(moment)
    latest = moment.replace(hour=23, minute=59, second=59, microsecond=0)
    if start >= end:
        raise ControlBarError(
            f"The range must start before it ends; it starts {format_moment(start)} and "
            f"ends {format_moment(end)} (UTC)."
        )
    if start < oldest:
        raise ControlBarError(
            f"The range starts {format_moment(start)} UTC, more than 30 days ago; Cekura "
            f"charts go back to {format_moment(oldest)} UTC at most."
        )
    if end > latest:
        raise ControlBarError(
            f"The range ends {format_moment(end)} UTC, after today; choose an end no later "
            "than today."
        )
    return DateRange(start.strftime(ISO_FORMAT), end.strftime(ISO_FORMAT))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- reading ------------------------------------------------------------------------------
def _top_level(tree: Node | None) -> tuple[Node, ...]:
    """The conditions the root itself holds (the root when it is one condition)."""
    if tree is None:
        return ()
    if isinstance(tree, Condition):
        return (tree,)
    return tree.conditions if tree.operator == "and" else ()


def _outside_top_level(tree: Node | None, field: str) -> bool:
    """Whether a condition on `field` sits anywhere but the root `and` group's own list."""
    owned = {n.node_id for n in _top_level(tree)}
    return any(
        isinstance(node, Condition) and node.field == field and node.node_id not in owned
        for _, node in iter_nodes(tree)
    )


def _timestamp_conditions(tree: Node | None) -> list[Condition]:
    return [n for n in _top_level(tree) if isinstance(n, Condition) and n.field == TIMESTAMP_FIELD]


def read_date_range(tree: Node | None) -> DateRange | Unreadable | None:
    """The date range the bar shows: a DateRange, None when the tree sets no time at all,
    or Unreadable when the tree's time conditions are not one start and/or one end at
    the top level."""
    if _outside_top_level(tree, TIMESTAMP_FIELD):
        return Unreadable("the date range is inside a group (an 'or' or a nested group)")
    found = _timestamp_conditions(tree)
    if not found:
        return None
    lows = [c for c in found if c.op in LOWER_OPS]
    highs = [c for c in found if c.op in UPPER_OPS]
    if len(lows) + len(highs) != len(found):
        return Unreadable("the date range names one exact time ('is')")
    if len(lows) > 1 or len(highs) > 1:
        return Unreadable("the filter has more than one start or more than one end time")
    if any(not isinstance(c.value, str) for c in found):
        return Unreadable("a time in the filter is not text")
    low = lows[0] if lows else None
    high = highs[0] if highs else None
    return DateRange(
        start=low.value if low else None,
        end=high.value if high else None,
        start_op=low.op if low else "gte",
        end_op=high.op if high else "lte",
    )


def read_agents(tree: Node | None) -> tuple[int, ...] | Unreadable:
    """The agent ids the bar shows selected; () means "All agents" (no agent.id
    condition). Unreadable unless there is at most one top-level `agent.id eq N` or
    `agent.id in [N, ...]` (a non-empty list of ids)."""
    if _outside_top_level(tree, AGENT_FIELD):
        return Unreadable("the agent filter is inside a group (an 'or' or a nested group)")
    found = [n for n in _top_level(tree) if isinstance(n, Condition) and n.field == AGENT_FIELD]
    if not found:
        return ()
    if len(found) > 1:
        return Unreadable("the filter has more than one agent condition")
    cond = found[0]
    if cond.op == "eq" and _is_id(cond.value):
        return (cond.value,)
    if cond.op == "in" and isinstance(cond.value, list) and cond.value:
        if all(_is_id(v) for v in cond.value):
            return tuple(cond.value)
        return Unreadable("the agent list holds something that is not an agent id")
    if cond.op == "in":
        return Unreadable("the agent filter is an empty list, which matches no call")
    return Unreadable(f"the agent filter uses '{cond.op}', not 'is' or 'is one of'")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def agents_label(selected: tuple[int, ...], names: dict[int, str] | None = None) -> str:
    """`All agents`, `Billing Bot`, `Billing Bot, Agent 9`."""
    if not selected:
        return ALL_AGENTS
    names = names or {}
    return ", ".join(names.get(i, f"Agent {i}") for i in selected)


# --- writing ------------------------------------------------------------------------------
def _root_group(tree: Node | None) -> Group:
    """The root as an `and` group the bar can add to: no filter or a lone condition or an
    `or` root become (part of) a new `and` group."""
    if tree is None:
        return Group("and", ())
    if isinstance(tree, Group) and tree.operator == "and":
        return tree
    return Group("and", (tree,))


def _finish(original: Node | None, group: Group) -> Node | None:
    if not group.conditions:
        return None
    if isinstance(original, Condition) and len(group.conditions) == 1:
        # A lone condition the bar rewrote in place stays a lone condition.
        return group.conditions[0]
    return group


def write_date_range(tree: Node | None, value: DateRange | None) -> Node | None:
    """The tree with its top-level timestamp conditions saying `value` (None: no time
    condition). The start replaces the old start in its place, the end the old end; a new
    start goes first, a new end right after the start. Writing what read_date_range gave
    returns `tree` itself."""
    current = read_date_range(tree)
    if isinstance(current, Unreadable):
        raise ControlBarError(f"The date range cannot be set here: {current.reason}.")
    if current == value:
        return tree
    if value is not None:
        _check_range(value)
    group = _root_group(tree)
    children = list(group.conditions)
    old = {c.op in LOWER_OPS: c for c in _timestamp_conditions(tree)}
    wanted = {
        True: (value.start_op, value.start) if value and value.start is not None else None,
        False: (value.end_op, value.end) if value and value.end is not None else None,
    }
    for is_start in (True, False):
        old_cond, new = old.get(is_start), wanted[is_start]
        if old_cond is not None and new is None:
            children = [c for c in children if c.node_id != old_cond.node_id]
        elif old_cond is not None and new is not None:
            changed = dataclasses.replace(old_cond, op=new[0], value=new[1])
            children = [changed if c.node_id == old_cond.node_id else c for c in children]
        elif new is not None:
            cond = Condition(TIMESTAMP_FIELD, new[0], new[1])
            start = next(
                (
                    i
                    for i, c in enumerate(children)
                    if isinstance(c, Condition) and c.field == TIMESTAMP_FIELD
                ),
                None,
            )
            at = 0 if is_start or start is None else start + 1
            children.insert(at, cond)
    return _finish(tree, dataclasses.replace(group, conditions=tuple(children)))


def _check_range(value: DateRange) -> None:
    if value.start is None and value.end is None:
        raise ControlBarError("A date range needs a start or an end; use None for no range.")
    if value.start_op not in LOWER_OPS or value.end_op not in UPPER_OPS:
        raise ControlBarError(
            f"A date range starts with gt/gte and ends with lt/lte, not "
            f"{value.start_op}/{value.end_op}."
        )


def write_agents(tree: Node | None, agent_ids: Sequence[int]) -> Node | None:
    """The tree with its agent filter selecting `agent_ids`: none -> no agent condition
    ("All agents"), one -> `agent.id eq N`, several -> `agent.id in [...]`, in the old
    condition's place (appended when there was none). Writing what read_agents gave
    returns `tree` itself."""
    ids = tuple(agent_ids)
    bad = [i for i in ids if not _is_id(i)]
    if bad:
        raise ControlBarError(f"Agent ids are whole numbers; {bad[0]!r} is not one.")
    current = read_agents(tree)
    if isinstance(current, Unreadable):
        raise ControlBarError(f"The agents cannot be set here: {current.reason}.")
    if current == ids:
        return tree
    group = _root_group(tree)
    old = next(
        (c for c in _top_level(tree) if isinstance(c, Condition) and c.field == AGENT_FIELD),
        None,
    )
    children = list(group.conditions)
    if not ids:
        children = [c for c in children if old is None or c.node_id != old.node_id]
    else:
        op, value = ("eq", ids[0]) if len(ids) == 1 else ("in", list(ids))
        if old is None:
            children.append(Condition(AGENT_FIELD, op, value))
        else:
            changed = dataclasses.replace(old, op=op, value=value)
            children = [changed if c.node_id == old.node_id else c for c in children]
    return _finish(tree, dataclasses.replace(group, conditions=tuple(children)))
