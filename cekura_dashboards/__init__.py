"""Cekura dashboards: a thin typed client for the Cekura API and the filter domain.

Pure Python: nothing here imports Streamlit. The names below are the package's public
face, each loaded from its module on first use (PEP 562), so that importing one
module of the package, e.g. `catalog` in the demo API, does not load the HTTP client and
its models; the modules behind them are `client`, `errors`, `models`, `catalog`, the filter
modules (`filter_tree`, `filter_edit`, `filter_validation`, `filter_sentence`,
`relative_dates`) and `patch`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> the module that defines it
_HOMES: dict[str, str] = {
    "API_KEY_HEADER": "cekura_dashboards.client",
    "DEFAULT_BASE_URL": "cekura_dashboards.client",
    "CekuraClient": "cekura_dashboards.client",
    "APIConnectionError": "cekura_dashboards.errors",
    "APIStatusError": "cekura_dashboards.errors",
    "APITimeoutError": "cekura_dashboards.errors",
    "AuthenticationError": "cekura_dashboards.errors",
    "BadRequestError": "cekura_dashboards.errors",
    "CekuraError": "cekura_dashboards.errors",
    "ConfigurationError": "cekura_dashboards.errors",
    "ConflictError": "cekura_dashboards.errors",
    "NotFoundError": "cekura_dashboards.errors",
    "PermissionDeniedError": "cekura_dashboards.errors",
    "RateLimitError": "cekura_dashboards.errors",
    "RedirectError": "cekura_dashboards.errors",
    "ResponseValidationError": "cekura_dashboards.errors",
    "ServerError": "cekura_dashboards.errors",
    "describe_condition": "cekura_dashboards.filter_sentence",
    "describe_filter": "cekura_dashboards.filter_sentence",
    "Condition": "cekura_dashboards.filter_tree",
    "FilterParseError": "cekura_dashboards.filter_tree",
    "Group": "cekura_dashboards.filter_tree",
    "Node": "cekura_dashboards.filter_tree",
    "filter_to_json": "cekura_dashboards.filter_tree",
    "parse_filter": "cekura_dashboards.filter_tree",
    "Problem": "cekura_dashboards.filter_validation",
    "validate_filter": "cekura_dashboards.filter_validation",
    "Agent": "cekura_dashboards.models",
    "CallLog": "cekura_dashboards.models",
    "Dashboard": "cekura_dashboards.models",
    "DashboardSummary": "cekura_dashboards.models",
    "Metric": "cekura_dashboards.models",
    "Page": "cekura_dashboards.models",
    "Project": "cekura_dashboards.models",
    "Widget": "cekura_dashboards.models",
    "WidgetData": "cekura_dashboards.models",
    "change_list": "cekura_dashboards.patch",
    "curl_snippet": "cekura_dashboards.patch",
    "json_diff": "cekura_dashboards.patch",
    "patch_body": "cekura_dashboards.patch",
    "python_snippet": "cekura_dashboards.patch",
}
__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Agent",
    "AuthenticationError",
    "BadRequestError",
    "CallLog",
    "CekuraClient",
    "CekuraError",
    "Condition",
    "ConfigurationError",
    "ConflictError",
    "Dashboard",
    "DashboardSummary",
    "FilterParseError",
    "Group",
    "Metric",
    "Node",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "Problem",
    "Project",
    "RateLimitError",
    "RedirectError",
    "ResponseValidationError",
    "ServerError",
    "Widget",
    "WidgetData",
    "change_list",
    "curl_snippet",
    "describe_condition",
    "describe_filter",
    "filter_to_json",
    "json_diff",
    "parse_filter",
    "patch_body",
    "python_snippet",
    "validate_filter",
]

if TYPE_CHECKING:
    from cekura_dashboards.client import API_KEY_HEADER, DEFAULT_BASE_URL, CekuraClient
    from cekura_dashboards.errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        CekuraError,
        ConfigurationError,
        ConflictError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RedirectError,
        ResponseValidationError,
        ServerError,
    )
    from cekura_dashboards.filter_sentence import describe_condition, describe_filter
    from cekura_dashboards.filter_tree import (
        Condition,
        FilterParseError,
        Group,
        Node,
        filter_to_json,
        parse_filter,
    )
    from cekura_dashboards.filter_validation import Problem, validate_filter
    from cekura_dashboards.models import (
        Agent,
        CallLog,
        Dashboard,
        DashboardSummary,
        Metric,
        Page,
        Project,
        Widget,
        WidgetData,
    )
    from cekura_dashboards.patch import (
        change_list,
        curl_snippet,
        json_diff,
        patch_body,
        python_snippet,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
