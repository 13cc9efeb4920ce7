"""Streamlit rendering pieces. They render and turn clicks into calls on `cekura_dashboards`;
they never build HTTP requests themselves."""
