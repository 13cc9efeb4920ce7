"""The editor's draft of one dashboard, kept under a stored session key per dashboard id
(`state_keys.s_draft`; a widget's state is dropped when its page is left, this is not).

A draft holds the server copy it started from (`loaded`: the base of the stale-write
check and the PATCH body), the edited name, project and filter tree, and undo/redo stacks
of whole snapshots. Every edit goes through `change()`, which records one undo step.
Whatever else the editor keeps about a dashboard (JSON typed and not applied, the chosen
datetime editors, what went wrong with the last save) is a typed field here holding
plain values and the API's models: no exception objects, no DataFrames.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

import streamlit as st

from cekura_dashboards.filter_tree import (
    FilterParseError,
    Node,
    content_key,
    filter_to_json,
    iter_nodes,
    parse_filter,
)
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.models import Dashboard
from cekura_dashboards.patch import patch_body
from cekura_dashboards.widget_changes import WidgetBulk, WorkingWidget, bulk_of, working_copy
from cekura_dashboards.widget_changes import rebase as rebase_widgets
from cekura_dashboards.widget_rules import Choices
from services import state_keys as keys
from services.connection import Connection, current_connection

UNDO_LIMIT = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    name: str
    project: int | None
    tree: Node | None  # immutable, so snapshots share it
    widgets: tuple[WorkingWidget, ...] | None = None  # None: the saved widgets, untouched


@dataclass(frozen=True)
class PendingJson:
    """JSON the user typed that is not a filter, kept so their work is not lost."""

    text: str
    message: str  # what is wrong
    path: str = ""  # where: "" for the whole text, `conditions[1].op` for a part


SaveIssueKind = Literal["conflict", "invalid", "unknown", "failed"]


@dataclass(frozen=True)
class SaveIssue:
    """Why the last save did not simply succeed; shown until the user acts on it."""

    kind: SaveIssueKind
    message: str = ""  # the client's words for a person (`error.user_message`)
    server_copy: Dashboard | None = None  # conflict: their copy (None: it could not be read)
    # a save that went half way: what was saved, said for a person ("" when none)
    saved_part: str = ""
    # the API's reasons for widgets: working widget key -> widget field -> messages
    widget_errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # invalid: the API's reasons by dashboard key (name, project, non_field_errors) ...
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    # ... and by filter path, as it sent them ...
    filter_errors: dict[str, list[str]] = field(default_factory=dict)
    # ... and the same by node id of the tree that was sent (the root when a path leads nowhere)
    node_errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Draft:
    dashboard_id: int
    loaded: Dashboard  # the server copy this draft is based on
    name: str
    project: int | None
    tree: Node | None
    undo_stack: list[Snapshot] = field(default_factory=list)
    redo_stack: list[Snapshot] = field(default_factory=list)
    # bumps on every change of the draft; the JSON editor and the page's signature key on it
    version: int = 0
    pending_json: PendingJson | None = None
    # the datetime editor a node shows when the user picked one: node id -> editor mode
    time_modes: dict[str, str] = field(default_factory=dict)
    save_issue: SaveIssue | None = None
    # kept in the store (services/draft_store.py) under this token, which the URL carries
    token: str | None = None
    kept_version: int | None = None  # the `version` last stored (None: never)
    # the journal entry whose copy this draft puts back: Save journals a "restore"
    restoring_entry_id: int | None = None
    reopened: bool = False  # this session found the draft in the store (after a reload)
    # The connection the draft was started on (its id, account and label): a draft of one
    # account's dashboard 12 must never be saved as another account's dashboard 12.
    connection: Connection | None = None
    # the widgets as the user is changing them (cekura_dashboards/widget_changes.py);
    # None while they are as saved. Part of every snapshot, so undo covers them.
    widgets: tuple[WorkingWidget, ...] | None = None
    # What was worked out from the draft as it was (`worked_out`): a builder edit asks the
    # same questions of a 500-condition tree several times (dirty? its filter's key?).
    _memo: dict[str, tuple[tuple[Any, ...], Any]] = field(
        default_factory=dict, repr=False, compare=False
    )

    # --- reading --------------------------------------------------------------------
    def worked_out(self, what: str, compute: Callable[[], T]) -> T:
        """`compute()`, or what it gave while the draft's content (tree, name, project,
        server copy, widgets) was these very objects: each is replaced, never changed in
        place, so the same objects mean the same answer. The stamp holds them, so an
        object's id cannot be reused by another while its answer is kept."""
        stamp = (self.tree, self.name, self.project, self.loaded, self.widgets)
        hit = self._memo.get(what)
        if hit is not None and all(a is b for a, b in zip(hit[0], stamp, strict=True)):
            return cast(T, hit[1])
        value = compute()
        self._memo[what] = (stamp, value)
        return value

    def filters_json(self) -> dict[str, Any] | None:
        return filter_to_json(self.tree) if self.tree is not None else None

    def body(self) -> dict[str, Any]:
        """The editable part of the dashboard as the API would store it."""
        name: str | None = self.name
        if not name and not self.loaded.name:
            name = self.loaded.name  # keep null as null, "" as ""
        return {"name": name, "project": self.project, "filters": self.filters_json()}

    def changes(self) -> dict[str, Any]:
        """What Save would send: the keys whose value differs from the server copy."""
        return patch_body(self.loaded, self.body())

    def is_dirty(self) -> bool:
        # the rule of the PATCH body: dirty exactly when Save would send something
        return self.worked_out("dirty", lambda: bool(self.changes()) or bool(self.widget_bulk()))

    def belongs_to(self, conn: Connection) -> bool:
        """Whether Save may send this draft over `conn`: the same account (address and
        key; the same key pasted again after a reload is the same account)."""
        return self.connection is None or self.connection.account == conn.account

    def snapshot(self) -> Snapshot:
        return Snapshot(self.name, self.project, self.tree, self.widgets)

    # --- changing -------------------------------------------------------------------
    def change(
        self, *, name: Any = ..., project: Any = ..., tree: Any = ..., widgets: Any = ...
    ) -> None:
        """Apply one user edit as one undo step. A no-op edit records nothing."""
        before = self.snapshot()
        new_name = self.name if name is ... else name
        new_project = self.project if project is ... else project
        new_tree = self.tree if tree is ... else tree
        new_widgets = self.widgets if widgets is ... else widgets
        if (
            same_json(new_name, self.name)
            and same_json(new_project, self.project)
            and (tree is ... or _same_tree(new_tree, self.tree))
            and new_widgets == self.widgets
        ):
            return
        self.undo_stack.append(before)
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.name, self.project, self.tree = new_name, new_project, new_tree
        self.widgets = new_widgets
        self._touched()

    def edit_tree(self, edit: Any) -> None:
        """Replace the tree with `edit(tree)` (nodes are immutable), as one undo step."""
        self.change(tree=edit(self.tree))

    def apply_json(self, text: str) -> bool:
        """Apply typed JSON as one undo step; False (text kept as `pending_json`) when it
        is not a filter. Blank text or `null` means no filter."""
        # a lone surrogate cannot be sent to the browser (nor to the API): kept as the JSON
        # escape it came from, so the text box can show it and the message say where
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        try:
            tree = None if text.strip() in ("", "null") else parse_filter(text)
            if tree is not None:
                refuse_lone_surrogates(filter_to_json(tree))
        except FilterParseError as err:
            self.pending_json = PendingJson(text=text, message=err.message, path=err.path)
            return False
        self.pending_json = None
        # same content, new node ids (a re-parse): not an edit, and the rows keep their ids
        if (content_key(tree) if tree else None) != (content_key(self.tree) if self.tree else None):
            self.change(tree=tree)
        return True

    def drop_pending_json(self) -> None:
        self.pending_json = None

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
        fresh = Snapshot(*fields_of(self.loaded))
        self.change(name=fresh.name, project=fresh.project, tree=fresh.tree, widgets=None)
        self.pending_json = None

    def rebase(self, server_copy: Dashboard) -> None:
        """Take `server_copy` as the new base, keeping the user's edits on top: every key
        the user changed keeps the draft's value; the others take the server's."""
        mine = self.changes()
        old_widgets = self.loaded.widgets
        theirs_name, theirs_project, theirs_tree = fields_of(server_copy)
        self.loaded = server_copy
        if "name" not in mine:
            self.name = theirs_name
        if "project" not in mine:
            self.project = theirs_project
        if "filters" not in mine:
            self.tree = theirs_tree
        self.widgets = rebase_widgets(self.widgets, old_widgets, server_copy.widgets)
        self._touched()

    def saved(self, server_copy: Dashboard) -> None:
        """After a successful save: the response is the new base and a fresh undo baseline."""
        self.loaded = server_copy
        self.name, self.project, self.tree = fields_of(server_copy)
        self.widgets = None
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.save_issue = None
        self.pending_json = None
        self.restoring_entry_id = None
        self._touched()

    def _restore(self, snap: Snapshot) -> None:
        self.name, self.project, self.tree = snap.name, snap.project, snap.tree
        self.widgets = snap.widgets
        self._touched()

    # --- widgets (cekura_dashboards/widget_changes.py) --------------------------------
    def widget_bulk(self) -> WidgetBulk:
        """What Save sends to bulk_widgets/ (empty: nothing to send)."""
        return bulk_of(self.widgets, self.loaded.widgets)

    def working_widgets(self) -> tuple[WorkingWidget, ...]:
        if self.widgets is not None:
            return self.widgets
        return working_copy(self.loaded.widgets)

    def put_widget(self, item: WorkingWidget) -> None:
        """Add `item`, or replace the entry with its key, as one undo step."""
        current = list(self.working_widgets())
        keys = [w.key for w in current]
        if item.key in keys:
            current[keys.index(item.key)] = item
        else:
            current.append(item)
        self.change(widgets=self._untouched_as_none(tuple(current)))

    def remove_widget(self, key: str) -> None:
        """Take a widget off the dashboard (a saved one is deleted on Save)."""
        current = tuple(w for w in self.working_widgets() if w.key != key)
        self.change(widgets=self._untouched_as_none(current))

    def _untouched_as_none(
        self, widgets: tuple[WorkingWidget, ...]
    ) -> tuple[WorkingWidget, ...] | None:
        # back to the saved widgets exactly: no working copy, so `widgets` compares equal
        return (
            None
            if not bulk_of(widgets, self.loaded.widgets)
            and len(widgets) == len(self.loaded.widgets)
            else widgets
        )

    def saved_dashboard_only(self, server_copy: Dashboard) -> None:
        """The PATCH went through but the widgets did not: the dashboard part is saved
        (the response is its new base), the widget changes stay in the draft."""
        widgets = self.widgets
        self.saved(server_copy)
        self.widgets = widgets

    def _touched(self) -> None:
        # JSON the user typed and could not apply survives other edits (it is their work);
        # only applying it, throwing it away, discard or a save clears it.
        self.version += 1


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def loaded_body(dashboard: Any) -> dict[str, Any]:
    """name, project and filters of a dashboard (a model or its JSON), `{}` filters as null."""
    return {
        "name": _get(dashboard, "name"),
        "project": _get(dashboard, "project"),
        "filters": _get(dashboard, "filters") or None,
    }


def fields_of(dashboard: Any) -> tuple[str, int | None, Node | None]:
    """What a draft of `dashboard` starts from: its name ("" for none), project, tree
    (FilterParseError when the stored filter cannot be edited here)."""
    body = loaded_body(dashboard)
    refuse_lone_surrogates(body["filters"])
    return body["name"] or "", body["project"], parse_filter(body["filters"])


def refuse_lone_surrogates(data: Any, path: str = "") -> None:
    """FilterParseError naming the first text in `data` holding half of a UTF-16 pair
    (JSON's "\\ud800"): no character, and not sendable to the browser or the API."""
    if isinstance(data, str):
        if any("\ud800" <= ch <= "\udfff" for ch in data):
            shown = data.encode("utf-8", "backslashreplace").decode("utf-8")
            if len(shown) > 60:
                shown = shown[:57] + "…"
            raise FilterParseError(
                path,
                f"The text {shown!r} holds a lone surrogate (such as \\ud800): half of a "
                "character, which cannot be stored or shown. Remove it or write the whole "
                "character.",
            )
    elif isinstance(data, Mapping):
        for key, value in data.items():
            refuse_lone_surrogates(key, path)
            refuse_lone_surrogates(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            refuse_lone_surrogates(item, f"{path}[{index}]")


def _same_tree(a: Node | None, b: Node | None) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return content_key(a) == content_key(b) and _ids(a) == _ids(b)


def _ids(node: Node) -> list[str]:
    return [n.node_id for _, n in iter_nodes(node)]


# --- as a JSON document (the store keeps drafts so) ------------------------------------
DOCUMENT_FORMAT = 1


def draft_document(draft: Draft) -> dict[str, Any]:
    """What survives a reload: the working copy's name, project and filter, the server copy
    it is based on (the stale-write check and the PATCH body need it), and the restore it
    is making. Undo/redo history, JSON typed and not applied, and editor modes are not
    kept."""
    return {
        "format": DOCUMENT_FORMAT,
        "name": draft.name,
        "project": draft.project,
        "filters": draft.filters_json(),
        "loaded": draft.loaded.model_dump(mode="json"),
        "restoring_entry_id": draft.restoring_entry_id,
        "widgets": None if draft.widgets is None else [_widget_document(w) for w in draft.widgets],
    }


def _widget_document(widget: WorkingWidget) -> dict[str, Any]:
    choices = None if widget.choices is None else dataclasses.asdict(widget.choices)
    return {"key": widget.key, "widget_id": widget.widget_id, "choices": choices}


def _widget_from_document(document: Any) -> WorkingWidget:
    if not isinstance(document, Mapping) or not isinstance(document.get("key"), str):
        raise ValueError("a stored draft's widget is not one")
    widget_id = document.get("widget_id")
    choices = document.get("choices")
    return WorkingWidget(
        key=document["key"],
        widget_id=widget_id if isinstance(widget_id, int) else None,
        choices=None if choices is None else Choices(**choices),
    )


def draft_from_document(document: Any) -> Draft:
    """The draft `draft_document` described. Raises ValueError (FilterParseError is one)
    when the document is not one."""
    if not isinstance(document, Mapping) or document.get("format") != DOCUMENT_FORMAT:
        raise ValueError("not a stored draft of this app")
    loaded = Dashboard.model_validate(document["loaded"])
    draft = new_draft(loaded)
    project = document.get("project")
    if project is not None and not isinstance(project, int):
        raise ValueError("a stored draft's project must be a number")
    draft.name = str(document.get("name") or "")
    draft.project = project
    draft.tree = parse_filter(document.get("filters"))
    restoring = document.get("restoring_entry_id")
    draft.restoring_entry_id = restoring if isinstance(restoring, int) else None
    widgets = document.get("widgets")
    if widgets is not None:
        draft.widgets = tuple(_widget_from_document(w) for w in widgets)
    return draft


def base_updated_at(draft: Draft) -> str | None:
    stamp = draft.loaded.updated_at
    return None if stamp is None else stamp.isoformat()


# --- session storage ----------------------------------------------------------------
def new_draft(dashboard: Dashboard, connection: Connection | None = None) -> Draft:
    """A draft of `dashboard` (read over `connection`) with nothing changed (raises
    FilterParseError when its stored filter is not one this app can read)."""
    name, project, tree = fields_of(dashboard)
    return Draft(
        dashboard_id=int(dashboard.id),
        loaded=dashboard,
        name=name,
        project=project,
        tree=tree,
        connection=connection,
    )


def get_draft(dashboard_id: int) -> Draft | None:
    found = st.session_state.get(keys.s_draft(dashboard_id))
    return found if isinstance(found, Draft) else None


def start_draft(dashboard: Dashboard) -> Draft:
    """A new draft of `dashboard`, read over the session's connection, kept in this session."""
    return keep_in_session(new_draft(dashboard, current_connection()))


def keep_in_session(draft: Draft) -> Draft:
    st.session_state[keys.s_draft(draft.dashboard_id)] = draft
    return draft


def drop_draft(dashboard_id: int) -> None:
    """Forget the draft of one dashboard (the editor then starts again from the server)."""
    st.session_state.pop(keys.s_draft(dashboard_id), None)


def session_drafts() -> Iterator[Draft]:
    """Every draft this session holds."""
    for key in list(st.session_state.keys()):
        found = st.session_state.get(key)
        if isinstance(found, Draft):
            yield found
