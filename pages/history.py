"""History: every write this app made with this API key (newest first, filterable), two
versions of a dashboard compared, restore and re-create, and export/import of
dashboards as a JSON file."""

from __future__ import annotations

import re

import streamlit as st

from cekura_dashboards.errors import CekuraError
from cekura_dashboards.transfer import TransferError
from components.errors import escape_markdown
from components.history_view import render_flash, render_journal, render_versions
from services import state_keys as keys
from services import transfer
from services.access import denial_reason
from services.signin import current_actor

state = st.session_state

st.title("History")
st.caption(
    "Every change this app made with this API key: who, when, what, and whether it was "
    "saved. People using another API key see none of it."
)
render_flash()

changes_tab, versions_tab, transfer_tab = st.tabs(
    ["Changes", "Compare versions", "Export and import"]
)
with changes_tab:
    render_journal(0)

with versions_tab:
    chosen = st.number_input(
        "Dashboard number",
        min_value=1,
        value=None,
        step=1,
        key=keys.w_hist("versions_of", 0),
        placeholder="The number of the dashboard (see the list or the changes)",
    )
    if chosen:
        render_versions(int(chosen), 0)


def _ids(text: str) -> list[int]:
    return [int(part) for part in re.findall(r"\d+", text or "")]


with transfer_tab:
    st.markdown("**Export**")
    typed = st.text_input(
        "Dashboard numbers to export",
        key=keys.W_HIST_EXPORT_IDS,
        placeholder="For example: 12, 15, 40",
    )
    wanted = _ids(typed)
    if typed and not wanted:
        st.error("Type dashboard numbers, separated by commas.", icon=":material/error:")
    if wanted:
        st.download_button(
            f"Download {len(wanted)} dashboard{'s' if len(wanted) != 1 else ''} as JSON",
            data=transfer.export_later(wanted),
            file_name=f"dashboards-{'-'.join(map(str, wanted[:5]))}.json",
            mime="application/json",
            key=keys.W_HIST_EXPORT,
            icon=":material/download:",
            help="Each dashboard with its widgets, as the server holds them when you click.",
        )

    st.markdown("**Import**")
    cannot_import = denial_reason(current_actor(), "import")
    if cannot_import:
        st.caption(cannot_import)
    uploaded = st.file_uploader("An export file", type=["json"], key=keys.W_HIST_IMPORT_FILE)
    pasted = st.text_area(
        "…or paste its text", key=keys.W_HIST_IMPORT_TEXT, height=120, placeholder='{"format": …}'
    )
    source = uploaded.getvalue() if uploaded is not None else (pasted or "").strip()
    if st.button("Check the file (dry run)", key=keys.W_HIST_IMPORT_CHECK, disabled=not source):
        try:
            state[keys.S_HISTORY_IMPORT] = {"plans": transfer.dry_run(source), "error": None}
        except TransferError as err:
            state[keys.S_HISTORY_IMPORT] = {"plans": [], "error": str(err)}
        except CekuraError as err:
            state[keys.S_HISTORY_IMPORT] = {"plans": [], "error": err.user_message}
    checked = state.get(keys.S_HISTORY_IMPORT)
    if checked and checked["error"]:
        st.error(escape_markdown(checked["error"]), icon=":material/error:")
    elif checked:
        plans = checked["plans"]
        bad = [p for p in plans if not p.ok]
        st.markdown(
            f"This import creates {len(plans)} new dashboard{'s' if len(plans) != 1 else ''}:"
        )
        for plan in plans:
            widgets = len(plan.widgets)
            line = (
                f"{plan.number}. “{plan.name or '(no name)'}” with {widgets} widget"
                f"{'s' if widgets != 1 else ''}"
            )
            st.markdown(escape_markdown(line) + (" ✅" if plan.ok else " ❌"))
            for error in plan.errors:
                st.error(escape_markdown(error), icon=":material/error:")
            for note in plan.notes:
                st.caption(escape_markdown(note))
        if bad:
            st.warning(
                f"{len(bad)} dashboard{'s have' if len(bad) != 1 else ' has'} problems: fix "
                "the file and check it again. Nothing is imported until all are fine.",
                icon=":material/warning:",
            )
        if st.button(
            "Import",
            key=keys.W_HIST_IMPORT_GO,
            type="primary",
            icon=":material/upload:",
            disabled=bool(bad) or cannot_import is not None,
            help=cannot_import,
        ):
            results = transfer.run_import(plans)
            state.pop(keys.S_HISTORY_IMPORT, None)
            for result in results:
                if result.dashboard is None:
                    st.error(escape_markdown(f"“{result.plan.name}” not imported: {result.error}"))
                    continue
                st.success(
                    escape_markdown(
                        f"Imported “{result.plan.name}” as dashboard {result.dashboard.id}"
                        + (f" ({result.error})" if result.error else "")
                    ),
                    icon=":material/check_circle:",
                )
                st.page_link(
                    "pages/editor.py",
                    label=f"Open dashboard {result.dashboard.id}",
                    query_params={"dashboard": str(result.dashboard.id)},
                )
