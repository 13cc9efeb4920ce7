"""What a save would send, and what it changes, in words and as code.

`patch_body` keeps only the keys that changed; `change_list` says what changed in plain
words; `json_diff` shows the JSON difference; `curl_snippet` and `python_snippet` show the
request with the API key masked unless the caller asks to reveal it.
"""

from __future__ import annotations

import copy
import difflib
import json
import shlex
from collections.abc import Mapping
from typing import Any

from cekura_dashboards.client import API_KEY_HEADER, mask_key
from cekura_dashboards.filter_sentence import describe_condition, describe_filter, group_words
from cekura_dashboards.filter_tree import (
    Condition,
    FilterParseError,
    Group,
    Node,
    content_key,
    filter_to_json,
    parse_filter,
)
from cekura_dashboards.filter_validation import id_names
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.models import DASHBOARD_WRITABLE


def _fields(obj: Any) -> dict[str, Any]:
    """name/project/filters of a Dashboard model or a dict (filters as JSON)."""
    out: dict[str, Any] = {}
    for key in DASHBOARD_WRITABLE:
        if isinstance(obj, Mapping):
            if key not in obj:
                continue
            value = obj[key]
        elif hasattr(obj, key):
            value = getattr(obj, key)
        else:
            continue
        if isinstance(value, Condition | Group):
            value = filter_to_json(value)
        out[key] = value
    return out


def patch_body(loaded: Any, draft: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body: the keys among name, project, filters whose draft value differs
    from the loaded dashboard's (`true` vs `1` counts as a change; key order does not).
    A key missing from the draft is left alone. `draft["filters"]` may be JSON or a tree."""
    before = _fields(loaded)
    after = _fields(draft)
    return {
        key: copy.deepcopy(after[key])
        for key in DASHBOARD_WRITABLE
        if key in after and not same_json(after[key], before.get(key))
    }


# --- the change list ----------------------------------------------------------------------
def change_list(
    loaded: Any,
    draft: Mapping[str, Any],
    *,
    projects: Any = None,
    agents: Any = None,
    metrics: Any = None,
) -> list[str]:
    """What saving the draft changes, one plain sentence per change:
    "Renamed 'A' to 'B'", "Moved to project 'Sales'", "Added: call duration at least 60 s,
    in the top group (all of)", "Removed: ...", "Changed: ... to ...", "Moved: ..."."""
    before = _fields(loaded)
    body = patch_body(loaded, draft)
    changes: list[str] = []
    if "name" in body:
        old, new = before.get("name"), body["name"]
        if not old:
            changes.append(f"Named it '{new}'")
        elif not new:
            changes.append(f"Removed the name '{old}'")
        else:
            changes.append(f"Renamed '{old}' to '{new}'")
    if "project" in body:
        names = id_names(projects, "name") or {}

        def project(pid: Any) -> str:
            return f"'{names[pid]}'" if pid in names else f"#{pid}"

        old, new = before.get("project"), body["project"]
        if new is None:
            changes.append(f"Removed from project {project(old)}")
        else:
            changes.append(f"Moved to project {project(new)}")
    if "filters" in body:
        changes.extend(
            _filter_changes(before.get("filters"), body["filters"], agents=agents, metrics=metrics)
        )
    return changes


class _Words:
    def __init__(self, agents: Any, metrics: Any) -> None:
        self.agents = agents
        self.metrics = metrics

    def node(self, node: Node) -> str:
        if isinstance(node, Condition):
            text = describe_condition(node, agents=self.agents, metrics=self.metrics)
            return text[:1].lower() + text[1:]
        inner = "; ".join(self.node(child) for child in node.conditions) or "empty"
        return f"group '{group_words(node.operator)}' ({inner})"

    def sentence(self, node: Node | None) -> str:
        return describe_filter(node, agents=self.agents, metrics=self.metrics)


def _filter_changes(before: Any, after: Any, *, agents: Any, metrics: Any) -> list[str]:
    words = _Words(agents, metrics)
    try:
        old, new = parse_filter(before), parse_filter(after)
    except FilterParseError:
        return ["Changed the filter (see the JSON difference)"]
    if old is None:
        return [f"Added a filter: {words.sentence(new)}"]
    if new is None:
        return [f"Removed the filter (it was: {words.sentence(old)})"]
    changes: list[str] = []
    _diff_node(old, new, "", words, changes)
    return changes or ["Reordered the filter's JSON keys"]


def _where(group: Group, *, top: bool = False) -> str:
    if top:
        return f", in the top group ({group_words(group.operator)})"
    return f", in a group ({group_words(group.operator)})"


def _diff_node(old: Node, new: Node, where: str, words: _Words, out: list[str]) -> None:
    if content_key(old) == content_key(new):
        return
    if isinstance(old, Group) and isinstance(new, Group):
        if old.operator != new.operator:
            out.append(
                f"Changed: group '{group_words(old.operator)}' to "
                f"'{group_words(new.operator)}'{where}"
            )
        _diff_children(old.conditions, new.conditions, _where(new, top=not where), words, out)
        return
    out.append(f"Changed: {words.node(old)} to {words.node(new)}{where}")


def _same_field(a: Node, b: Node) -> bool:
    return isinstance(a, Condition) and isinstance(b, Condition) and a.field == b.field


def _diff_children(
    olds: tuple[Node, ...], news: tuple[Node, ...], where: str, words: _Words, out: list[str]
) -> None:
    """Match children by content first (what stayed, or moved), then conditions on the
    same field (what changed), then what sits in the same place; the rest was added or
    removed."""
    old_keys = [content_key(n) for n in olds]
    new_keys = [content_key(n) for n in news]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    gone: list[int] = []
    came: list[int] = []
    region: dict[int, int] = {}  # index -> which replaced stretch it belongs to
    for number, (tag, i1, i2, j1, j2) in enumerate(matcher.get_opcodes()):
        if tag != "equal":
            gone += range(i1, i2)
            came += range(j1, j2)
            region.update({i: number for i in range(i1, i2)})
            region.update({-1 - j: number for j in range(j1, j2)})
    pairs: list[tuple[int, int]] = []  # (old index, new index)
    moved: list[tuple[int, int]] = []

    def take(match: Any) -> None:
        for i in list(gone):
            j = next((j for j in came if match(i, j)), None)
            if j is not None:
                gone.remove(i)
                came.remove(j)
                (moved if old_keys[i] == new_keys[j] else pairs).append((i, j))

    take(lambda i, j: old_keys[i] == new_keys[j])
    take(lambda i, j: _same_field(olds[i], news[j]))
    take(lambda i, j: type(olds[i]) is type(news[j]) and region[i] == region[-1 - j])
    steps: list[tuple[float, str]] = []
    for i, j in pairs:
        found: list[str] = []
        _diff_node(olds[i], news[j], where, words, found)
        steps += [(j, text) for text in found]
    steps += [(j, f"Moved: {words.node(news[j])}{where}") for _i, j in moved]
    steps += [(j, f"Added: {words.node(news[j])}{where}") for j in came]
    steps += [(i - 0.5, f"Removed: {words.node(olds[i])}{where}") for i in gone]
    out.extend(text for _, text in sorted(steps, key=lambda step: step[0]))


# --- diff and snippets ------------------------------------------------------------------
def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, ensure_ascii=False).splitlines(keepends=True)


def json_diff(
    before: Any, after: Any, *, before_label: str = "server copy", after_label: str = "your draft"
) -> str:
    """A unified diff of the two values as pretty JSON (keys in their own order, indent 2);
    "" when they are the same."""
    lines = difflib.unified_diff(
        _pretty(before), _pretty(after), fromfile=before_label, tofile=after_label
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def curl_snippet(
    method: str, url: str, body: Any = None, *, api_key: str, reveal: bool = False
) -> str:
    """The request as a cURL command, every argument shell-quoted; the key masked unless
    `reveal`."""
    key = api_key if reveal else mask_key(api_key)
    parts = [
        f"curl -X {shlex.quote(method.upper())} {shlex.quote(url)}",
        f"-H {shlex.quote(f'{API_KEY_HEADER}: {key}')}",
    ]
    if body is not None:
        parts.append(f"-H {shlex.quote('Content-Type: application/json')}")
        parts.append(f"--data-raw {shlex.quote(json.dumps(body, ensure_ascii=False))}")
    return " \\\n  ".join(parts)


def _python_literal(value: Any, indent: int = 0) -> str:
    """JSON as a Python literal, one item per line (True/False/None, not true/false/null)."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict) and value:
        items = [f"{inner}{k!r}: {_python_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{inner}{_python_literal(v, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return repr(value)


def python_snippet(
    method: str, url: str, body: Any = None, *, api_key: str, reveal: bool = False
) -> str:
    """The request as Python `requests` code; the key masked unless `reveal`."""
    key = api_key if reveal else mask_key(api_key)
    lines = [
        "import requests",
        "",
        "response = requests.request(",
        f"    {method.upper()!r},",
        f"    {url!r},",
        f"    headers={{{API_KEY_HEADER!r}: {key!r}}},",
    ]
    if body is not None:
        lines.append(f"    json={_python_literal(body, 4)},")
    lines += [
        "    timeout=(3.05, 15),",
        ")",
        "response.raise_for_status()",
    ]
    if method.upper() != "DELETE":
        lines.append("print(response.json())")
    return "\n".join(lines) + "\n"
