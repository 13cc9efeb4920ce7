"""Errors the routes raise, rendered in Django REST Framework's shapes.

`DetailError` -> `{"detail": "..."}`; `FieldErrors` -> `{"name": ["..."], ...}`.
The handlers here also turn FastAPI's own 422s and Starlette's 404/405 into the
shapes a DRF server would send, so a client sees one error format everywhere.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

NOT_FOUND = "Not found."


class DetailError(Exception):
    """An error with one message: `{"detail": message}` with `status`."""

    def __init__(
        self, message: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers


class FieldErrors(Exception):
    """Errors keyed by field: `{"name": ["..."]}` with `status`."""

    def __init__(self, errors: dict[str, list[str]], status: int = 400) -> None:
        super().__init__(str(errors))
        self.errors = errors
        self.status = status


class NotFound(DetailError):
    def __init__(self) -> None:
        super().__init__(NOT_FOUND, status=404)


def _type_name(value: Any) -> str:
    return {
        bool: "bool",
        int: "int",
        float: "float",
        str: "str",
        list: "list",
        dict: "dict",
        type(None): "NoneType",
    }.get(type(value), type(value).__name__)


def drf_message(error: dict[str, Any]) -> str:
    """A pydantic/FastAPI validation error in the words DRF uses."""
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "missing":
        return "This field is required."
    if value is None and kind.endswith("_type"):
        return "This field may not be null."
    if kind in ("string_type", "string_sub_type"):
        return "Not a valid string."
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length", 255)
        return f"Ensure this field has no more than {limit} characters."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "A valid integer is required."
    if kind in ("bool_type", "bool_parsing"):
        return "Must be a valid boolean."
    if kind in ("float_type", "float_parsing"):
        return "A valid number is required."
    if kind in ("literal_error", "enum"):
        return f'"{value}" is not a valid choice.'
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f'Expected a dictionary of items but got type "{_type_name(value)}".'
    if kind == "list_type":
        return f'Expected a list of items but got type "{_type_name(value)}".'
    return str(error.get("msg", "Invalid value."))


def field_errors_from_pydantic(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Group validation errors by their top-level field, DRF style."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        key = str(loc[0]) if loc else "non_field_errors"
        if len(loc) > 1:
            rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
            message = f"{rest.lstrip('.')}: {drf_message(error)}"
        else:
            message = drf_message(error)
        grouped.setdefault(key, [])
        if message not in grouped[key]:
            grouped[key].append(message)
    return grouped


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DetailError)
    async def _detail(_: Request, exc: DetailError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(FieldErrors)
    async def _fields(_: Request, exc: FieldErrors) -> JSONResponse:
        return JSONResponse(exc.errors, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            field_errors_from_pydantic([dict(e) for e in exc.errors()]), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            detail: Any = NOT_FOUND
        elif exc.status_code == 405:
            detail = f'Method "{request.method}" not allowed.'
        else:
            detail = exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        # SQLite integers are 64-bit; a bigger number in a filter or id cannot match anything.
        return JSONResponse({"detail": "A number in the request is too large."}, status_code=400)
