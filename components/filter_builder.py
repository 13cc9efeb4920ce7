"""The filter builder: rows that read as sentences, with inputs only on the one row being
edited, in groups that say their words and fold away.

How an edit stays small (nested, keyed fragments, Streamlit 1.67 `st.fragment(key=...)` and
`st.rerun([keys])` from a callback): every row, every group heading and every group's end
(rows added since, the new row being made and the add buttons) is a fragment of its own.
A callback reruns only the fragments it touched: opening a row reruns that row and the row
that closes ("Add condition": the group's end); applying a row reruns that row (a new row:
its group's end) and those of the caller's `follow` fragments the change made stale (the
sentence, Save, the count, ...); moving, duplicating or wrapping reruns the group it
happens in; only a change of the root reruns the whole builder. A read-only row is one
button (its sentence) and, when it has problems, one line of text: no inputs, so what a
rerun costs does not grow with the filter.

The row being edited works on a copy (`RowEdit.pending`): choosing a field, an op or a
value changes only the copy; Enter in a box, a completed choice (an agent picked, "Last
14 days") or Apply puts it in the tree as one undo step; Cancel or Escape drops it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cekura_dashboards import catalog
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.filter_edit import (
    FilterEditError,
    duplicate,
    first_field_for,
    group_metric,
    guess_condition,
    insert,
    move_down,
    move_up,
    remove,
    replace_node,
    set_operator,
    wrap_in_group,
)
from cekura_dashboards.filter_sentence import condition_words
from cekura_dashboards.filter_tree import (
    Condition,
    Group,
    Node,
    find,
    iter_nodes,
    new_node_id,
    parent_of,
)
from cekura_dashboards.filter_validation import Problem, problems_by_node, validate_filter
from components.errors import show_server_reason
from components.inert import inert
from components.value_editors import (
    ScoreHint,
    ValueHints,
    render_value_editor,
    scale_from_description,
    sync,
)
from services import reads
from services import state_keys as keys
from services.state_keys import f_filter
from services.state_keys import w_filter as key

log = logging.getLogger(__name__)

TreeEdit = Callable[[Node | None], Node | None]
METADATA_CHOICE = "metadata.*"  # the field picker's "a metadata key you type" entry
# Each field once, the common ones first (the pills of a new row read in this order).
FIELD_CHOICES: list[str] = [
    catalog.TIMESTAMP_FIELD,
    catalog.AGENT_ID_FIELD,
    "duration",
    "success",
    "topic",
    "call_ended_reason",
    "dropoff_point",
    "is_reviewed",
    "customer_number",
    catalog.METRIC_ID_FIELD,
    catalog.METRIC_VALUE_FIELD,
    "agent.agent_name",
    "metric_evaluations.metric.name",
    "id",
]
FIELD_CHOICES += [name for name in catalog.FIELDS if name not in FIELD_CHOICES]
FIELD_CHOICES.append(METADATA_CHOICE)
MAX_NESTING = 6  # groups deeper than this are still shown, but no new group can be added
# A group shows this many of its conditions, then "Show … more": what the page holds (and
# what every rerun costs in the browser) stays that of a short filter however long it is.
ROWS_SHOWN = 25
GROUP_HEADINGS: dict[str, str] = {
    "and": "**all** of these are true",
    "or": "**any** of these is true",
    "same_row": "**the same metric evaluation** has all of these",
}
ROOT = "root"


def field_choice_label(choice: str) -> str:
    if choice == METADATA_CHOICE:
        return "Metadata (a key you type)"
    spec = catalog.FIELDS.get(choice)
    if spec is None:
        return f"Unknown field: {choice}"
    return spec.picker


def group_label(operator: str) -> str:
    return catalog.LOGICAL_LABELS.get(operator, f"Unknown: {operator}")


# In `follow`: after a change, rerun the whole page (a page drawn around the builder
# without fragments of its own, like the Calls page and the bulk page).
FOLLOW_PAGE = "app"


@dataclass
class RowEdit:
    """The one thing being edited in a tree: a condition row (a copy of it, `pending`), a
    new row not in the tree yet, or a group's heading."""

    node_id: str
    kind: Literal["condition", "group"]
    parent_id: str | None = None  # the group a new row goes into (None: the root)
    is_new: bool = False
    pending: Condition | None = None  # None on a new row whose field is not chosen yet
    mode: str | None = None  # the datetime editor picked for it
    metadata_key: str = ""


@dataclass
class BuilderSource:
    """One tree the builder edits, and how: `get_tree` reads it, `edit` changes it as one
    undo step; `follow` names fragments (outside the builder) that show something of the
    tree and rerun after every change; `scope` tells this tree's builder state apart."""

    scope: str
    get_tree: Callable[[], Node | None]
    edit: Callable[[TreeEdit], None]
    follow: Sequence[str] | Callable[[], Sequence[str]] = ()
    server_errors: Callable[[], dict[str, list[str]]] = lambda: {}
    hints: ValueHints = field(default_factory=ValueHints)
    project_id: int | None = None
    metric_info: dict[int, ScoreHint] = field(default_factory=dict)
    # the caller's own check of the tree `get_tree` gives, when it works the problems out
    # anyway (the editor does, for its Save bar): one check per edit, not two
    validate: Callable[[], list[Problem]] | None = None
    _problems: tuple[Any, dict[str, list[Problem]]] | None = None

    def followers(self) -> list[str]:
        """The fragments to rerun after a change, asked after the change is made (the
        caller may want some only when the filter changed); FOLLOW_PAGE: the whole page."""
        found = self.follow() if callable(self.follow) else self.follow
        return list(found)

    def problems(self) -> dict[str, list[Problem]]:
        """Problems by node id of the tree as it is now (worked out once per tree)."""
        tree = self.get_tree()
        if self._problems is None or self._problems[0] is not tree:
            if self.validate is not None:
                found = self.validate()
            else:
                found = validate_filter(tree, agents=self.hints.agents, metrics=self.hints.metrics)
            self._problems = (tree, problems_by_node(found))
        return self._problems[1]


# --- what the pickers offer ---------------------------------------------------------------------
def builder_hints(project_id: int | None) -> tuple[ValueHints, dict[int, ScoreHint]]:
    """The project's agents and metrics (only those), each metric's score scale, and the
    values seen in the project's recent calls; all from the session's cached reads."""
    agents = _names(reads.load_agents, project_id, "agent_name")
    metrics_list = _items(reads.load_metrics, project_id)
    metrics = {m.id: str(m.name or f"#{m.id}") for m in metrics_list}
    info: dict[int, ScoreHint] = {}
    for m in metrics_list:
        values = m.enum_values if isinstance(m.enum_values, list) else []
        scale = scale_from_description(m.description)
        info[m.id] = ScoreHint(
            metric=metrics[m.id],
            eval_type=str(m.eval_type or ""),
            values=tuple(str(v) for v in values),
            low=scale[0] if scale else None,
            high=scale[1] if scale else None,
        )
    return ValueHints(agents=agents, metrics=metrics), info


def _seen_values(project_id: int | None, field_name: str) -> dict[str, tuple[str, ...]]:
    """Values seen in recent calls, read (once, cached) only when a row that offers them
    is being edited: opening the editor or a draft edit costs no request."""
    if field_name not in reads.SEEN_VALUE_FIELDS:
        return {}
    try:
        return reads.recent_call_values(project_id)
    except CekuraError:
        return {}


def _items(load: Callable[[Any], list[Any]], project: int | None) -> list[Any]:
    try:
        items = load(None)
    except CekuraError:
        return []
    if project is not None:
        items = [i for i in items if getattr(i, "project", None) in (project, None)]
    return list(items)


def _names(load: Callable[[Any], list[Any]], project: int | None, attr: str) -> dict[int, str]:
    return {i.id: str(getattr(i, attr, "") or f"#{i.id}") for i in _items(load, project)}


# --- builder state --------------------------------------------------------------------------------
def current_edit(scope: str) -> RowEdit | None:
    found = st.session_state.get(keys.s_flt_edit(scope))
    return found if isinstance(found, RowEdit) else None


def _set_edit(scope: str, edit: RowEdit | None) -> None:
    st.session_state[keys.s_flt_edit(scope)] = edit


def _kept(key: str, kind: type[Any]) -> Any:
    """The set or dict the builder keeps under `key` in session state (made when absent)."""
    found = st.session_state.get(key)
    if not isinstance(found, kind):
        found = kind()
        st.session_state[key] = found
    return found


def _collapsed(scope: str) -> set[str]:
    return _kept(keys.s_flt_collapsed(scope), set)


def _shown(scope: str) -> dict[str, int]:
    return _kept(keys.s_flt_shown(scope), dict)


def _pinned(scope: str) -> set[str]:
    return _kept(keys.s_flt_pinned(scope), set)


def _rerun_note(scope: str) -> dict[str, Any]:
    return _kept(keys.s_flt_rerun_note(scope), dict)


def _drawn(scope: str) -> dict[str, set[str]]:
    return _kept(keys.s_flt_drawn(scope), dict)


def _root_key(scope: str) -> str:
    """What stands for the root when the tree has no group: one per tree, so two builders
    on one page (a dashboard's and a widget's, both empty) never share a key."""
    return f"{ROOT}_{scope}"


def _group_key(scope: str, tree: Node | None, parent_id: str | None) -> str:
    """The id a group's end fragment is keyed by (the root's, when parent_id is None)."""
    if parent_id is not None:
        return parent_id
    return tree.node_id if isinstance(tree, Group) else _root_key(scope)


def _slot(src: BuilderSource, edit: RowEdit | None) -> list[str]:
    """The fragment that draws `edit` (to rerun when it opens or closes)."""
    if edit is None:
        return []
    if edit.is_new:
        return [f_filter(_group_key(src.scope, src.get_tree(), edit.parent_id), "end")]
    return [f_filter(edit.node_id, "head" if edit.kind == "group" else "row")]


def _rerun(src: BuilderSource, targets: Sequence[str]) -> None:
    """Rerun just these fragments (from a callback); the whole app when one of them is
    not on the page any more. When they are just the fragment the clicked widget is in,
    nothing is asked: the interaction's own rerun is that fragment, and asking for it
    again would make two runs of one edit (the callback's, then the fragment's)."""
    wanted = list(dict.fromkeys(targets))
    if FOLLOW_PAGE in wanted:
        st.rerun()
    # One interaction can run several callbacks (a value typed, then a button clicked):
    # once any of them names fragments, only those rerun, so each names the others'
    # too. The note is cleared when a builder fragment next draws.
    note = _rerun_note(src.scope)
    if not note.get("named") and _is_own_rerun(wanted):
        note["own"] = wanted
        return
    wanted = list(dict.fromkeys([*note.get("own", ()), *wanted]))
    note["named"] = True
    try:
        st.rerun(wanted)
    except StreamlitAPIException:
        log.info("A fragment to rerun is gone; rerunning the page")
        st.rerun()


def _is_own_rerun(wanted: Sequence[str]) -> bool:
    ctx = get_script_run_ctx()
    if ctx is None or not ctx.fragment_ids_this_run:
        return False
    try:
        return set(ctx.fragment_storage.resolve_target(list(wanted))) == set(
            ctx.fragment_ids_this_run
        )
    except StreamlitAPIException:
        return False


# --- callbacks ------------------------------------------------------------------------------------
def _open(src: BuilderSource, node_id: str, kind: Literal["condition", "group"]) -> None:
    before = current_edit(src.scope)
    node = find(src.get_tree(), node_id)
    if node is None:
        return
    pending = node if isinstance(node, Condition) else None
    meta = (
        node.field[len(catalog.METADATA_PREFIX) :]
        if isinstance(node, Condition) and node.field.startswith(catalog.METADATA_PREFIX)
        else ""
    )
    _set_edit(src.scope, RowEdit(node_id, kind, pending=pending, metadata_key=meta))
    _rerun(src, [*_slot(src, before), *_slot(src, current_edit(src.scope))])


def _add_row(src: BuilderSource, parent_id: str | None) -> None:
    before = current_edit(src.scope)
    tree = src.get_tree()
    parent = find(tree, parent_id) if parent_id else (tree if isinstance(tree, Group) else None)
    start = first_field_for(parent if isinstance(parent, Group) else None)
    pending = dataclasses.replace(guess_condition(start), node_id=new_node_id()) if start else None
    edit = RowEdit(
        pending.node_id if pending else new_node_id(),
        "condition",
        parent_id=parent_id,
        is_new=True,
        pending=pending,
    )
    _set_edit(src.scope, edit)
    _rerun(src, [*_slot(src, before), *_slot(src, edit)])


def _pick_group_kind(src: BuilderSource, parent_id: str | None) -> None:
    """ "Add group": first what kind of group (the new-row slot asks), then its first row."""
    before = current_edit(src.scope)
    edit = RowEdit(new_node_id(), "group", parent_id=parent_id, is_new=True)
    _set_edit(src.scope, edit)
    _rerun(src, [*_slot(src, before), *_slot(src, edit)])


def _on_group_kind(src: BuilderSource, widget_key: str, parent_id: str | None) -> None:
    operator = st.session_state[widget_key]
    if operator is not None:
        _add_group(src, parent_id, operator)


def _add_group(src: BuilderSource, parent_id: str | None, operator: str) -> None:
    """A new group, with its first row open: the group is in the tree at once (so the
    row has a place); cancelling that row takes the empty group away again."""
    before = current_edit(src.scope)
    group = Group(operator, ())
    old_root = src.get_tree()
    src.edit(lambda t: insert(t, parent_id, group))
    start = first_field_for(group)
    pending = dataclasses.replace(guess_condition(start), node_id=new_node_id()) if start else None
    edit = RowEdit(
        pending.node_id if pending else new_node_id(),
        "condition",
        parent_id=group.node_id,
        is_new=True,
        pending=pending,
    )
    _set_edit(src.scope, edit)
    targets = [*_slot(src, before), *_structure_targets(src, old_root, parent_id)]
    _rerun(src, [*targets, *src.followers()])


def _structure_targets(
    src: BuilderSource, old_root: Node | None, parent_id: str | None
) -> list[str]:
    """What to rerun after a node was added to `parent_id`: its group's end, or the whole
    builder when the root itself changed (no filter, or a lone condition, before)."""
    new_root = src.get_tree()
    if old_root is None or new_root is None or old_root.node_id != new_root.node_id:
        return [f_filter(src.scope, "builder")]
    if not isinstance(new_root, Group):
        return [f_filter(src.scope, "builder")]
    return [f_filter(_group_key(src.scope, new_root, parent_id), "end")]


def _close(src: BuilderSource) -> None:
    """Cancel (Escape): drop the copy; the tree keeps its old value."""
    edit = current_edit(src.scope)
    _set_edit(src.scope, None)
    targets = _slot(src, edit)
    if edit is not None and edit.is_new and edit.kind == "condition" and edit.parent_id:
        group = find(src.get_tree(), edit.parent_id)
        if isinstance(group, Group) and not group.conditions:  # a new group left empty
            old_root = src.get_tree()
            parent = parent_of(old_root, group.node_id)
            src.edit(lambda t: remove(t, group.node_id))
            targets = [*_removed_targets(src, old_root, group, parent), *src.followers()]
    _rerun(src, targets)


def _removed_targets(
    src: BuilderSource, old_root: Node | None, node: Node, parent: Group | None
) -> list[str]:
    new_root = src.get_tree()
    if new_root is None or old_root is None or new_root.node_id != old_root.node_id:
        return [f_filter(src.scope, "builder")]
    part = "row" if isinstance(node, Condition) else "group"
    return [f_filter(node.node_id, part)]


def _apply(src: BuilderSource) -> None:
    edit = current_edit(src.scope)
    if edit is None or edit.pending is None:
        return
    pending = edit.pending
    old_root = src.get_tree()
    try:
        if edit.is_new:
            _pinned(src.scope).add(pending.node_id)
            src.edit(lambda t: insert(t, edit.parent_id, pending))
        else:
            src.edit(lambda t: replace_node(t, edit.node_id, pending))
    except FilterEditError:
        log.info("Ignored an edit of a node that is gone")
    _set_edit(src.scope, None)
    if edit.is_new:
        targets = _structure_targets(src, old_root, edit.parent_id)
    elif old_root is not None and old_root.node_id == edit.node_id:
        targets = [f_filter(src.scope, "builder")]
    else:
        targets = [f_filter(edit.node_id, "row")]
    _rerun(src, [*targets, *src.followers()])


def _editing(src: BuilderSource, node_id: str) -> RowEdit | None:
    """The open row, when it is `node_id`'s. A widget of a row that has closed can still
    report (the browser resends the last state it knew of an input that is gone), and
    must not change whichever row is open now."""
    edit = current_edit(src.scope)
    if edit is None:
        return None
    own = edit.pending.node_id if edit.pending is not None else edit.node_id
    return edit if own == node_id else None


def _change_pending(src: BuilderSource, **changes: Any) -> None:
    edit = current_edit(src.scope)
    if edit is None or edit.pending is None:
        return
    _set_edit(
        src.scope, dataclasses.replace(edit, pending=dataclasses.replace(edit.pending, **changes))
    )


def _on_field(src: BuilderSource, widget_key: str, node_id: str) -> None:
    """A field chosen: the op people mean with it and no value yet ("Agent is …")."""
    edit = _editing(src, node_id)
    choice = st.session_state[widget_key]
    if edit is None:
        return
    if choice is None:  # the picker closed without a choice: keep the field it had
        st.session_state[widget_key] = _field_choice(edit.pending) if edit.pending else None
        return
    if choice == METADATA_CHOICE:
        fresh = guess_condition(catalog.METADATA_PREFIX + (edit.metadata_key or "key"))
        fresh = dataclasses.replace(fresh, field=catalog.METADATA_PREFIX + edit.metadata_key)
    else:
        fresh = guess_condition(choice)
    node_id = edit.pending.node_id if edit.pending else edit.node_id
    _set_edit(
        src.scope,
        dataclasses.replace(edit, pending=dataclasses.replace(fresh, node_id=node_id), mode=None),
    )


def _on_metadata_key(src: BuilderSource, widget_key: str, node_id: str) -> None:
    edit = _editing(src, node_id)
    if edit is None or edit.pending is None:
        return
    meta = str(st.session_state[widget_key] or "").strip()
    _set_edit(
        src.scope,
        dataclasses.replace(
            edit,
            metadata_key=meta,
            pending=dataclasses.replace(edit.pending, field=catalog.METADATA_PREFIX + meta),
        ),
    )


def _on_op(src: BuilderSource, widget_key: str, node_id: str) -> None:
    edit = _editing(src, node_id)
    op = st.session_state[widget_key]
    if edit is None or edit.pending is None:
        return
    if op is None:
        st.session_state[widget_key] = edit.pending.op
        return
    from cekura_dashboards.filter_edit import convert_value

    value = convert_value(edit.pending.field, edit.pending.op, op, edit.pending.value)
    if value == 0 and edit.pending.value is None:
        value = None  # a guessed 0 is a placeholder: the row still needs its value
    _change_pending(src, op=op, value=value)


def _reporter(src: BuilderSource, node_id: str) -> Callable[[Any, bool], None]:
    def report(value: Any, complete: bool) -> None:
        if _editing(src, node_id) is None:
            return  # an input of a row that has closed
        _change_pending(src, value=value)
        if complete:
            _apply(src)

    return report


def _moder(src: BuilderSource, node_id: str) -> Callable[[str], None]:
    def remember(mode: str) -> None:
        edit = _editing(src, node_id)
        if edit is not None:
            _set_edit(src.scope, dataclasses.replace(edit, mode=mode))

    return remember


def _on_operator(src: BuilderSource, group_id: str, widget_key: str) -> None:
    operator = st.session_state[widget_key]
    if operator is None:
        return
    src.edit(lambda t: set_operator(t, group_id, operator))
    _rerun(src, [f_filter(group_id, "head"), f_filter(group_id, "end"), *src.followers()])


def _row_action(src: BuilderSource, node_id: str, action: str) -> None:
    tree = src.get_tree()
    node = find(tree, node_id)
    if node is None:
        return
    parent = parent_of(tree, node_id)
    edits: dict[str, TreeEdit] = {
        "up": lambda t: move_up(t, node_id),
        "down": lambda t: move_down(t, node_id),
        "duplicate": lambda t: duplicate(t, node_id),
        "wrap": lambda t: wrap_in_group(t, node_id, "or"),
        "delete": lambda t: remove(t, node_id),
    }
    _set_edit(src.scope, None)
    try:
        src.edit(edits[action])
    except FilterEditError:
        log.info("Ignored an edit of a node that is gone")
    new_root = src.get_tree()
    moved_to = parent_of(new_root, node_id)
    if action in ("up", "down", "duplicate") and moved_to is not None:
        place = next(i for i, c in enumerate(moved_to.conditions) if c.node_id == node_id)
        nearby = moved_to.conditions[place : place + 2 if action == "duplicate" else place + 1]
        _pinned(src.scope).update(c.node_id for c in nearby)  # the row, and its copy
    if action == "delete":
        targets = _removed_targets(src, tree, node, parent)
    elif parent is None or new_root is None or tree is None or new_root.node_id != tree.node_id:
        targets = [f_filter(src.scope, "builder")]
    else:
        targets = [f_filter(parent.node_id, "group")]
    _rerun(src, [*targets, *src.followers()])


def _toggle_collapsed(src: BuilderSource, group_id: str) -> None:
    folded = _collapsed(src.scope)
    folded.symmetric_difference_update({group_id})
    _rerun(src, [f_filter(group_id, "group")])


# --- drawing ----------------------------------------------------------------------------------------
def render_filter_builder(
    get_tree: Callable[[], Node | None],
    on_change: Callable[[TreeEdit], None],
    scope: str,
    project_id: int | None,
    *,
    follow: Sequence[str] | Callable[[], Sequence[str]] = (),
    server_errors: Callable[[], dict[str, list[str]]] | None = None,
    validate: Callable[[], list[Problem]] | None = None,
) -> None:
    """Draw the builder of one tree. `get_tree()` reads the tree as it is now;
    `on_change(edit)` makes `edit(tree)` the new tree (one undo step); `scope` tells this
    tree's builder state and fragments apart from any other on the page; `project_id`
    narrows the pickers to what exists in that project; `follow` are fragment keys to
    rerun after each change (or a function giving them, asked once the change is made;
    FOLLOW_PAGE in them reruns the whole page); `validate()`, when given, is the
    caller's check of the tree `get_tree()` gives against the project's agents and
    metrics (as validate_filter), so a tree is not checked twice."""
    hints, info = builder_hints(project_id)
    src = BuilderSource(
        scope=scope,
        get_tree=get_tree,
        edit=on_change,
        follow=follow if callable(follow) else tuple(follow),
        server_errors=server_errors or (lambda: {}),
        hints=hints,
        metric_info=info,
        project_id=project_id,
        validate=validate,
    )
    _fragment(f_filter(scope, "builder"), _builder_body)(src)


def _fragment(fragment_key: str, body: Callable[..., None]) -> Callable[..., None]:
    def draw(src: BuilderSource, *args: Any) -> None:
        _rerun_note(src.scope).clear()  # the callbacks of the last interaction are done
        body(src, *args)

    return st.fragment(key=fragment_key)(draw)


def _builder_body(src: BuilderSource) -> None:
    root = src.get_tree()
    edit = current_edit(src.scope)
    if edit is not None and not edit.is_new and find(root, edit.node_id) is None:
        _set_edit(src.scope, None)  # its row is gone (an undo, JSON applied)
    if root is None:
        st.caption("No conditions yet: every call counts.")
        _fragment(f_filter(_root_key(src.scope), "end"), _group_end)(src, None, 1)
        return
    if isinstance(root, Condition):
        st.markdown("**Calls where**")
        _fragment(f_filter(root.node_id, "row"), _row)(src, root.node_id, 1)
        _fragment(f_filter(_root_key(src.scope), "end"), _group_end)(src, None, 1)
        return
    _fragment(f_filter(root.node_id, "group"), _group_box)(src, root.node_id, 0)


def _group_box(src: BuilderSource, group_id: str, depth: int) -> None:
    group = find(src.get_tree(), group_id)
    if not isinstance(group, Group):
        return  # deleted: its place stays empty until the next full draw
    with st.container(border=depth > 0, key=f"flt_{group_id}_box", gap="xsmall"):
        _fragment(f_filter(group_id, "head"), _group_head)(src, group_id, depth)
        folded = group_id in _collapsed(src.scope)
        # every child present now counts as drawn, shown or not: the group's end draws
        # only rows added after this
        _drawn(src.scope)[group_id] = {c.node_id for c in group.conditions}
        if not folded:
            limit = _shown(src.scope).get(group_id, ROWS_SHOWN)
            edit = current_edit(src.scope)
            kept = _pinned(src.scope) | ({edit.node_id} if edit is not None else set())
            past = group.conditions[limit:]
            for child in group.conditions[:limit]:
                _child(src, child, depth)
            hidden = [c for c in past if c.node_id not in kept]
            if hidden:
                _more_rows(src, group, hidden, limit)
            for child in past:
                if child.node_id in kept:
                    _child(src, child, depth)
            _fragment(f_filter(group_id, "end"), _group_end)(src, group_id, depth + 1)


def _more_rows(src: BuilderSource, group: Group, hidden: list[Node], limit: int) -> None:
    """The line under a long group's first conditions: how many more, and whether any of
    them has a problem (Save says so too, but it must be findable here)."""
    problems = src.problems()
    with_problems = sum(
        1 for child in hidden for _, node in iter_nodes(child) if problems.get(node.node_id)
    )
    step = min(ROWS_SHOWN * 4, len(hidden))
    words = f"Show {step} more" + (f" of {len(hidden)}" if step < len(hidden) else "")
    if with_problems:
        words += f" — {with_problems} with a problem"
    st.button(
        words,
        key=key(group.node_id, "more"),
        type="tertiary",
        icon=":material/expand_more:",
        on_click=_show_more,
        args=(src, group.node_id, limit + step),
        help=f"This group has {len(group.conditions)} conditions; "
        f"{len(group.conditions) - len(hidden)} are shown.",
    )


def _show_more(src: BuilderSource, group_id: str, limit: int) -> None:
    _shown(src.scope)[group_id] = limit
    _rerun(src, [f_filter(group_id, "group")])


def _child(src: BuilderSource, child: Node, depth: int) -> None:
    if isinstance(child, Group):
        _fragment(f_filter(child.node_id, "group"), _group_box)(src, child.node_id, depth + 1)
    else:
        _fragment(f_filter(child.node_id, "row"), _row)(src, child.node_id, depth + 1)


def _count(group: Group) -> int:
    return sum(1 if isinstance(c, Condition) else _count(c) for c in group.conditions)


def _group_head(src: BuilderSource, group_id: str, depth: int) -> None:
    tree = src.get_tree()
    group = find(tree, group_id)
    if not isinstance(group, Group):
        return
    edit = current_edit(src.scope)
    words = GROUP_HEADINGS.get(group.operator, f"unknown ({inert(group.operator)})")
    lead = "Calls where" if depth == 0 else "Where"
    folded = group_id in _collapsed(src.scope)
    count = _count(group)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.button(
            f"{lead} {words}"
            + (f" — {count} condition{'s' if count != 1 else ''}" if folded else ""),
            key=key(group_id, "heading"),
            type="tertiary",
            on_click=_open,
            args=(src, group_id, "group"),
            help="Change how this group combines its conditions"
            + (", or move or remove it." if depth > 0 else "."),
        )
        if group.conditions:
            st.button(
                f"Show {count}" if folded else "Fold",
                key=key(group_id, "fold"),
                type="tertiary",
                icon=":material/unfold_more:" if folded else ":material/unfold_less:",
                on_click=_toggle_collapsed,
                args=(src, group_id),
                help="Show the conditions of this group"
                if folded
                else "Hide the conditions of this group",
            )
    if edit is not None and edit.kind == "group" and edit.node_id == group_id:
        _group_editor(src, group, depth)
    _problems(src, group_id)


def _group_editor(src: BuilderSource, group: Group, depth: int) -> None:
    gid = group.node_id
    with st.container(border=True, key=f"flt_{gid}_editing"):
        operator_key = key(gid, "operator")
        options = list(catalog.LOGICAL_OPERATORS)
        if group.operator not in options:
            options.append(group.operator)
        sync(operator_key, group.operator)
        st.segmented_control(
            "How this group combines its conditions",
            options=options,
            format_func=group_label,
            key=operator_key,
            on_change=_on_operator,
            args=(src, gid, operator_key),
            help="All of: every condition must hold. Any of: at least one must hold. "
            "Same metric evaluation: all must hold on one and the same metric result "
            "(e.g. metric is Accuracy and its score is at least 0.9).",
        )
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button(
                "Done",
                key=key(gid, "done"),
                on_click=_close,
                args=(src,),
                shortcut="Esc",
                help="Close (Escape)",
            )
            if depth > 0:
                _actions_menu(src, gid, "group")


def _actions_menu(src: BuilderSource, node_id: str, what: str) -> None:
    tree = src.get_tree()
    parent = parent_of(tree, node_id)
    siblings = parent.conditions if parent is not None else ()
    index = next((i for i, c in enumerate(siblings) if c.node_id == node_id), 0)
    with st.popover(f"More for this {what}", icon=":material/more_horiz:"):
        for action, label, disabled in (
            ("up", "Move up", index == 0),
            ("down", "Move down", index >= len(siblings) - 1),
            ("duplicate", f"Duplicate this {what}", False),
            ("wrap", "Wrap in a group (any of)", False),
            ("delete", f"Delete this {what}", False),
        ):
            st.button(
                label,
                key=key(node_id, action),
                on_click=_row_action,
                args=(src, node_id, action),
                disabled=disabled,
                type="tertiary",
                width="stretch",
            )


def _group_end(src: BuilderSource, group_id: str | None, depth: int) -> None:
    """Rows added since the group was drawn, the new row being made, and the add buttons."""
    tree = src.get_tree()
    gkey = _group_key(src.scope, tree, group_id)
    group = find(tree, gkey) if gkey != _root_key(src.scope) else None
    if group_id is not None and not isinstance(group, Group):
        return
    if isinstance(group, Group):
        drawn = _drawn(src.scope).get(gkey, set())
        for child in group.conditions:
            if child.node_id not in drawn:
                _child(src, child, depth - 1)
    parent_for_add = group.node_id if isinstance(group, Group) else None
    # The row being added is drawn here, in the fragment of the button that adds it: a
    # callback that reruns its own fragment costs one run, one naming another costs two
    # (the callback's, then the named fragments'), and each run is several redraws of the
    # whole page in the browser.
    _new_slot(src, gkey, group if isinstance(group, Group) else None)
    with st.container(horizontal=True, key=f"flt_{gkey}_adds", gap="small"):
        st.button(
            "Add condition",
            key=key(gkey, "add_condition"),
            icon=":material/add:",
            on_click=_add_row,
            args=(src, parent_for_add),
            type="tertiary",
            help="Add one more condition to this group.",
        )
        if depth < MAX_NESTING:
            st.button(
                "Add group",
                key=key(gkey, "add_group"),
                icon=":material/library_add:",
                on_click=_pick_group_kind,
                args=(src, parent_for_add),
                type="tertiary",
                help="Add a group of conditions (all of, any of, or the same metric "
                "evaluation) inside this one.",
            )


def _new_slot(src: BuilderSource, gkey: str, group: Group | None) -> None:
    """Where the new row (or new group's kind) of the group keyed `gkey` is being made,
    when it is."""
    edit = current_edit(src.scope)
    tree = src.get_tree()
    if edit is not None and edit.is_new and _group_key(src.scope, tree, edit.parent_id) == gkey:
        if edit.kind == "group":
            _group_kind_picker(src, edit)
        else:
            _condition_editor(src, edit, group)
    elif group is not None and group.operator == "same_row" and not group.conditions:
        st.caption("This group is empty: add its metric.")


def _group_kind_picker(src: BuilderSource, edit: RowEdit) -> None:
    nid = edit.node_id
    with st.container(border=True, key=f"flt_{nid}_editing"):
        widget_key = key(nid, "group_kind")
        sync(widget_key, None)
        st.pills(
            "A group of conditions that holds when …",
            options=list(catalog.LOGICAL_OPERATORS),
            format_func=lambda operator: group_label(operator).capitalize(),
            key=widget_key,
            on_change=_on_group_kind,
            args=(src, widget_key, edit.parent_id),
        )
        _cancel_button(src, nid, "Close without adding a group (Escape).")


def _cancel_button(src: BuilderSource, nid: str, help_text: str) -> None:
    """Cancel (or Escape): the open row or choice closes; the tree stays as it was."""
    st.button(
        "Cancel",
        key=key(nid, "cancel"),
        on_click=_close,
        args=(src,),
        shortcut="Esc",
        help=help_text,
    )


def _row(src: BuilderSource, node_id: str, depth: int) -> None:
    node = find(src.get_tree(), node_id)
    if not isinstance(node, Condition):
        return  # deleted: nothing to draw
    edit = current_edit(src.scope)
    if (
        edit is not None
        and not edit.is_new
        and edit.node_id == node_id
        and edit.kind == "condition"
    ):
        parent = parent_of(src.get_tree(), node_id)
        _condition_editor(src, edit, parent)
        return
    words = condition_words(node, agents=src.hints.agents, metrics=src.hints.metrics)
    st.button(
        inert(words),
        key=key(node_id, "open"),
        type="tertiary",
        on_click=_open,
        args=(src, node_id, "condition"),
        help="Change, move or remove this condition",
    )
    _problems(src, node_id)


def _problems(src: BuilderSource, node_id: str) -> None:
    found = src.problems().get(node_id, ())
    for problem in found:
        colour = "red" if problem.severity == "error" else "orange"
        icon = ":material/error:" if problem.severity == "error" else ":material/warning:"
        st.markdown(f":{colour}[{icon} {inert(problem.message)}]")
    for message in src.server_errors().get(node_id, ()):
        show_server_reason(message)


def _field_choice(cond: Condition) -> str:
    if cond.field.startswith(catalog.METADATA_PREFIX):
        return METADATA_CHOICE
    return cond.field


def _condition_editor(src: BuilderSource, edit: RowEdit, parent: Group | None) -> None:
    """The inputs of the row being edited (only this row has any)."""
    pending = edit.pending
    nid = pending.node_id if pending is not None else edit.node_id
    with st.container(border=True, key=f"flt_{nid}_editing"):
        if pending is None:
            _field_pills(src, nid)
        else:
            _field_and_op(src, edit, pending)
            hint = None
            metric = group_metric(parent) if parent is not None else None
            if metric is not None:
                hint = src.metric_info.get(metric)
            seen = _seen_values(src.project_id, pending.field)
            hints = dataclasses.replace(src.hints, score=hint, seen=seen)
            render_value_editor(
                pending,
                _reporter(src, nid),
                hints,
                mode=edit.mode,
                on_mode=_moder(src, nid),
            )
            from cekura_dashboards.filter_validation import value_problem

            spec = catalog.field_spec(pending.field)
            if spec is not None:
                problem = value_problem(pending.field, pending.op, pending.value)
                if problem:
                    st.caption(
                        "Needs a value." if pending.value in (None, "", []) else inert(problem)
                    )
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.button(
                "Add" if edit.is_new else "Apply",
                key=key(nid, "apply"),
                type="primary",
                icon=":material/check:",
                on_click=_apply,
                args=(src,),
                disabled=pending is None,
                help="Put this condition in the filter (Enter in a box does the same).",
            )
            _cancel_button(src, nid, "Close without changing anything (Escape).")
            if not edit.is_new:
                _actions_menu(src, nid, "condition")


def _field_pills(src: BuilderSource, nid: str) -> None:
    widget_key = key(nid, "field_pick")
    sync(widget_key, None)
    st.pills(
        "What should the calls be filtered on?",
        options=FIELD_CHOICES,
        format_func=field_choice_label,
        key=widget_key,
        on_change=_on_field,
        args=(src, widget_key, nid),
    )


def _field_and_op(src: BuilderSource, edit: RowEdit, pending: Condition) -> None:
    nid = pending.node_id
    spec = catalog.field_spec(pending.field)
    is_metadata = pending.field.startswith(catalog.METADATA_PREFIX)
    with st.container(horizontal=True, vertical_alignment="top", gap="small"):
        choice = _field_choice(pending)
        options = FIELD_CHOICES if choice in FIELD_CHOICES else [*FIELD_CHOICES, choice]
        field_key = key(nid, "field")
        sync(field_key, choice)
        st.selectbox(
            "Field",
            options=options,
            format_func=field_choice_label,
            key=field_key,
            on_change=_on_field,
            args=(src, field_key, nid),
            label_visibility="collapsed",
            width=240,
        )
        if is_metadata:
            meta_key = key(nid, "metakey")
            sync(meta_key, edit.metadata_key)
            st.text_input(
                "Metadata key",
                key=meta_key,
                on_change=_on_metadata_key,
                args=(src, meta_key, nid),
                placeholder="Metadata key, e.g. region",
                label_visibility="collapsed",
                width=200,
            )
        kind = spec.kind if spec else "string"
        ops = list(spec.ops) if spec else list(catalog.ALL_OPS)
        if pending.op not in ops:
            ops.append(pending.op)
        op_key = key(nid, "op")
        sync(op_key, pending.op)
        st.selectbox(
            "Comparison",
            options=ops,
            format_func=lambda op: _op_words(op, kind),
            key=op_key,
            on_change=_on_op,
            args=(src, op_key, nid),
            label_visibility="collapsed",
            width=200,
        )


def _op_words(op: str, kind: str) -> str:
    try:
        return catalog.op_label(op, kind)
    except KeyError:
        return f"unknown ({op})"
