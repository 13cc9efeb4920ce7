"""An embedded Cekura-compatible API (FastAPI + SQLite) with realistic demo data.

Start it with `python -m demo_api ...`, `create_app(...)` or `serve_in_thread(...)`.

It follows contract/ (the OpenAPI file for shapes, RULES.md for behaviour).
What a client may rely on beyond the public contract:
- `GET /dashboards/dashboards/?search=text`: case-insensitive substring of the name.
- Dashboards and widgets carry a strong `ETag` (quoted hash of id and updated_at);
  PUT/PATCH/DELETE with an `If-Match` that is not current get 412 `{"detail": ...}`.
  A dashboard's ETag covers its own fields (name, project, filters), not its widgets.
- `updated_at` moves forward on every write (ISO 8601 UTC, microseconds, `Z`).
- Lists page by `page`/`page_size` (default 10, at most 1000; call logs default 25,
  `bulk_data` 100). A page past the end, 0 or not a number is 404 "Invalid page.".
- Shapes follow the spec even where it is odd: `widget_count` is a string ("3"),
  a widget's `effective_filters` is `{}` when nothing filters, `metric_name` is "" without
  a metric, call logs give `duration` as "MM:SS" (plus `duration_seconds`, `project`,
  `metadata` as extras).
- Request bodies are JSON only (other media types: 415). `bulk_widgets` is all or
  nothing; item errors come back as `{"create": ["#2 chart_type: ..."], ...}`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from demo_api.app import RunningServer, create_app, serve_in_thread

__all__ = ["RunningServer", "create_app", "serve_in_thread"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `python -m demo_api --prepare-only` needs no FastAPI.
    if name in __all__:
        from demo_api import app

        return getattr(app, name)
    raise AttributeError(f"module 'demo_api' has no attribute {name!r}")
