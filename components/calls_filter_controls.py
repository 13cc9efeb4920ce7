"""The Calls page's builder behind one small function, so the page never depends on how
the builder is called. Its control bar is the editor's own (components/control_bar.py),
on the page's filter draft."""

from __future__ import annotations

from cekura_dashboards.filter_tree import Node
from components.control_bar import render_control_bar as render_control_bar
from components.filter_builder import FOLLOW_PAGE, TreeEdit, render_filter_builder
from services.drafts import Draft, get_draft

SCOPE = "calls"


def _tree_of(dashboard_id: int) -> Node | None:
    found = get_draft(dashboard_id)
    return found.tree if found is not None else None


def _edit(dashboard_id: int, change: TreeEdit) -> None:
    found = get_draft(dashboard_id)
    if found is not None:
        found.edit_tree(change)


def render_filter_editor(draft: Draft) -> None:
    """The filter builder on `draft` (THE one call of the builder from the Calls page).
    The whole page follows an applied edit: the control bar, the table and the export
    show the filter, and none of them is a fragment."""
    dashboard_id = draft.dashboard_id
    render_filter_builder(
        lambda: _tree_of(dashboard_id),
        lambda change: _edit(dashboard_id, change),
        SCOPE,
        draft.project,
        follow=(FOLLOW_PAGE,),
    )
