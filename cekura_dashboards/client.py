"""`CekuraClient`: a thin typed client for the Cekura dashboards API.

One `requests.Session` per client (so per user: the key is the user's). Every call has a
timeout; only GET/HEAD/OPTIONS are retried; redirects are never followed; every failure is
a `CekuraError` with a `user_message`. Works unchanged against `https://api.cekura.ai` and
the embedded demo API.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import EllipsisType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError

from cekura_dashboards.errors import (
    WRITE_METHODS,
    APIConnectionError,
    APITimeoutError,
    CekuraError,
    ConfigurationError,
    ConflictError,
    ResponseValidationError,
    error_for_response,
)
from cekura_dashboards.json_equality import same_json
from cekura_dashboards.models import (
    DASHBOARD_WRITABLE,
    Agent,
    BulkWidgetsResult,
    CallLog,
    Dashboard,
    DashboardSummary,
    Metric,
    Page,
    Project,
    Widget,
    WidgetData,
)
from cekura_dashboards.transport import (
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_MAX_RETRY_AFTER,
    AttemptCounter,
    build_session,
    classify_failure,
)

logger = logging.getLogger(__name__)

__version__ = "0.1.0"
API_KEY_HEADER = "X-CEKURA-API-KEY"
DEFAULT_BASE_URL = "https://api.cekura.ai"
DASHBOARDS_PATH = "/dashboards/dashboards/"
USER_AGENT = f"cekura-dashboards-admin/{__version__} python-requests/{requests.__version__}"

# Keys of a dashboard the API computes; a PATCH that names one of them is a caller bug.
DASHBOARD_READ_ONLY = frozenset({"id", "widgets", "widget_count", "created_at", "updated_at"})
# Most pages any "all pages" helper follows: a loop guard against a server that never ends.
MAX_PAGES = 1000
MASK = "****"
# Shorter keys show no tail at all, so a short key is never half revealed.
_MIN_KEY_TO_SHOW_TAIL = 12
REDACTED = "[redacted]"

M = TypeVar("M", bound=BaseModel)
Timeout = float | tuple[float, float]


class CekuraClient:
    """A typed client for the Cekura dashboards API. All methods are keyword-only."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout = (3.05, 15),
        max_retries: int = 3,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> None:
        self.base_url = (base_url or "").strip().rstrip("/")
        self._api_key = (api_key or "").strip()
        self.timeout = timeout
        self._counter = AttemptCounter()
        self._session = build_session(
            user_agent=USER_AGENT,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            max_retry_after=max_retry_after,
            counter=self._counter,
        )
        # Reported on the first call rather than raised here, so a UI that builds a client
        # from what a user typed gets an ordinary CekuraError with a user_message.
        self._config_problem = _config_problem(self.base_url, self._api_key)
        self._server_searches: bool | None = None

    def __repr__(self) -> str:
        return f"CekuraClient(base_url={self.base_url!r})"

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("CekuraClient holds an API key and cannot be pickled or cached.")

    @property
    def masked_key(self) -> str:
        """The key as it may be shown on a page (in request snippets): masked."""
        return mask_key(self._api_key)

    def keyed_hash(self, secret: bytes) -> str:
        """HMAC-SHA256 of this client's key: what a store may keep to tell keys apart
        (the app's journal and drafts), without the key itself."""
        return keyed_hash(secret, self._api_key)

    @property
    def request_count(self) -> int:
        """HTTP requests this client has sent, retries included."""
        return self._counter.value

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- dashboards -----------------------------------------------------------------------

    def list_dashboards(
        self,
        *,
        page: int = 1,
        page_size: int = 25,
        project_id: int | None = None,
        search: str | None = None,
    ) -> Page[DashboardSummary]:
        """One page of dashboards, optionally only those whose name contains `search`
        (ignoring case).

        The public API documents no `search` parameter (the demo API has it). On a server
        that ignores it the page is cut from `search_dashboards` instead, which reads the
        whole list: a caller that turns pages should keep that result itself."""
        if search and not self.server_searches(project_id=project_id):
            return self.search_dashboards(project_id=project_id, search=search).page(
                page, page_size
            )
        params: dict[str, Any] = {"page": page, "page_size": page_size, "project_id": project_id}
        if search:
            params["search"] = search
        data = self._get_json(DASHBOARDS_PATH, params=params)
        result = self._parse(Page[DashboardSummary], data, "GET", DASHBOARDS_PATH)
        if search and not all(_name_matches(d.name, search) for d in result.results):
            # The probe said it searches, this answer says it does not: believe the answer.
            self._server_searches = False
            return self.search_dashboards(project_id=project_id, search=search).page(
                page, page_size
            )
        return result

    def server_searches(self, *, project_id: int | None = None) -> bool:
        """Whether this server filters the dashboards list by `search`, learned once per
        client (one request): a search for a name no dashboard has must come back empty."""
        if self._server_searches is None:
            params = {"page": 1, "page_size": 1, "project_id": project_id, "search": _NO_SUCH_NAME}
            data = self._get_json("/dashboards/dashboards/", params=params)
            probe = self._parse(Page[DashboardSummary], data, "GET", "/dashboards/dashboards/")
            self._server_searches = probe.count == 0
        return self._server_searches

    def search_dashboards(
        self, *, project_id: int | None = None, search: str, max_pages: int = MAX_PAGES
    ) -> DashboardSearch:
        """Every dashboard whose name contains `search`, found by reading the list once
        (100 per page). Past `max_pages` the result says it is incomplete, never silently."""
        matches: list[DashboardSummary] = []
        scanned = total = 0
        for page in range(1, max_pages + 1):
            params = {"page": page, "page_size": 100, "project_id": project_id}
            data = self._get_json("/dashboards/dashboards/", params=params)
            result = self._parse(Page[DashboardSummary], data, "GET", "/dashboards/dashboards/")
            total = result.count
            scanned += len(result.results)
            matches.extend(d for d in result.results if _name_matches(d.name, search))
            if not result.next or not result.results:
                return DashboardSearch(matches=matches, scanned=scanned, total=total, complete=True)
        return DashboardSearch(matches=matches, scanned=scanned, total=total, complete=False)

    def iter_dashboards(
        self,
        *,
        project_id: int | None = None,
        page_size: int = 100,
    ) -> Iterator[DashboardSummary]:
        """Every dashboard, page after page (asks for the next page only when needed)."""
        for page in range(1, MAX_PAGES + 1):
            result = self.list_dashboards(page=page, page_size=page_size, project_id=project_id)
            yield from result.results
            if not result.next or not result.results:
                return
        raise CekuraError(
            f"The dashboards list has more than {MAX_PAGES} pages; stopped reading it there."
        )

    def get_dashboard(self, *, dashboard_id: int) -> Dashboard:
        return self._get_dashboard_and_etag(dashboard_id)[0]

    def get_dashboard_and_etag(self, *, dashboard_id: int) -> tuple[Dashboard, str | None]:
        """The dashboard and its ETag (None when the server sends none), for a caller that
        does its own stale-write check and then PATCHes with `if_match`."""
        return self._get_dashboard_and_etag(dashboard_id)

    def create_dashboard(
        self,
        *,
        name: str | None,
        project: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Dashboard:
        body = create_dashboard_body(name=name, project=project, filters=filters)
        return self._write(Dashboard, "POST", DASHBOARDS_PATH, body)

    def update_dashboard(
        self,
        *,
        dashboard_id: int,
        changes: Mapping[str, Any],
        expected: Dashboard | None = None,
        if_match: str | None = None,
    ) -> Dashboard:
        """PATCH only `changes`. With `expected` (the copy the user edited), re-read first
        and raise `ConflictError(server_copy=...)` without sending when someone else has
        changed the dashboard since; the PATCH then carries `If-Match` when the server
        gave an ETag. A save therefore costs one GET and one PATCH. A caller that has just
        re-read the dashboard itself passes its ETag as `if_match` instead."""
        changes = update_dashboard_body(changes)
        path = _dashboard_path(dashboard_id)
        headers: dict[str, str] = {"If-Match": if_match} if if_match else {}
        if expected is not None:
            current, etag = self._get_dashboard_and_etag(dashboard_id)
            if dashboard_changed(expected, current):
                raise ConflictError(
                    f"PATCH {path} not sent: the dashboard changed on the server since it was read",
                    status=409,
                    method="PATCH",
                    path=path,
                    server_copy=current,
                )
            if etag:
                headers["If-Match"] = etag
        try:
            return self._write(Dashboard, "PATCH", path, dict(changes), headers=headers)
        except ConflictError as err:
            if err.server_copy is None:
                err.server_copy = self._server_copy(dashboard_id)
            raise

    def delete_dashboard(self, *, dashboard_id: int) -> None:
        self._request("DELETE", _dashboard_path(dashboard_id))

    def duplicate_dashboard(self, *, dashboard_id: int, name: str | None = None) -> Dashboard:
        path = _dashboard_path(dashboard_id) + "duplicate/"
        return self._write(Dashboard, "POST", path, duplicate_dashboard_body(name=name))

    def bulk_widgets(
        self,
        *,
        dashboard_id: int,
        create: Sequence[Mapping[str, Any]] = (),
        update: Sequence[Mapping[str, Any]] = (),
        delete: Sequence[int] = (),
    ) -> BulkWidgetsResult:
        """Create, update (each with its `id`) and delete widgets of a dashboard at once."""
        body = bulk_widgets_body(create=create, update=update, delete=delete)
        path = _dashboard_path(dashboard_id) + "bulk_widgets/"
        return self._write(BulkWidgetsResult, "POST", path, body)

    # --- widgets --------------------------------------------------------------------------

    def list_widgets(
        self, *, dashboard_id: int, page: int = 1, page_size: int = 100
    ) -> Page[Widget]:
        params = {"dashboard_id": dashboard_id, "page": page, "page_size": page_size}
        data = self._get_json("/dashboards/widgets/", params=params)
        return self._parse(Page[Widget], data, "GET", "/dashboards/widgets/")

    def iter_widgets(self, *, dashboard_id: int, page_size: int = 100) -> Iterator[Widget]:
        """Every widget of a dashboard, page after page."""
        for page in range(1, MAX_PAGES + 1):
            result = self.list_widgets(dashboard_id=dashboard_id, page=page, page_size=page_size)
            yield from result.results
            if not result.next or not result.results:
                return

    def get_widget(self, *, widget_id: int) -> Widget:
        path = _widget_path(widget_id)
        return self._parse(Widget, self._get_json(path), "GET", path)

    def create_widget(
        self,
        *,
        dashboard_id: int,
        chart_type: str,
        field: str = "",
        name: str | None = None,
        filters: Mapping[str, Any] | None = None,
        data_type: str | None = None,
        metric: int | None = None,
        time_period: str | None = None,
        aggregation_function: str | None = None,
        group_by: Mapping[str, Any] | None = None,
        metadata: Any = None,
    ) -> Widget:
        """Create a widget; arguments left as None are not sent (the server's default)."""
        optional = {
            "name": name,
            "filters": dict(filters) if filters is not None else None,
            "data_type": data_type,
            "metric": metric,
            "time_period": time_period,
            "aggregation_function": aggregation_function,
            "group_by": dict(group_by) if group_by is not None else None,
            "metadata": metadata,
        }
        body: dict[str, Any] = {"dashboard": dashboard_id, "chart_type": chart_type, "field": field}
        body.update({k: v for k, v in optional.items() if v is not None})
        return self._write(Widget, "POST", "/dashboards/widgets/", body)

    def update_widget(self, *, widget_id: int, changes: Mapping[str, Any]) -> Widget:
        """PATCH only `changes` of one widget."""
        if not changes:
            raise ValueError("update_widget needs at least one change")
        return self._write(Widget, "PATCH", _widget_path(widget_id), dict(changes))

    def delete_widget(self, *, widget_id: int) -> None:
        self._request("DELETE", _widget_path(widget_id))

    def widget_data(
        self, *, widget_id: int, filters: Mapping[str, Any] | None = None
    ) -> WidgetData:
        """Chart data of a saved widget; `filters` are ANDed with the dashboard's and the
        widget's for this request only."""
        path = _widget_path(widget_id) + "data/"
        params = {"filters": _compact_json(filters) if filters is not None else None}
        return self._parse(WidgetData, self._get_json(path, params=params), "GET", path)

    def preview_widget_data(
        self,
        *,
        widget: Mapping[str, Any],
        dashboard_filters: Mapping[str, Any] | None | EllipsisType = ...,
    ) -> WidgetData:
        """Chart data of an unsaved widget body (`dashboard`, `chart_type`, `field`, ...).
        `dashboard_filters` (a filter, or None for no filter) stands in for the saved
        filters of the widget's dashboard: a draft dashboard filter, nothing saved. Left
        out, the saved ones apply. A read sent as POST: sent once, never retried."""
        path = "/dashboards/widgets/preview_data/"
        body = dict(widget)
        if not isinstance(dashboard_filters, EllipsisType):
            body["dashboard_filters"] = (
                dict(dashboard_filters) if dashboard_filters is not None else None
            )
        response = self._request("POST", path, json=body)
        return self._parse(WidgetData, self._json(response, "POST", path), "POST", path)

    def bulk_widget_data(
        self, *, widget_ids: Sequence[int], filters: Mapping[str, Any] | None = None
    ) -> list[WidgetData]:
        """Chart data of several widgets (all pages of the answer)."""
        path = "/dashboards/widgets/bulk_data/"
        body: dict[str, Any] = {"widget_ids": list(widget_ids)}
        if filters is not None:
            body["filters"] = dict(filters)
        page_size = max(1, min(len(widget_ids), 100))
        results: list[WidgetData] = []
        for page in range(1, MAX_PAGES + 1):
            response = self._request(
                "POST", path, json=body, params={"page": page, "page_size": page_size}
            )
            data = self._json(response, "POST", path)
            if isinstance(data, list):
                return self._parse(list[WidgetData], data, "POST", path)
            parsed = self._parse(Page[WidgetData], data, "POST", path)
            results.extend(parsed.results)
            if not parsed.next or not parsed.results:
                break
        return results

    # --- pickers and call logs ------------------------------------------------------------

    def list_projects(self) -> list[Project]:
        return self._collect("/user/v1/projects/", {}, Project)

    def list_metrics(self, *, project_id: int | None = None) -> list[Metric]:
        return self._collect("/test_framework/v1/metrics/", {"project_id": project_id}, Metric)

    def list_agents(self, *, project_id: int | None = None) -> list[Agent]:
        return self._collect(
            "/test_framework/v1/aiagents/short_list/",
            {"project_id": project_id},
            Agent,
            page_size=100,
        )

    def list_call_logs(
        self,
        *,
        project_id: int | None = None,
        agent_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
        timestamp_from: datetime | str | None = None,
        timestamp_to: datetime | str | None = None,
        page: int = 1,
        page_size: int = 25,
    ) -> Page[CallLog]:
        """One page of call logs; `filters` is a dashboard-style filter (`filters_v2`)."""
        path = "/observability/v1/call-logs/"
        params = {
            "project_id": project_id,
            "agent_id": agent_id,
            "filters_v2": _compact_json(filters) if filters is not None else None,
            "timestamp_from": _iso(timestamp_from),
            "timestamp_to": _iso(timestamp_to),
            "page": page,
            "page_size": page_size,
        }
        return self._parse(Page[CallLog], self._get_json(path, params=params), "GET", path)

    # --- plumbing -------------------------------------------------------------------------

    def _get_dashboard_and_etag(self, dashboard_id: int) -> tuple[Dashboard, str | None]:
        path = _dashboard_path(dashboard_id)
        response = self._request("GET", path)
        dashboard = self._parse(Dashboard, self._json(response, "GET", path), "GET", path)
        return dashboard, response.headers.get("ETag")

    def _server_copy(self, dashboard_id: int) -> Dashboard | None:
        try:
            return self.get_dashboard(dashboard_id=dashboard_id)
        except CekuraError:
            return None

    def _collect(
        self,
        path: str,
        params: Mapping[str, Any],
        model: type[M],
        *,
        page_size: int | None = None,
    ) -> list[M]:
        """All items of a list endpoint, whether it answers a plain list or DRF pages.
        Pages are asked for by number; `next` URLs from the server are never followed."""
        items: list[M] = []
        for page in range(1, MAX_PAGES + 1):
            query = dict(params)
            if page > 1 or page_size is not None:
                query["page"] = page
            if page_size is not None:
                query["page_size"] = page_size
            data = self._get_json(path, params=query)
            if isinstance(data, list):
                return items + self._parse(list[model], data, "GET", path)  # type: ignore[valid-type]
            parsed = self._parse(Page[model], data, "GET", path)  # type: ignore[valid-type]
            items.extend(parsed.results)
            if not parsed.next or not parsed.results or len(items) >= parsed.count:
                break
        return items

    def _write(
        self,
        model: type[M],
        method: str,
        path: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> M:
        response = self._request(method, path, json=body, headers=headers)
        return self._parse(model, self._json(response, method, path), method, path)

    def _get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self._request("GET", path, params=params), "GET", path)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request (GETs may be retried by the session); return a 2xx answer or
        raise the matching CekuraError."""
        if self._config_problem is not None:
            raise ConfigurationError(
                f"client not configured: {self._config_problem}",
                user_message=self._config_problem,
                method=method,
                path=path,
            )
        all_headers = {API_KEY_HEADER: self._api_key, **(headers or {})}
        query = {k: v for k, v in (params or {}).items() if v is not None}
        started = time.monotonic()
        self._counter.add()
        failure: CekuraError | None = None
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=query or None,
                json=json,
                headers=all_headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            failure = self._failure(exc, method, path)
        if failure is not None:
            # Raised outside the except block: `from None` only hides the requests error,
            # which would stay reachable as __context__, holding the request and its key.
            raise failure
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms)
        if 200 <= response.status_code < 300:
            return response
        raise error_for_response(
            response.status_code,
            response.headers,
            self._redact(response.text),
            method=method,
            path=path,
        ) from None

    def _failure(self, exc: requests.RequestException, method: str, path: str) -> CekuraError:
        kind, maybe_sent = classify_failure(exc)
        outcome_unknown = maybe_sent and method in WRITE_METHODS
        detail = self._redact(f"{method} {path}: {type(exc).__name__}: {exc}")
        logger.info("%s %s failed: %s (%s)", method, path, kind, type(exc).__name__)
        error_type = APITimeoutError if kind == "timeout" else APIConnectionError
        return error_type(detail, method=method, path=path, outcome_unknown=outcome_unknown)

    def _json(self, response: requests.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ResponseValidationError(
                f"{method} {path} answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
                method=method,
                path=path,
                outcome_unknown=method in WRITE_METHODS,
            ) from None

    def _parse(self, model: Any, data: Any, method: str, path: str) -> Any:
        try:
            return TypeAdapter(model).validate_python(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
                for err in exc.errors(include_url=False, include_input=False)[:5]
            )
            raise ResponseValidationError(
                self._redact(f"{method} {path}: unexpected answer: {problems}"),
                method=method,
                path=path,
                outcome_unknown=method in WRITE_METHODS,
            ) from None

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, REDACTED) if self._api_key else text


# --- helpers ------------------------------------------------------------------------------


def keyed_hash(secret: bytes, api_key: str) -> str:
    return hmac.new(secret, api_key.strip().encode("utf-8"), hashlib.sha256).hexdigest()


def mask_key(api_key: str) -> str:
    """`****` and the key's last 4 characters (only `****` for a short key). Masking an
    already masked key changes nothing."""
    if api_key.startswith(MASK) or len(api_key) < _MIN_KEY_TO_SHOW_TAIL:
        return api_key if api_key.startswith(MASK) else MASK
    return MASK + api_key[-4:]


# No dashboard is named this: a server that answers it with rows ignores `search`.
_NO_SUCH_NAME = "\u2400no-dashboard-is-named-this\u2400"


@dataclass(frozen=True)
class DashboardSearch:
    """Every match of one search, read from the whole list (see `search_dashboards`)."""

    matches: list[DashboardSummary]
    scanned: int
    total: int
    complete: bool

    def page(self, page: int, page_size: int) -> Page[DashboardSummary]:
        start = (page - 1) * page_size
        return Page[DashboardSummary](
            count=len(self.matches),
            next=f"?page={page + 1}" if start + page_size < len(self.matches) else None,
            previous=f"?page={page - 1}" if page > 1 else None,
            results=self.matches[start : start + page_size],
        )


def _name_matches(name: str | None, search: str) -> bool:
    return search.casefold() in (name or "").casefold()


def dashboard_changed(expected: Dashboard, current: Dashboard) -> bool:
    """True when `current` (just read) differs from `expected` (what the user edited):
    another `updated_at`, or other name/project/filters."""
    if (
        expected.updated_at is not None
        and current.updated_at is not None
        and expected.updated_at != current.updated_at
    ):
        return True
    return not all(
        same_json(getattr(expected, key), getattr(current, key)) for key in DASHBOARD_WRITABLE
    )


def _compact_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _dashboard_path(dashboard_id: int) -> str:
    return f"{DASHBOARDS_PATH}{int(dashboard_id)}/"


dashboard_path = _dashboard_path


# The request bodies of the dashboard writes, built in one place: the client sends them and
# the admin's journal records them.


def update_dashboard_body(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A dashboard PATCH body: only the keys given, none of them read-only, at least one."""
    if not changes:
        raise ValueError("update_dashboard needs at least one change")
    read_only = DASHBOARD_READ_ONLY.intersection(changes)
    if read_only:
        raise ValueError(f"read-only dashboard keys cannot be changed: {sorted(read_only)}")
    return dict(changes)


def create_dashboard_body(
    *, name: str | None, project: int | None = None, filters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if project is not None:
        body["project"] = project
    if filters is not None:
        body["filters"] = dict(filters)
    return body


def duplicate_dashboard_body(*, name: str | None = None) -> dict[str, Any]:
    return {} if name is None else {"name": name}


def bulk_widgets_body(
    *,
    create: Sequence[Mapping[str, Any]] = (),
    update: Sequence[Mapping[str, Any]] = (),
    delete: Sequence[int] = (),
) -> dict[str, Any]:
    return {
        "create": [dict(w) for w in create],
        "update": [dict(w) for w in update],
        "delete": list(delete),
    }


def _widget_path(widget_id: int) -> str:
    return f"/dashboards/widgets/{int(widget_id)}/"


def _config_problem(base_url: str, api_key: str) -> str | None:
    """Why these settings cannot be used, in words for a person; None when they can."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The API address must be a full web address such as https://api.cekura.ai."
    if parts.username or parts.password or parts.query or parts.fragment:
        return "The API address must not contain a user name, password, '?' or '#'."
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return (
            "The API address must start with https:// so the API key is encrypted on its "
            "way (plain http:// is allowed only for this computer)."
        )
    if not api_key:
        return "An API key is needed."
    if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in api_key):
        return "The API key contains spaces or characters an API key never has. Paste it again."
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
