"""Streamlit rendering pieces. They draw from the session's state and turn clicks into
calls on `services` (state, reads, drafts, saving); they never build HTTP requests."""
