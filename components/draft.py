"""The editor's draft of one dashboard, kept under non-widget session keys per dashboard id
(widget state is dropped when a page is left; this is not).

A draft holds the server copy it started from (`loaded`, used for the stale-write check and
the PATCH body), the edited name, project and filter tree, and undo/redo stacks of whole
snapshots. Every change goes through `change()`, which records one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from cekura_dashboards.filter_tree import (
    Node,
    content_key,
    filter_to_json,
    iter_nodes,
    parse_filter,
)
from cekura_dashboards.patch import patch_body

UNDO_LIMIT = 100
_PREFIX = "editor_draft_"


@dataclass
class Snapshot:
    name: str
    project: int | None
    tree: Node | None  # immutable, so snapshots share it


@dataclass
class Draft:
    dashboard_id: int
    loaded: Any  # the Dashboard this draft is based on
    name: str
    project: int | None
    tree: Node | None
    undo_stack: list[Snapshot] = field(default_factory=list)
    redo_stack: list[Snapshot] = field(default_factory=list)
    # bumps on every change of the draft; the JSON editor and caches key on it
    version: int = 0
    # JSON the user typed and that is not applied (invalid, or not yet applied)
    json_text: str | None = None
    json_problem: str | None = None
    # which datetime editor a node shows when the user picked one (node id -> mode)
    time_modes: dict[str, str] = field(default_factory=dict)
    # the save flow's state: None, or a dict describing a conflict / failure to show
    save_issue: dict[str, Any] | None = None
    # cached widget table of `loaded` (widgets only change with the server copy)
    widget_table: Any = None

    # --- reading --------------------------------------------------------------------
    def filters_json(self) -> dict[str, Any] | None:
        return filter_to_json(self.tree) if self.tree is not None else None

    def body(self) -> dict[str, Any]:
        """The editable part of the dashboard as the API would store it."""
        name: str | None = self.name
        if not name and not _get(self.loaded, "name"):
            name = _get(self.loaded, "name")  # keep null as null, "" as ""
        return {"name": name, "project": self.project, "filters": self.filters_json()}

    def is_dirty(self) -> bool:
        # the rule of the PATCH body: dirty exactly when Save would send something
        return bool(patch_body(self.loaded, self.body()))

    def snapshot(self) -> Snapshot:
        return Snapshot(self.name, self.project, self.tree)

    # --- changing -------------------------------------------------------------------
    def change(self, *, name: Any = ..., project: Any = ..., tree: Any = ...) -> None:
        """Apply one user edit as one undo step. A no-op edit records nothing."""
        before = self.snapshot()
        new_name = self.name if name is ... else name
        new_project = self.project if project is ... else project
        new_tree = self.tree if tree is ... else tree
        if (
            new_name == self.name
            and new_project == self.project
            and (tree is ... or _same_tree(new_tree, self.tree))
        ):
            return
        self.undo_stack.append(before)
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.name, self.project, self.tree = new_name, new_project, new_tree
        self._touched()

    def edit_tree(self, edit: Any) -> None:
        """Replace the tree with `edit(tree)` (nodes are immutable), as one undo step."""
        self.change(tree=edit(self.tree))

    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        self.redo_stack.append(self.snapshot())
        self._restore(self.undo_stack.pop())
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        self.undo_stack.append(self.snapshot())
        self._restore(self.redo_stack.pop())
        return True

    def discard(self) -> None:
        """Back to the server copy; undoable, so a slip of the finger costs nothing."""
        fresh = Snapshot(*_fields_of(self.loaded))
        self.change(name=fresh.name, project=fresh.project, tree=fresh.tree)
        self.json_text = None
        self.json_problem = None

    def rebase(self, server_copy: Any) -> None:
        """Take `server_copy` as the new base, keeping the user's edits on top: every key
        the user changed keeps the draft's value; the others take the server's."""
        mine = self.body()
        base = loaded_body(self.loaded)
        theirs_name, theirs_project, theirs_tree = _fields_of(server_copy)
        self.loaded = server_copy
        self.widget_table = None
        if mine["name"] == base["name"] or (not mine["name"] and not base["name"]):
            self.name = theirs_name
        if mine["project"] == base["project"]:
            self.project = theirs_project
        if mine["filters"] == base["filters"]:
            self.tree = theirs_tree
        self._touched()

    def saved(self, server_copy: Any) -> None:
        """After a successful save: the response is the new base and a fresh undo baseline."""
        self.loaded = server_copy
        self.name, self.project, self.tree = _fields_of(server_copy)
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.widget_table = None
        self.save_issue = None
        self.json_text = None
        self.json_problem = None
        self._touched()

    def _restore(self, snap: Snapshot) -> None:
        self.name, self.project, self.tree = snap.name, snap.project, snap.tree
        self._touched()

    def _touched(self) -> None:
        # JSON the user typed and could not apply survives other edits (it is their work);
        # only applying it, throwing it away, discard or a save clears it.
        self.version += 1


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def loaded_body(dashboard: Any) -> dict[str, Any]:
    return {
        "name": _get(dashboard, "name"),
        "project": _get(dashboard, "project"),
        "filters": _get(dashboard, "filters") or None,
    }


def _fields_of(dashboard: Any) -> tuple[str, int | None, Node | None]:
    body = loaded_body(dashboard)
    return body["name"] or "", body["project"], parse_filter(body["filters"])


def _same_tree(a: Node | None, b: Node | None) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return content_key(a) == content_key(b) and _ids(a) == _ids(b)


def _ids(node: Node) -> list[str]:
    return [n.node_id for _, n in iter_nodes(node)]


# --- session storage ----------------------------------------------------------------
def draft_key(dashboard_id: int) -> str:
    return f"{_PREFIX}{dashboard_id}"


def get_draft(dashboard_id: int) -> Draft | None:
    found = st.session_state.get(draft_key(dashboard_id))
    return found if isinstance(found, Draft) else None


def start_draft(dashboard: Any) -> Draft:
    name, project, tree = _fields_of(dashboard)
    draft = Draft(
        dashboard_id=int(_get(dashboard, "id")),
        loaded=dashboard,
        name=name,
        project=project,
        tree=tree,
    )
    st.session_state[draft_key(draft.dashboard_id)] = draft
    return draft
