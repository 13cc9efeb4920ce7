"""An embedded Cekura-compatible API (FastAPI + SQLite) with realistic demo data."""

from demo_api.app import RunningServer, create_app, serve_in_thread

__all__ = ["RunningServer", "create_app", "serve_in_thread"]
