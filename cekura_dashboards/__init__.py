"""Cekura dashboards: a thin typed client for the Cekura API and the filter domain.

Pure Python: nothing here imports Streamlit.
"""
