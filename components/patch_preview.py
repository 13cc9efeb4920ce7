"""Preview of a save: the exact request (method, URL, body with only the changed keys),
the change in plain words, the JSON difference against the server's copy, and cURL /
Python snippets with the key masked. The plain key never leaves the client: a pasted key
is never shown again, so the snippets carry `****` and its last 4 characters."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from cekura_dashboards.client import DEFAULT_BASE_URL, CekuraClient
from cekura_dashboards.patch import change_list, curl_snippet, json_diff, python_snippet
from components.inert import inert
from components.widget_editor import render_widget_requests
from services.drafts import Draft, loaded_body

METHOD = "PATCH"


def dashboard_url(base_url: str, dashboard_id: int) -> str:
    return f"{base_url.rstrip('/')}/dashboards/dashboards/{dashboard_id}/"


def render_change_list(changes: list[str], *, empty: str) -> None:
    if not changes:
        st.caption(empty)
        return
    st.markdown("\n".join(f"- {inert(change)}" for change in changes))


def render_preview(
    draft: Draft,
    client: CekuraClient,
    *,
    projects: Any = None,
    agents: Any = None,
    metrics: Any = None,
    demo: bool = False,
) -> None:
    """`demo`: the app runs on its built-in demo data, so the address and the key in the
    snippets are the demo server's, which is no use to anyone outside this app."""
    body = draft.changes()
    url = dashboard_url(client.base_url, draft.dashboard_id)
    with st.container(border=True, key=f"ed_preview_box_{draft.dashboard_id}"):
        st.markdown("#### What Save will do")
        if not body:
            if draft.widget_bulk():
                st.caption("The dashboard itself is unchanged: no PATCH is sent.")
                render_widget_requests(draft, client.base_url, metrics or {})
            else:
                st.info("Nothing to save: your draft is the same as the saved dashboard.")
            return
        render_change_list(
            change_list(
                draft.loaded, draft.body(), projects=projects, agents=agents, metrics=metrics
            ),
            empty="No changes.",
        )
        st.markdown("**The request**")
        st.caption(
            "Only the keys you changed are sent. Before sending, the app reads the dashboard "
            "once more to check nobody else saved it in the meantime."
        )
        st.code(f"{METHOD} {url}", language=None)
        st.code(json.dumps(body, indent=2, ensure_ascii=False), language="json")
        st.markdown("**Difference from the saved dashboard**")
        st.caption(
            "Lines starting with − are what the server has now; lines starting with + are "
            "what it will have after you save."
        )
        diff = json_diff(
            loaded_body(draft.loaded),
            {**loaded_body(draft.loaded), **body},
            before_label="saved on the server",
            after_label="after your save",
        )
        st.code(diff or "(no difference)", language="diff")
        st.markdown("**Send it yourself**")
        if demo:
            st.caption(
                "This app runs on its built-in demo data: the address and the masked key "
                "below are the demo server's, which only this app can reach. Against "
                f"Cekura, use {DEFAULT_BASE_URL} and your own API key."
            )
        else:
            st.caption("Your API key is shown masked: put your own key in its place.")
        api_key = client.masked_key
        curl_tab, python_tab = st.tabs(["cURL", "Python"])
        with curl_tab:
            st.code(curl_snippet(METHOD, url, body, api_key=api_key), language="bash")
        with python_tab:
            st.code(
                python_snippet(METHOD, url, body, api_key=api_key),
                language="python",
            )
        render_widget_requests(draft, client.base_url, metrics or {})
