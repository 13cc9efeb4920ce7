"""The editor's server-side rerun time against a bare Streamlit script that draws the same
elements, and the HTTP requests the editor sends per open, per draft edit and per save.

The dashboard (bench/editor_data.py) has a 100-condition filter nested 4 groups deep and
200 widgets, made through the demo API. The bare script is generated from the editor's own
element tree: the same blocks (columns, containers) in the same nesting, the same number of
each kind of element with the same labels, options, values and user keys, and the filter
area inside an `st.fragment` as in the editor. So the difference is what the app itself
does on a rerun (drafts, validation, sentences, caches), not Streamlit's per-element cost.

Two reruns are timed, alternated between the two scripts (ABBA) so machine load hits both
alike, by wall clock and by the script thread's CPU time (steadier on a loaded machine):
- a full rerun: the dashboard name is typed (the name sits outside the fragment);
- a fragment rerun: a condition's text value is typed (inside the builder fragment); the
  rerun runs only the fragment, as a browser would ask for it. AppTest has no public way
  to ask for one, so the run is sent with the fragment's id the way the browser sends it.
A garbage collection runs before every timed rerun (not timed), for both scripts alike.
HTTP requests are counted by the demo API's fault-counts endpoint and, as a cross-check, by
the app's own client (`request_count`).

The request counts are this benchmark's target. The rerun ratios are for information only:
the builder's speed target is bench/bench_builder.py, measured in Chromium, click to settled.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, ElementTree, Node
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from bench.editor_data import CONDITIONS, DEPTH, WIDGETS, create_big_dashboard, tree_shape
from services import state_keys as keys
from services.router import apptest_runs_through_the_router
from tests.harness import ROOT, DemoAPI, start_demo_api

RUNS = 11  # timed reruns per kind (the median is reported); at least 7
WARMUP = 2
TARGET_RATIO = 1.3
TIMEOUT = 180
FAULTS_PATH = "/__faults__/"
BARE_MODULE = "bench_editor_bare_page"
# Inputs that build `SessionState.filtered_state` (a copy of all session state) when drawn.
STATE_COPYING_INPUTS = (
    "selectbox text_input text_area number_input date_input time_input radio slider"
)


# --- the bare script, generated from an element tree ------------------------------------------
class _Mirror:
    """Writes a script that draws the same blocks and elements as a rendered tree."""

    def __init__(self, data_dir: Path, fragment_children: set[int]) -> None:
        self.lines = ["import datetime", "import pickle", "", "import streamlit as st", ""]
        self.data_dir = data_dir
        self.fragment_children = fragment_children  # main-area children drawn by the fragment
        self.names = 0
        self.unmirrored: Counter[str] = Counter()

    def _name(self, prefix: str) -> str:
        self.names += 1
        return f"_{prefix}{self.names}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def module(self, tree: ElementTree) -> str:
        """The drawing code as a module with one function, `draw()`. A script that imports
        it is compiled once, as a real server compiles a page once; AppTest compiles the
        script it runs on every run, which for ~2,000 generated lines would cost more than
        drawing them."""
        self.emit(0, "def draw():")
        for child in tree.children.values():
            if not isinstance(child, Block):
                continue
            if child.type == "main":
                self._main(child)
            elif child.type == "sidebar" and child.children:
                self.emit(1, "with st.sidebar:")
                self.emit(2, "pass")
                self._children(child, 2)
        return "\n".join(self.lines) + "\n"

    def _main(self, main: Block) -> None:
        for index, child in main.children.items():
            if index in self.fragment_children and isinstance(child, Block):
                # st.fragment draws into a container of its own: the fragment's body is
                # that container's children
                name = self._name("fragment")
                self.emit(1, "@st.fragment")
                self.emit(1, f"def {name}():")
                self.emit(2, "pass")
                self._children(child, 2)
                self.emit(1, f"{name}()")
            else:
                self._node(child, 1)

    def _children(self, block: Block, indent: int) -> None:
        for child in block.children.values():
            self._node(child, indent)

    def _node(self, node: Node, indent: int) -> None:
        if isinstance(node, Block):
            self._block(node, indent)
        else:
            self._element(node, indent)

    def _block(self, block: Block, indent: int) -> None:
        kids = list(block.children.values())
        if kids and all(isinstance(k, Block) and k.type == "column" for k in kids):
            name = self._name("cols")
            weights = [round(float(getattr(k, "weight", 1.0)), 4) for k in kids]
            self.emit(indent, f"{name} = st.columns({weights!r})")
            for i, column in enumerate(kids):
                self.emit(indent, f"with {name}[{i}]:")
                self.emit(indent + 1, "pass")
                self._children(column, indent + 1)  # type: ignore[arg-type]
            return
        if block.type == "expander":
            label = getattr(block, "label", "")
            self.emit(indent, f"with st.expander({label!r}):")
        elif block.type == "form":
            form = block.proto.form
            self.emit(indent, f"with st.form({form.form_id!r}, border={bool(form.border)!r}):")
        elif block.type == "flex_container":
            flex = block.proto.flex_container
            args = []
            if flex.border:
                args.append("border=True")
            if flex.direction == flex.Direction.HORIZONTAL:
                args.append("horizontal=True")
            if block.key:
                args.append(f"key={block.key!r}")
            self.emit(indent, f"with st.container({', '.join(args)}):")
        else:
            self.unmirrored[f"block:{block.type}"] += 1
            self.emit(indent, "with st.container():")
        self.emit(indent + 1, "pass")
        self._children(block, indent + 1)

    def _element(self, el: Any, indent: int) -> None:
        call = self._call(el)
        if call is None:
            self.unmirrored[el.type] += 1
        else:
            self.emit(indent, call)

    def _call(self, el: Any) -> str | None:
        kind = el.type
        proto = el.proto
        key = f", key={el.key!r}" if getattr(el, "key", None) else ""
        hidden = ', label_visibility="collapsed"' if proto_has(proto, "label_visibility") else ""
        if kind in ("markdown", "caption", "info", "warning", "error", "success", "text"):
            return f"st.{kind}({el.value!r})"
        if kind in ("title", "header", "subheader"):
            return f"st.{kind}({el.value!r}, anchor=False)"
        if kind == "divider":
            return "st.divider()"
        if kind == "page_link":
            return f"st.page_link('https://example.com/', label={proto.label!r})"
        if kind == "dataframe":
            path = self.data_dir / f"table{self.names}.pickle"
            path.write_bytes(pickle.dumps(el.value))
            name = self._name("table")
            return (
                f"st.session_state.setdefault({name!r}, pickle.loads(open({str(path)!r}, 'rb').read()))"
                f"; st.dataframe(st.session_state[{name!r}], hide_index=True{key})"
            )
        if kind == "button" and proto.is_form_submitter:
            return f"st.form_submit_button({proto.label!r})"
        if kind == "button":
            extras = f", help={proto.help!r}" if proto.help else ""
            if proto.icon:
                extras += f", icon={proto.icon!r}"
            return (
                f"st.button({proto.label!r}, disabled={proto.disabled!r}, "
                f"type={proto.type or 'secondary'!r}{extras}{key})"
            )
        if kind == "selectbox":
            options = list(el.options)
            return (
                f"st.selectbox({proto.label!r}, {options!r}, index={el.index!r}, "
                f"placeholder={proto.placeholder!r}, "
                f"accept_new_options={proto.accept_new_options!r}{hidden}{key})"
            )
        if kind == "multiselect":
            options = list(el.options)
            default = [options[i] for i in el.indices]
            return (
                f"st.multiselect({proto.label!r}, {options!r}, default={default!r}, "
                f"placeholder={proto.placeholder!r}, "
                f"accept_new_options={proto.accept_new_options!r}{hidden}{key})"
            )
        if kind == "text_input":
            max_chars = f", max_chars={proto.max_chars}" if proto.max_chars else ""
            if proto.type == proto.Type.PASSWORD:
                max_chars += ', type="password"'
            return (
                f"st.text_input({proto.label!r}, value={el.value!r}, "
                f"placeholder={proto.placeholder!r}{max_chars}{hidden}{key})"
            )
        if kind == "number_input":
            value = el.value
            if proto.data_type == proto.DataType.INT:
                return (
                    f"st.number_input({proto.label!r}, value={value!r}, step=1, "
                    f'format="%d"{hidden}{key})'
                )
            value = None if value is None else float(value)
            return f"st.number_input({proto.label!r}, value={value!r}, step=1.0{hidden}{key})"
        if kind in ("toggle", "checkbox"):
            return f"st.{kind}({proto.label!r}, value={el.value!r}{key})"
        if kind == "button_group":
            contents = [option.content for option in proto.options]
            chosen = contents[el.indices[0]] if el.indices else None
            return (
                f"st.segmented_control({proto.label!r}, {contents!r}, default={chosen!r}"
                f"{hidden}{key})"
            )
        if kind == "date_input":
            return f"st.date_input({proto.label!r}, value={el.value!r}{hidden}{key})"
        if kind == "time_input":
            return f"st.time_input({proto.label!r}, value={el.value!r}, step=60{hidden}{key})"
        if kind == "code":
            return f"st.code({el.value!r})"
        if kind == "json":
            return f"st.json({el.value!r})"
        return None


def proto_has(proto: Any, name: str) -> bool:
    try:
        return bool(proto.HasField(name))
    except ValueError:
        return False


def census(tree: ElementTree) -> Counter[str]:
    """How many of each element and block kind a tree holds (the top-level areas aside)."""
    counts: Counter[str] = Counter()
    for node in tree:
        if isinstance(node, Block):
            if node.type in ("root", "main", "sidebar", "event", "bottom"):
                continue
            counts[f"block:{node.type}"] += 1
        else:
            counts[node.type] += 1
    return counts


def describe_census(counts: Counter[str]) -> str:
    elements = sorted(
        ((n, k) for k, n in counts.items() if not k.startswith("block:")), reverse=True
    )
    blocks = sorted(((n, k[6:]) for k, n in counts.items() if k.startswith("block:")), reverse=True)
    return (
        ", ".join(f"{n} {k}" for n, k in elements)
        + "; blocks: "
        + ", ".join(f"{n} {k}" for n, k in blocks)
    )


def element_total(counts: Counter[str]) -> int:
    return sum(n for k, n in counts.items() if not k.startswith("block:"))


# --- reruns ------------------------------------------------------------------------------------
@contextmanager
def _fragment_scoped(fragment_id: str) -> Iterator[None]:
    """Send the next run as a rerun of one fragment, as the browser does after an
    interaction with a widget inside that fragment."""
    original = LocalScriptRunner.request_rerun

    def scoped(self: LocalScriptRunner, rerun_data: Any) -> Any:
        # A new runner starts with a pending full-app rerun, which would absorb a
        # fragment rerun; scope that pending one to the fragment too.
        pending = self._requests._rerun_data
        self._requests._rerun_data = dataclasses.replace(pending, fragment_id_queue=[fragment_id])
        return original(self, dataclasses.replace(rerun_data, fragment_id_queue=[fragment_id]))

    with mock.patch.object(LocalScriptRunner, "request_rerun", scoped):
        yield


def _exception_text(at: AppTest) -> str:
    error = at.exception[0]
    return f"{error.message}\n" + "\n".join(error.stack_trace)


_script_cpu: list[float] = []  # CPU seconds of each script run, measured in its own thread


@contextmanager
def _script_cpu_clock() -> Iterator[None]:
    """Record the CPU time the script thread spends on each run: unlike wall time, it
    hardly moves when other processes load the machine."""
    original = LocalScriptRunner._run_script

    def clocked(self: LocalScriptRunner, rerun_data: Any) -> None:
        started = time.thread_time()
        try:
            original(self, rerun_data)
        finally:
            _script_cpu.append(time.thread_time() - started)

    with mock.patch.object(LocalScriptRunner, "_run_script", clocked):
        yield


@dataclasses.dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def _timed(run: Any) -> Timing:
    gc.collect()
    _script_cpu.clear()
    started = time.perf_counter()
    run()
    return Timing(time.perf_counter() - started, sum(_script_cpu))


@dataclasses.dataclass
class Subject:
    """One script under test, with the keys of the two text inputs the reruns type into."""

    at: AppTest
    outside_key: str  # a text input outside the fragment
    inside_key: str  # a text input inside the fragment
    full_tree: ElementTree = dataclasses.field(init=False)
    fragment_id: str = dataclasses.field(init=False, default="")
    fragment_stayed: list[bool] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.full_tree = self.at._tree

    def find_fragment(self) -> None:
        fragments = list(self.at._fragment_storage._fragments)
        if len(fragments) != 1:
            raise RuntimeError(f"expected one fragment, found {len(fragments)}")
        self.fragment_id = fragments[0]

    def full_rerun(self, text: str) -> Timing:
        self.full_tree.text_input(key=self.outside_key).input(text)
        states = self.full_tree.get_widget_states()
        elapsed = _timed(lambda: self.at._run(states))
        self._check()
        self.full_tree = self.at._tree
        return elapsed

    def fragment_rerun(self, text: str) -> Timing:
        self.full_tree.text_input(key=self.inside_key).input(text)
        states = self.full_tree.get_widget_states()
        with _fragment_scoped(self.fragment_id):
            elapsed = _timed(lambda: self.at._run(states))
        self._check()
        # a fragment rerun draws only the fragment: the table outside it is not redrawn,
        # unless the app asked for a full rerun after all
        self.fragment_stayed.append(not self.at._tree.dataframe)
        return elapsed

    def _check(self) -> None:
        if self.at.exception:
            raise RuntimeError("the script raised: " + _exception_text(self.at))


# --- HTTP counting -----------------------------------------------------------------------------
class Requests:
    """Requests the demo API received since the last reset, by "METHOD /path"."""

    def __init__(self, api: DemoAPI) -> None:
        self.api = api

    def reset(self) -> None:
        self.api.clear_faults()

    def counts(self) -> Counter[str]:
        counts = Counter(self.api.fault_counts())
        return Counter({k: n for k, n in counts.items() if FAULTS_PATH not in k})


def describe_requests(counts: Counter[str]) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{n} x {what}" for what, n in sorted(counts.items()))


def state_entries(at: AppTest) -> int | None:
    """Entries in the session state, widgets included (Streamlit internals; None if moved)."""
    try:
        return len(at.session_state._state._state._keys())
    except AttributeError:
        return None


def client_count(at: AppTest) -> int | None:
    try:
        return int(at.session_state[keys.S_CLIENT].request_count)
    except (KeyError, AttributeError):
        return None


# --- the run -----------------------------------------------------------------------------------
def _range_ms(times: list[Timing]) -> str:
    walls = [t.wall * 1000 for t in times]
    return f"{min(walls):.0f}-{max(walls):.0f}"


def _median_ms(times: list[Timing], clock: str = "wall") -> float:
    return statistics.median(getattr(t, clock) for t in times) * 1000


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        # every run through app.py, as on the server: none spent leaving the old pages mode
        apptest_runs_through_the_router(),
        _script_cpu_clock(),
    ):
        workdir = Path(tmp)
        api = start_demo_api(workdir, calls=200)
        try:
            _run(api, workdir)
        finally:
            api.stop()


def _run(api: DemoAPI, workdir: Path) -> None:
    dashboard_id = create_big_dashboard(api)
    made = api.get(f"/dashboards/dashboards/{dashboard_id}/").json()
    conditions, depth = tree_shape(made["filters"])
    if (conditions, depth, len(made["widgets"])) != (CONDITIONS, DEPTH, WIDGETS):
        raise RuntimeError(
            f"made {conditions} conditions, depth {depth}, {len(made['widgets'])} widgets"
        )
    requests = Requests(api)

    # open the editor (a fresh session), counting its requests
    saved_env = {k: os.environ.get(k) for k in ("CEKURA_BASE_URL", "CEKURA_API_KEY")}
    os.environ["CEKURA_BASE_URL"] = api.url
    os.environ["CEKURA_API_KEY"] = api.api_key
    try:
        editor = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        editor.query_params["dashboard"] = str(dashboard_id)
        editor.switch_page("pages/editor.py")
        requests.reset()
        open_time = _timed(editor.run).wall
        if editor.exception:
            raise RuntimeError("the editor raised: " + _exception_text(editor))
        open_requests = requests.counts()
        open_client = client_count(editor)
        draft = editor.session_state[keys.s_draft(dashboard_id)]
        topic = draft.tree.conditions[1]  # "topic contains ...", drawn as a text input
        # open its row (only the row being edited has inputs), as a click on it would
        editor.button(key=f"flt_{topic.node_id}_open").click().run()
        inside_key = f"flt_{topic.node_id}_text"
        app = Subject(editor, f"ed_name_{dashboard_id}", inside_key)
        app.find_fragment()
        editor_counts = census(app.full_tree)

        # the bare script: the same tree, the filter area in a fragment
        fragment_children = _fragment_children(app, editor_counts)
        mirror = _Mirror(workdir, fragment_children)
        (workdir / f"{BARE_MODULE}.py").write_text(mirror.module(app.full_tree))
        if mirror.unmirrored:
            print(f"  (not mirrored in the bare script: {dict(mirror.unmirrored)})")
        bare_source = (
            f"import sys\n\nif {str(workdir)!r} not in sys.path:\n"
            f"    sys.path.insert(0, {str(workdir)!r})\n"
            f"import {BARE_MODULE}\n\n{BARE_MODULE}.draw()\n"
        )
        bare_at = AppTest.from_string(bare_source, default_timeout=TIMEOUT)
        bare_at.run()
        if bare_at.exception:
            raise RuntimeError("the bare script raised: " + _exception_text(bare_at))
        bare = Subject(bare_at, app.outside_key, inside_key)
        bare.find_fragment()
        bare_counts = census(bare.full_tree)

        # alternate the two scripts; count the editor's requests over all its reruns
        requests.reset()
        client_before = client_count(editor)
        times: dict[str, list[Timing]] = {"app": [], "bare": [], "app_frag": [], "bare_frag": []}
        edits = 0
        for i in range(WARMUP + RUNS):
            name = f"Benchmark board {i}"
            value = f"billing {i}"
            round_times: dict[str, Timing] = {}
            order = [("app", app), ("bare", bare)]
            for label, subject in order if i % 2 == 0 else order[::-1]:
                round_times[label] = subject.full_rerun(name)
                round_times[f"{label}_frag"] = subject.fragment_rerun(value)
            edits += 2
            if i >= WARMUP:
                for kind, elapsed in round_times.items():
                    times[kind].append(elapsed)
        edit_requests = requests.counts()
        client_after = client_count(editor)
        app.full_tree.run()  # back to a full tree for the save

        draft = editor.session_state[keys.s_draft(dashboard_id)]
        if draft.name != f"Benchmark board {WARMUP + RUNS - 1}":
            raise RuntimeError(f"the name edits did not reach the draft: {draft.name!r}")
        if draft.tree.conditions[1].value != f"billing {WARMUP + RUNS - 1}":
            raise RuntimeError("the fragment edits did not reach the draft")

        # save
        requests.reset()
        client_before_save = client_count(editor)
        editor.button(key=f"ed_save_{dashboard_id}").click().run()
        save_requests = requests.counts()
        client_after_save = client_count(editor)
        saved = api.get(f"/dashboards/dashboards/{dashboard_id}/").json()
    finally:
        sys.modules.pop(BARE_MODULE, None)
        if str(workdir) in sys.path:
            sys.path.remove(str(workdir))
        for name, before in saved_env.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before

    _report(
        editor_counts=editor_counts,
        bare_counts=bare_counts,
        times=times,
        fragment_stayed=(all(app.fragment_stayed), all(bare.fragment_stayed)),
        open_time=open_time,
        state_entries=state_entries(editor),
        open_requests=open_requests,
        open_client=open_client,
        edits=edits,
        edit_requests=edit_requests,
        edit_client=(
            None if client_before is None or client_after is None else client_after - client_before
        ),
        save_requests=save_requests,
        save_client=(
            None
            if client_before_save is None or client_after_save is None
            else client_after_save - client_before_save
        ),
        saved_ok=saved["name"] == f"Benchmark board {WARMUP + RUNS - 1}",
    )


def _fragment_children(app: Subject, full_counts: Counter[str]) -> set[int]:
    """Which children of the main area the editor's fragment draws: run the fragment once
    (no change) and see which positions its output fills."""
    with _fragment_scoped(app.fragment_id):
        app.at._run(app.full_tree.get_widget_states())
    main = next(
        b for b in app.at._tree.children.values() if isinstance(b, Block) and b.type == "main"
    )
    indices = set(main.children)
    if not indices or element_total(census(app.at._tree)) >= element_total(full_counts):
        raise RuntimeError("could not tell the fragment's part of the page")
    app.full_tree.run()  # back to the full page
    app.full_tree = app.at._tree
    return indices


def _report(
    *,
    editor_counts: Counter[str],
    bare_counts: Counter[str],
    times: dict[str, list[Timing]],
    fragment_stayed: tuple[bool, bool],
    open_time: float,
    state_entries: int | None,
    open_requests: Counter[str],
    open_client: int | None,
    edits: int,
    edit_requests: Counter[str],
    edit_client: int | None,
    save_requests: Counter[str],
    save_client: int | None,
    saved_ok: bool,
) -> None:
    shape = f"{CONDITIONS} conditions {DEPTH} groups deep, {WIDGETS} widgets"
    total = element_total(editor_counts)
    print(f"editor benchmark ({shape}); medians of {RUNS} timed reruns after {WARMUP} warm-up")
    print(f"  editor page elements: {total} ({describe_census(editor_counts)})")
    same = "the same" if bare_counts == editor_counts else "DIFFERENT"
    print(f"  bare script elements: {element_total(bare_counts)} ({same} kinds and counts)")
    if bare_counts != editor_counts:
        diff = (editor_counts - bare_counts) + (bare_counts - editor_counts)
        print(f"    differences: {dict(diff)}")
    for kind, what, versus in (
        ("", "full rerun after typing the dashboard name", f"the same {total} elements"),
        ("_frag", "fragment rerun after typing a condition's value", "the same elements"),
    ):
        app, bare = _median_ms(times["app" + kind]), _median_ms(times["bare" + kind])
        app_cpu = _median_ms(times["app" + kind], "cpu")
        bare_cpu = _median_ms(times["bare" + kind], "cpu")
        ratio, ratio_cpu = app / bare, app_cpu / bare_cpu
        paired = statistics.median(
            a.wall / b.wall for a, b in zip(times["app" + kind], times["bare" + kind], strict=True)
        )
        # for information: the target is bench_builder.py's (see the docstring)
        verdict = "ok" if ratio <= TARGET_RATIO else "over the old target"
        verdict_cpu = "ok" if ratio_cpu <= TARGET_RATIO else "over the old target"
        bare_name = "bare script's fragment" if kind else "bare script"
        print(
            f"  {what}: editor {app:.0f} ms; {bare_name} with {versus} {bare:.0f} ms; "
            f"ratio {ratio:.2f}x (old target <= {TARGET_RATIO}x, for information) {verdict}; "
            f"median of the per-round ratios {paired:.2f}x"
        )
        print(
            f"    script-thread CPU: editor {app_cpu:.0f} ms, bare {bare_cpu:.0f} ms, "
            f"ratio {ratio_cpu:.2f}x {verdict_cpu}; wall min-max: editor "
            f"{_range_ms(times['app' + kind])}, bare {_range_ms(times['bare' + kind])}"
        )
    stayed = (
        "yes"
        if all(fragment_stayed)
        else f"NO (editor {fragment_stayed[0]}, bare {fragment_stayed[1]})"
    )
    print(f"  fragment reruns stayed inside the fragment (the table was not redrawn): {stayed}")
    print(f"  editor open (first run of a fresh session): {open_time * 1000:.0f} ms")
    inputs = sum(editor_counts[kind] for kind in STATE_COPYING_INPUTS.split())
    if state_entries is not None:
        print(
            f"  where a rerun goes (both scripts alike): Streamlit copies the whole session "
            f"state ({state_entries} entries) once per selectbox/text/number/date/time input "
            f"({inputs} here), {state_entries * inputs / 1000:.0f}k entry reads per rerun"
        )
    print("HTTP requests (demo API counts; the app client's request_count in brackets)")
    print(
        f"  per editor open: {sum(open_requests.values())} [{open_client}]: "
        f"{describe_requests(open_requests)}"
    )
    per_edit = sum(edit_requests.values()) / edits
    print(
        f"  per draft edit: {per_edit:g} over {edits} edits [{edit_client}] "
        f"(target 0) {'ok' if per_edit == 0 and not edit_client else 'OVER TARGET'}"
        + (f": {describe_requests(edit_requests)}" if edit_requests else "")
    )
    expected = Counter({"GET": 1, "PATCH": 1})
    by_method: Counter[str] = Counter()
    for what, n in save_requests.items():
        by_method[what.split(" ", 1)[0]] += n
    save_ok = by_method == expected and saved_ok
    print(
        f"  per save: {sum(save_requests.values())} [{save_client}]: "
        f"{describe_requests(save_requests)} (target 1 re-read + 1 PATCH) "
        f"{'ok' if save_ok else 'OVER TARGET' if saved_ok else 'NOT SAVED'}"
    )


if __name__ == "__main__":
    main()
