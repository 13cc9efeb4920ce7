"""The widget editor's state and callbacks: which widget is open, the answers so far
(widget_rules.Choices, reconciled after every answer, with the words of each reset), the
delete awaiting confirmation, and the preview answers cached by request.

Nothing here writes to the API: a finished widget joins the dashboard's draft
(`Draft.put_widget`), and Save sends it with the rest. The preview is a read
(preview_data/) cached per session by its body without the name, so renaming a widget
sends nothing and going back to an earlier answer costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import streamlit as st

from cekura_dashboards import widget_rules as rules
from cekura_dashboards.errors import CekuraError
from cekura_dashboards.filter_tree import FilterParseError, Node, filter_to_json, parse_filter
from cekura_dashboards.filter_validation import validate_filter
from cekura_dashboards.models import WidgetData
from cekura_dashboards.widget_changes import WorkingWidget, choices_of, new_key
from services import state_keys as keys
from services.connection import get_client
from services.drafts import Draft, get_draft

EditMode = Literal["new", "edit", "copy"]
PREVIEW_CACHE_SIZE = 32


@dataclass
class WidgetEdit:
    key: str  # the working key the result is stored under
    widget_id: int | None  # the saved widget being edited (None: new or a copy)
    mode: EditMode
    choices: rules.Choices
    notes: list[str] = field(default_factory=list)  # what the last answer reset, in words
    # the widget's own filter as the builder edits it (node ids stay put between reruns)
    filter_tree: Node | None = None
    filter_message: str = ""  # why the filter is not applied to the widget yet


@dataclass(frozen=True)
class PreviewAnswer:
    data: WidgetData | None = None
    message: str = ""  # why there is no data (the API's words)


def current_edit(dashboard_id: int) -> WidgetEdit | None:
    found = st.session_state.get(keys.s_widget_edit(dashboard_id))
    return found if isinstance(found, WidgetEdit) else None


def eval_types(metrics: Any) -> dict[int, str]:
    return {int(m.id): str(m.eval_type) for m in metrics or ()}


def _start(dashboard_id: int, edit: WidgetEdit) -> None:
    try:
        edit.filter_tree = parse_filter(dict(edit.choices.filters or {}) or None)
    except FilterParseError as err:
        edit.filter_message = f"This widget's filter cannot be read: {err}"
    st.session_state[keys.s_widget_edit(dashboard_id)] = edit
    st.session_state.pop(keys.s_widget_delete(dashboard_id), None)
    for part in ("name", "plot", "meta", "chart", "period", "agg", "group", "filter"):
        st.session_state.pop(keys.w_wed(dashboard_id, part), None)


def open_new(dashboard_id: int) -> None:
    _start(dashboard_id, WidgetEdit(new_key(), None, "new", rules.Choices()))


def open_existing(dashboard_id: int, key: str, metrics: Any, *, copy: bool = False) -> None:
    draft = get_draft(dashboard_id)
    if draft is None:
        return
    item = next((w for w in draft.working_widgets() if w.key == key), None)
    if item is None:
        return
    choices = choices_of(item, draft.loaded.widgets, eval_types(metrics))
    if choices.metric is not None and choices.eval_type is None:
        choices = replace(choices, eval_type=eval_types(metrics).get(choices.metric))
    if copy:
        choices = replace(choices, name=f"Copy of {choices.name}".strip()[:255])
        _start(dashboard_id, WidgetEdit(new_key(), None, "copy", choices))
    else:
        _start(dashboard_id, WidgetEdit(item.key, item.widget_id, "edit", choices))


def close(dashboard_id: int) -> None:
    st.session_state.pop(keys.s_widget_edit(dashboard_id), None)


def answer(dashboard_id: int, **answers: Any) -> None:
    """One answer; the later ones are kept when still valid, reset (and said so) when not."""
    edit = current_edit(dashboard_id)
    if edit is None:
        return
    before = edit.choices
    edit.choices, edit.notes = rules.choose(before, **answers)


def edit_filter(dashboard_id: int, change: Callable[[Node | None], Node | None]) -> None:
    """One builder edit of the widget's filter: the widget takes it once it has no errors
    (so nothing the API would refuse reaches the preview or the draft)."""
    edit = current_edit(dashboard_id)
    if edit is None:
        return
    edit.filter_tree = change(edit.filter_tree)
    errors = [p for p in validate_filter(edit.filter_tree) if p.severity == "error"]
    if errors:
        edit.filter_message = (
            f"The widget filter has {len(errors)} problem{'s' if len(errors) != 1 else ''} "
            "(marked in it); the widget keeps its last good filter until they are fixed."
        )
        return
    edit.filter_message = ""
    edit.choices = replace(edit.choices, filters=filter_to_json(edit.filter_tree))


def apply(dashboard_id: int) -> None:
    """Put the finished widget into the draft (one undo step) and close the editor."""
    edit = current_edit(dashboard_id)
    draft = get_draft(dashboard_id)
    if edit is None or draft is None or rules.widget_problems(edit.choices):
        return
    choices = edit.choices
    if edit.widget_id is not None:
        saved = next((w for w in draft.loaded.widgets if w.id == edit.widget_id), None)
        if saved is not None and not rules.update_body(saved, choices):
            draft.put_widget(WorkingWidget(edit.key, edit.widget_id))  # back as saved
            close(dashboard_id)
            return
    draft.put_widget(WorkingWidget(edit.key, edit.widget_id, choices))
    _clear_widget_errors(draft, edit.key)
    close(dashboard_id)


def _clear_widget_errors(draft: Draft, key: str) -> None:
    issue = draft.save_issue
    if issue is not None and key in issue.widget_errors:
        errors = {k: v for k, v in issue.widget_errors.items() if k != key}
        draft.save_issue = replace(issue, widget_errors=errors)


def ask_delete(dashboard_id: int, key: str) -> None:
    close(dashboard_id)
    st.session_state[keys.s_widget_delete(dashboard_id)] = key


def pending_delete(dashboard_id: int) -> str | None:
    found = st.session_state.get(keys.s_widget_delete(dashboard_id))
    return str(found) if found else None


def cancel_delete(dashboard_id: int) -> None:
    st.session_state.pop(keys.s_widget_delete(dashboard_id), None)


def confirm_delete(dashboard_id: int) -> None:
    key = pending_delete(dashboard_id)
    draft = get_draft(dashboard_id)
    cancel_delete(dashboard_id)
    if key is not None and draft is not None:
        draft.remove_widget(key)


# --- the live preview ------------------------------------------------------------------------
def preview(dashboard_id: int, body: Mapping[str, Any], dashboard_filters: Any) -> PreviewAnswer:
    """The chart data of an unsaved widget under the draft dashboard filter, once per
    distinct request (the body has no name, so a rename asks nothing)."""
    cache: dict[str, PreviewAnswer] = st.session_state.setdefault(
        keys.s_widget_previews(dashboard_id), {}
    )
    request = rules.preview_key(body, dashboard_filters)
    if request in cache:
        return cache[request]
    try:
        data = get_client().preview_widget_data(widget=body, dashboard_filters=dashboard_filters)
        found = PreviewAnswer(data=data)
    except CekuraError as err:
        found = PreviewAnswer(message=err.user_message)
    while len(cache) >= PREVIEW_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[request] = found
    return found
