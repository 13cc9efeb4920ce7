"""The smallest chart helper: the widgets of one dashboard (`/?dashboard=ID`) drawn with
charts.build_view and `st.altair_chart(on_select="rerun")`, each chart's selection handed
to components.point_calls.render_point_calls, beside the real Calls page. It shows that
the panel needs nothing of the editor; tests/test_browser_calls.py runs its journey here
as well as in the editor.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from cekura_dashboards.charts import build_view  # noqa: E402
from components.point_calls import render_point_calls  # noqa: E402
from services import reads  # noqa: E402
from services.connection import get_client  # noqa: E402

st.set_page_config(page_title="Drill-down demo", layout="wide")
CALLS_PAGE = st.Page(str(ROOT / "pages" / "calls.py"), title="Calls", url_path="calls")


def charts() -> None:
    dashboard_id = int(st.query_params.get("dashboard", "0"))
    dashboard = reads.load_dashboard(dashboard_id)
    st.title(dashboard.name or "Dashboard", anchor=False)
    answers = st.session_state.setdefault("demo_answers", {})
    for widget in dashboard.widgets:
        if widget.id not in answers:
            answers[widget.id] = get_client().widget_data(widget_id=widget.id)
        answer = answers[widget.id]
        view = build_view(widget, answer)
        with st.container(border=True, key=f"demo_widget_{widget.id}"):
            if view.chart is None:
                st.markdown(f"**{view.title}**: {view.text}")
                continue
            event = st.altair_chart(
                view.chart, on_select="rerun", key=f"demo_chart_{widget.id}", width="stretch"
            )
            render_point_calls(
                widget,
                view,
                event,
                widget.effective_filters,
                dashboard.project,
                data_type=answer.metadata.data_type,
                calls_page=CALLS_PAGE,
            )


st.navigation([st.Page(charts, title="Dashboard", default=True), CALLS_PAGE]).run()
