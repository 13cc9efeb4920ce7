"""The bench's second reference: the same hello-world page inside a navigation like the
app's (six pages in the sidebar), to show what the app's frame alone costs an edit."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
OTHERS = ("Editor", "Calls", "History", "Bulk change", "Connection")


def _other() -> None:
    st.write("Another page")


pages = [st.Page(str(HERE / "builder_hello_page.py"), title="Dashboards", default=True)]
pages += [st.Page(_other, title=title, url_path=f"p{i}") for i, title in enumerate(OTHERS)]
st.navigation(pages).run()
