"""The bench's baseline: a one-widget hello-world Streamlit page, changed the way the
builder is (a click that adds, a number typed and Enter), so both are measured alike."""

import streamlit as st

if "count" not in st.session_state:
    st.session_state["count"] = 0


def _add() -> None:
    st.session_state["count"] += 1


st.button("Add condition", key="hello_add", on_click=_add)
st.number_input("Value", key="hello_number", value=None, placeholder="A number")
st.write(f"Hello: {st.session_state['count']} clicks")
