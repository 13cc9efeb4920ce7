"""The calls of a filter as a CSV file: fetched page by page with a progress bar,
stopping at a cap the user is told beforehand, and cancellable between pages.

The job lives in session state (services.calls.ExportJob). Clicking Cancel while pages
are being fetched makes Streamlit stop this run and start the next one, whose Cancel
callback marks the job cancelled before the loop would ask for another page; the rows
already fetched stay with the job (a rerun for any other reason resumes where it was).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from cekura_dashboards import call_table
from cekura_dashboards.charts import format_count
from cekura_dashboards.errors import CekuraError
from components.errors import escape_markdown
from services import state_keys as keys
from services.calls import ExportJob


def _start(table: str, project_id: int | None, filters: Any, reveal: bool) -> None:
    st.session_state[keys.s_calls_export(table)] = ExportJob(
        project_id=project_id,
        filters=filters,
        reveal=reveal,
        cap=call_table.EXPORT_CAP,
    )


def _cancel(table: str) -> None:
    job = st.session_state.get(keys.s_calls_export(table))
    if isinstance(job, ExportJob) and job.status in ("running", "failed"):
        job.status = "cancelled"


def _resume(table: str) -> None:
    job = st.session_state.get(keys.s_calls_export(table))
    if isinstance(job, ExportJob):
        job.status = "running"
        job.error = ""


def _file_name(project_id: int | None) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return f"calls-{'all' if project_id is None else f'project-{project_id}'}-{stamp}.csv"


def _progress_words(job: ExportJob) -> str:
    return f"{format_count(len(job.rows))} of {format_count(job.target)} calls fetched"


def render_export(
    table: str, project_id: int | None, filters: Mapping[str, Any] | None, *, reveal: bool
) -> None:
    """The export button, its progress and its file, for the calls of `filters`."""
    filters_json = dict(filters) if filters else None
    job = st.session_state.get(keys.s_calls_export(table))
    if isinstance(job, ExportJob) and not job.same_export(project_id, filters_json, reveal):
        job = None  # the filter changed since: that file is not this filter's calls
    cap = format_count(call_table.EXPORT_CAP)
    st.caption(
        f"The file holds at most {cap} calls (the newest first); narrow the filter for "
        "the rest. Customer numbers are masked unless you show them above."
    )
    if job is None:
        st.button(
            "Export these calls as CSV",
            key=keys.w_calls(table, "export"),
            icon=":material/download:",
            on_click=_start,
            args=(table, project_id, filters_json, reveal),
        )
        return
    if job.status == "running":
        st.button(
            "Cancel export",
            key=keys.w_calls(table, "cancel"),
            icon=":material/cancel:",
            on_click=_cancel,
            args=(table,),
        )
        bar = st.progress(0.0, text="Starting the export…")
        while job.status == "running":
            try:
                job.fetch_next()
            except CekuraError as err:
                job.status = "failed"
                job.error = err.user_message
                break
            share = len(job.rows) / job.target if job.target else 1.0
            bar.progress(min(1.0, share), text=_progress_words(job))
        bar.empty()
    if job.status == "failed":
        st.error(
            f"The export stopped after {_progress_words(job)}: {escape_markdown(job.error)}",
            icon=":material/error:",
        )
        with st.container(horizontal=True):
            st.button(
                "Try again", key=keys.w_calls(table, "resume"), on_click=_resume, args=(table,)
            )
            st.button(
                "Cancel export", key=keys.w_calls(table, "cancel"), on_click=_cancel, args=(table,)
            )
        return
    if job.status == "cancelled":
        st.info(
            f"Export cancelled after {_progress_words(job)}; no more pages were asked for.",
            icon=":material/cancel:",
        )
        st.button(
            "Export again",
            key=keys.w_calls(table, "export"),
            icon=":material/download:",
            on_click=_start,
            args=(table, project_id, filters_json, reveal),
        )
        return
    if job.capped:
        st.warning(
            f"The file holds the newest {cap} of {format_count(job.total or 0)} calls: the "
            "export stops at the cap. Narrow the filter (a shorter window, an agent) for the "
            "rest.",
            icon=":material/content_cut:",
        )
    st.download_button(
        f"Download CSV ({format_count(len(job.rows))} calls)",
        data=job.csv(),
        file_name=_file_name(project_id),
        mime="text/csv",
        key=keys.w_calls(table, "download"),
        icon=":material/download:",
        on_click="ignore",
    )
