"""Cekura dashboards: a thin typed client for the Cekura API and the filter domain.

Pure Python: nothing here imports Streamlit. The names below are the package's public
face; the modules behind them are `client`, `errors`, `models`, `catalog`, the filter
modules (`filter_tree`, `filter_edit`, `filter_validation`, `filter_sentence`,
`relative_dates`) and `patch`.
"""

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
