"""Django REST Framework page-number pagination: `?page=N&page_size=M` ->
`{"count", "next", "previous", "results"}` with absolute next/previous URLs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from demo_api.errors import DetailError, FieldErrors

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
INVALID_PAGE = "Invalid page."


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_request(request: Request, default_size: int = DEFAULT_PAGE_SIZE) -> PageRequest:
    """The page asked for. Like DRF: a page that is not a positive number is 404
    "Invalid page." (an empty one too, which DRF reads as 1 but the spec types as an
    integer); a page_size of 0 or less means the default, above the maximum is capped.
    A page_size that is not a number at all is refused (DRF ignores it, but the spec types
    it as an integer)."""
    size_text = request.query_params.get("page_size")
    page_size = default_size
    if size_text is not None:
        try:
            asked = int(size_text)
        except ValueError:
            raise FieldErrors({"page_size": ["A valid integer is required."]}) from None
        if asked > 0:
            page_size = min(asked, MAX_PAGE_SIZE)
    page_text = request.query_params.get("page")
    page = 1
    if page_text is not None:
        if page_text == "last":
            page = -1
        else:
            try:
                page = int(page_text)
            except ValueError:
                raise DetailError(INVALID_PAGE, status=404) from None
            if page < 1:
                raise DetailError(INVALID_PAGE, status=404)
    return PageRequest(page, page_size)


def checked(pages: PageRequest, count: int) -> PageRequest:
    """The request with `last` resolved; 404 when the page lies past the end."""
    last = max(1, math.ceil(count / pages.page_size))
    page = last if pages.page == -1 else pages.page
    if page > last:
        raise DetailError(INVALID_PAGE, status=404)
    return PageRequest(page, pages.page_size)


def paginated(
    request: Request, pages: PageRequest, count: int, results: list[Any]
) -> dict[str, Any]:
    last = max(1, math.ceil(count / pages.page_size))
    url = request.url
    next_url = str(url.include_query_params(page=pages.page + 1)) if pages.page < last else None
    if pages.page <= 1:
        previous_url = None
    elif pages.page == 2:
        previous_url = str(url.remove_query_params("page"))
    else:
        previous_url = str(url.include_query_params(page=pages.page - 1))
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}
