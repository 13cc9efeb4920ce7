"""A dashboard's widgets as the user is changing them, and what Save sends for them.

The working copy is a tuple of `WorkingWidget`: the saved widgets still there (untouched:
`choices` None; edited: their new choices) and the new ones (no `widget_id`), in the
order shown. A saved widget missing from it is to be deleted. From that and the saved
widgets: the `bulk_widgets/` body (`create`, `update` with only the changed keys plus
`id`, `delete`), a change list in words, the widgets someone else changed or deleted
since (the stale-write check), and a rebase of the user's changes onto their copy.
Nothing here writes `metadata`: it stays as Cekura's front end left it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cekura_dashboards import widget_rules as rules
from cekura_dashboards.json_equality import same_json


@dataclass(frozen=True)
class WorkingWidget:
    key: str  # stable: "w<id>" for a saved widget, "n<hex>" for a new one
    widget_id: int | None = None
    choices: rules.Choices | None = None  # None: as saved


@dataclass(frozen=True)
class WidgetConflict:
    widget_id: int
    name: str
    deleted: bool  # they deleted it (else: they changed it)
    theirs: Any = None  # their copy, when they changed it


def saved_key(widget_id: int) -> str:
    return f"w{int(widget_id)}"


def new_key() -> str:
    return "n" + secrets.token_hex(6)


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _by_id(widgets: Iterable[Any]) -> dict[int, Any]:
    return {int(_get(w, "id")): w for w in widgets}


def working_copy(saved: Sequence[Any]) -> tuple[WorkingWidget, ...]:
    """The saved widgets, untouched."""
    return tuple(WorkingWidget(saved_key(_get(w, "id")), int(_get(w, "id"))) for w in saved)


def choices_of(
    item: WorkingWidget, saved: Sequence[Any], eval_types: Mapping[int, str] | None = None
) -> rules.Choices:
    """The editor's answers for an entry of the working copy."""
    if item.choices is not None:
        return item.choices
    widget = _by_id(saved).get(item.widget_id or -1)
    return rules.choices_from_widget(widget or {}, eval_types)


# --- the bulk_widgets/ body -----------------------------------------------------------------


@dataclass(frozen=True)
class WidgetBulk:
    create: tuple[dict[str, Any], ...] = ()
    create_keys: tuple[str, ...] = ()  # the working key of each create item
    update: tuple[dict[str, Any], ...] = ()  # each with its "id"
    delete: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)

    def body(self) -> dict[str, Any]:
        return {
            "create": [dict(c) for c in self.create],
            "update": [dict(u) for u in self.update],
            "delete": list(self.delete),
        }

    def touched_ids(self) -> tuple[int, ...]:
        return tuple(int(u["id"]) for u in self.update) + self.delete


def bulk_of(working: Sequence[WorkingWidget] | None, saved: Sequence[Any]) -> WidgetBulk:
    """What Save sends for the widgets; empty when nothing changed."""
    if working is None:
        return WidgetBulk()
    by_id = _by_id(saved)
    create: list[dict[str, Any]] = []
    keys: list[str] = []
    update: list[dict[str, Any]] = []
    kept: set[int] = set()
    for item in working:
        if item.widget_id is None:
            if item.choices is not None:
                create.append(rules.create_body(item.choices))
                keys.append(item.key)
            continue
        kept.add(item.widget_id)
        if item.choices is None or item.widget_id not in by_id:
            continue
        changed = rules.update_body(by_id[item.widget_id], item.choices)
        if changed:
            update.append({"id": item.widget_id, **changed})
    delete = tuple(wid for wid in by_id if wid not in kept)
    return WidgetBulk(tuple(create), tuple(keys), tuple(update), delete)


# --- in words -------------------------------------------------------------------------------

_KEY_WORDS = {
    "name": "name",
    "chart_type": "chart type",
    "data_type": "data type",
    "field": "what it plots",
    "metric": "metric",
    "time_period": "time period",
    "aggregation_function": "aggregation",
    "group_by": "group by",
    "filters": "its own filter",
}


def change_list(
    working: Sequence[WorkingWidget] | None,
    saved: Sequence[Any],
    *,
    metric_names: Mapping[int, str] | None = None,
) -> list[str]:
    """One sentence per added, changed or deleted widget."""
    bulk = bulk_of(working, saved)
    by_id = _by_id(saved)
    names = metric_names or {}
    lines: list[str] = []
    for body in bulk.create:
        choices = rules.choices_from_widget(body)
        lines.append(f"Added widget '{choices.name}' ({rules.describe(choices, names)})")
    for body in bulk.update:
        before = rules.choices_from_widget(by_id[body["id"]])
        after = replace(before, **_answers(body))
        what = ", ".join(_KEY_WORDS.get(k, k) for k in body if k != "id" and k != "data_type")
        if not what:
            what = "data type"
        lines.append(
            f"Changed widget '{before.name}': {what} "
            f"(now {rules.describe(after, names)})"
            + (f", renamed to '{after.name}'" if "name" in body else "")
        )
    for wid in bulk.delete:
        before = rules.choices_from_widget(by_id[wid])
        lines.append(f"Deleted widget '{before.name}' ({rules.describe(before, names)})")
    return lines


def _answers(body: Mapping[str, Any]) -> dict[str, Any]:
    """An update body as Choices fields."""
    names = {"aggregation_function": "aggregation"}
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "id":
            continue
        if key == "field":
            value = value or None
        out[names.get(key, key)] = value
    return out


# --- the stale-write check -----------------------------------------------------------------


def widget_conflicts(
    expected: Sequence[Any], current: Sequence[Any], touched: Iterable[int]
) -> list[WidgetConflict]:
    """The touched widgets (to update or delete) that someone changed or deleted since
    `expected` was read: another `updated_at`, or other values in the keys the app owns."""
    before = _by_id(expected)
    now = _by_id(current)
    out: list[WidgetConflict] = []
    for wid in touched:
        mine = before.get(wid)
        if mine is None:
            continue
        name = str(_get(mine, "name") or f"#{wid}")
        theirs = now.get(wid)
        if theirs is None:
            out.append(WidgetConflict(wid, name, deleted=True))
            continue
        stamp_a, stamp_b = _get(mine, "updated_at"), _get(theirs, "updated_at")
        moved = stamp_a is not None and stamp_b is not None and stamp_a != stamp_b
        if moved or not same_json(rules.saved_values(mine), rules.saved_values(theirs)):
            out.append(WidgetConflict(wid, name, deleted=False, theirs=theirs))
    return out


def their_changes(
    expected: Sequence[Any],
    current: Sequence[Any],
    *,
    metric_names: Mapping[int, str] | None = None,
) -> list[str]:
    """What someone else did to the widgets since `expected`, in words."""
    before, now = _by_id(expected), _by_id(current)
    names = metric_names or {}
    lines: list[str] = []
    for wid, widget in now.items():
        choices = rules.choices_from_widget(widget)
        if wid not in before:
            lines.append(f"Added widget '{choices.name}' ({rules.describe(choices, names)})")
        elif not same_json(rules.saved_values(before[wid]), rules.saved_values(widget)):
            lines.append(f"Changed widget '{choices.name}' (now {rules.describe(choices, names)})")
    for wid, widget in before.items():
        if wid not in now:
            lines.append(f"Deleted widget '{_get(widget, 'name') or wid}'")
    return lines


def rebase(
    working: Sequence[WorkingWidget] | None, old: Sequence[Any], current: Sequence[Any]
) -> tuple[WorkingWidget, ...] | None:
    """The user's widget changes laid on `current` (their copy, or a re-read after an
    unknown outcome): keys the user changed keep the user's values, the others take
    theirs; an edited widget they deleted comes back as a new one (the user's work is
    kept); a new widget already on the server exactly as created counts as saved; a
    widget the user deleted stays deleted; widgets they added are kept."""
    if working is None:
        return None
    before, now = _by_id(old), _by_id(current)
    claimed: set[int] = set()
    out: list[WorkingWidget] = []
    for item in working:
        if item.widget_id is None:
            match = _already_created(item, before, now, claimed)
            if match is None:
                out.append(item)
            else:
                claimed.add(match)
                out.append(WorkingWidget(saved_key(match), match))
            continue
        theirs = now.get(item.widget_id)
        if item.choices is None:
            if theirs is not None:
                out.append(item)
            continue
        mine = rules.update_body(before[item.widget_id], item.choices)
        if theirs is None:
            out.append(WorkingWidget(new_key(), None, item.choices))
            continue
        merged = replace(rules.choices_from_widget(theirs), **_answers(mine))
        merged = replace(merged, eval_type=item.choices.eval_type)
        changed = bool(rules.update_body(theirs, merged))
        out.append(WorkingWidget(item.key, item.widget_id, merged if changed else None))
    kept_ids = {item.widget_id for item in out if item.widget_id is not None}
    for wid in now:
        if wid not in before and wid not in kept_ids:
            out.append(WorkingWidget(saved_key(wid), wid))
    return tuple(out)


def _already_created(
    item: WorkingWidget, before: Mapping[int, Any], now: Mapping[int, Any], claimed: set[int]
) -> int | None:
    if item.choices is None:
        return None
    body = rules.create_body(item.choices)
    for wid, widget in now.items():
        if wid in before or wid in claimed:
            continue
        values = rules.saved_values(widget)
        if all(same_json(values.get(k), v) for k, v in body.items()):
            return wid
    return None


def after_save(
    saved: Sequence[Any], created: Sequence[Any], updated: Sequence[Any], deleted: Sequence[int]
) -> list[Any]:
    """The widgets after a successful bulk_widgets/, from its answer (no extra read)."""
    fresh = _by_id(updated)
    gone = set(deleted)
    kept = [fresh.get(int(_get(w, "id")), w) for w in saved if int(_get(w, "id")) not in gone]
    return kept + list(created)


def errors_by_key(
    bulk: WidgetBulk, field_errors: Mapping[str, list[str]]
) -> dict[str, dict[str, list[str]]]:
    """The API's item errors (`{"create": ["#2 chart_type: ..."]}`) by working key and
    widget field, so each lands beside the field it names. `update` and `delete` items
    map to their widget ids' keys."""
    out: dict[str, dict[str, list[str]]] = {}
    sections: dict[str, list[str]] = {
        "create": list(bulk.create_keys),
        "update": [saved_key(u["id"]) for u in bulk.update],
        "delete": [saved_key(d) for d in bulk.delete],
    }
    for section, messages in field_errors.items():
        base = section.split(".", 1)[0].split("[", 1)[0]
        keys = sections.get(base)
        if keys is None:
            continue
        for message in messages:
            number, _, rest = message.partition(" ")
            field, sep, text = rest.partition(": ")
            try:
                index = int(number.lstrip("#").rstrip(":")) - 1
            except ValueError:
                continue
            if not 0 <= index < len(keys):
                continue
            if not sep:
                field, text = "non_field_errors", rest
            out.setdefault(keys[index], {}).setdefault(field, []).append(text)
    return out
