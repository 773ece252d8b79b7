"""One error hierarchy and the handlers that turn every failure into the same JSON shape.

`{"error": {"code": "snake_case", "message": "human text", "details": ...}}`
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    status: ClassVar[int] = 400
    code: str = "bad_request"
    message: str = "Bad request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(AppError):
    status = 400


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    message = "Authentication required"

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = "You do not have permission to do this"


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "Conflict"


class Locked(AppError):
    status = 423
    code = "locked"
    message = "Locked"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after_s: int, **kw: Any) -> None:
        retry = max(1, int(retry_after_s))
        kw.setdefault("details", {"retry_after_s": retry})
        kw.setdefault("headers", {"Retry-After": str(retry)})
        super().__init__(message, **kw)


class Unavailable(AppError):
    status = 503
    code = "unavailable"
    message = "Service temporarily unavailable"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """The one error shape, documented in OpenAPI for every route."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Forbidden"),
        (404, "Not found"),
        (422, "Validation error: `details` lists `{loc, msg, type}` per field"),
        (429, "Too many requests (`Retry-After` header)"),
        (500, "Internal error (`details.request_id` only)"),
        (503, "Database or another dependency unavailable: retry (`Retry-After` header)"),
    )
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


async def send_error(
    send: Callable[[dict[str, Any]], Awaitable[None]],
    status: int,
    code: str,
    message: str,
    details: Any = None,
) -> None:
    """Write an error response straight to an ASGI `send` (for pure-ASGI middlewares)."""
    body = json.dumps(error_body(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Request body too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        item = {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
        details.append(item)  # input values are left out: they may hold passwords
    return details


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(
        422, "validation_error", "Request validation failed", _validation_details(exc)
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    if isinstance(exc.detail, str) and exc.status_code not in (404, 405):
        message = exc.detail
    return error_response(exc.status_code, code, message, None, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    logger.opt(exception=exc).bind(request_id=request_id).error("request.unhandled_exception")
    return error_response(
        500, "internal_error", "Internal server error", {"request_id": request_id}
    )


def _unique_violation(exc: Exception) -> bool:
    if not isinstance(exc, IntegrityError):
        return False
    if getattr(exc.orig, "pgcode", None) == "23505":  # PostgreSQL unique_violation
        return True
    return "UNIQUE constraint failed" in str(exc.orig)  # SQLite


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost or unreachable database is an outage (503, retry), not a bug (500).

    A unique violation that got past a service's own check (two requests racing for one email,
    one name) is the 409 the loser would have got a moment later.
    """
    if _unique_violation(exc):
        return error_response(
            409, "conflict", "This was just taken by another request; check and try again"
        )
    lost = isinstance(exc, SATimeoutError | OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if not lost:
        return await _unexpected(request, exc)
    request_id = getattr(request.state, "request_id", None)
    logger.bind(request_id=request_id).warning(
        "request.database_unavailable: {}", type(exc).__name__
    )
    return error_response(
        503,
        "database_unavailable",
        "Database temporarily unavailable",
        {"request_id": request_id},
        {"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(SATimeoutError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
