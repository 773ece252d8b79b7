"""Structured JSON logs (loguru): stdout + rotated file + a separate security-event stream.

`setup_logging(settings)` runs in create_app and at worker start, never at import.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import TYPE_CHECKING, Any

from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import send_error
from backend.log_file import GuardedFileSink

if TYPE_CHECKING:
    from loguru import Record

    from backend.config import Settings

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


_CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)


def current_request_id() -> str | None:
    """The X-Request-ID of the request (or job) being served: jobs.py carries it into jobs."""
    return _REQUEST_ID.get()


def current_client_address() -> str | None:
    """The client address of the request being served (after trusted-proxy rewriting); the
    audit log (backend/audit) records it with every entry."""
    return _CLIENT_ADDRESS.get()


@contextmanager
def request_context(request_id: str | None, **fields: Any) -> Iterator[None]:
    """Bind a request id (and `fields`) to every log line inside, and make it current."""
    token = _REQUEST_ID.set(request_id)
    try:
        with logger.contextualize(request_id=request_id, **fields):
            yield
    finally:
        _REQUEST_ID.reset(token)


class _InterceptHandler(logging.Handler):
    """Route stdlib logging (uvicorn, sqlalchemy, arq) into loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = logging.currentframe()
        depth = 2
        while frame is not None and frame.f_code.co_filename == logging.__file__:
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).bind(logger_name=record.name).log(
            level, record.getMessage()
        )


def _not_security(record: Record) -> bool:
    return not record["extra"].get("security", False)


def _is_security(record: Record) -> bool:
    return bool(record["extra"].get("security", False))


def setup_logging(settings: Settings, *, process: str = "api") -> None:
    logger.remove()
    logger.configure(extra={"process": process})
    level = settings.log_level.upper()
    # diagnose=False: loguru would otherwise print every local variable of a traceback
    # (tokens, passwords, rows) into the log.
    logger.add(
        sys.stdout, level=level, serialize=True, enqueue=False, backtrace=False, diagnose=False
    )
    if settings.log_to_file:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        # GuardedFileSink: a full disk costs log lines, never a traceback per line on stderr.
        app_file = GuardedFileSink(
            settings.log_dir / f"{process}.log", rotation="20 MB", retention=10, compression="gz"
        )
        logger.add(
            app_file,
            level=level,
            serialize=True,
            backtrace=False,
            diagnose=False,
            filter=_not_security,
            enqueue=True,
        )
        security_file = GuardedFileSink(
            settings.log_dir / "security.log", rotation="20 MB", retention=30, compression="gz"
        )
        logger.add(
            security_file,
            level="INFO",
            serialize=True,
            backtrace=False,
            diagnose=False,
            filter=_is_security,
            enqueue=True,
        )
    # The stdlib root level matters: at 0, uvicorn wraps every WebSocket in its per-frame trace
    # logger (about 7x slower fan-out), and every library formats debug records for nothing.
    logging.basicConfig(handlers=[_InterceptHandler()], level=level, force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "sqlalchemy", "websockets"):
        std = logging.getLogger(name)
        std.handlers = [_InterceptHandler()]
        std.propagate = False
    # Our own access line replaces uvicorn's; SQL echo stays off unless asked for.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)


def security_event(event: str, **fields: Any) -> None:
    """A security event (registration, failed login, lockout, role change, token reuse)."""
    logger.bind(security=True, **fields).info(event)


class RequestContextMiddleware:
    """Takes or mints X-Request-ID, binds it to every log line, echoes it, logs one access line.

    Pure ASGI (no BaseHTTPMiddleware) to keep per-request overhead small; see bench/api_overhead.py.
    Unhandled exceptions become a 500 in the error shape carrying only the request id.
    """

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        start = time.perf_counter()
        client_token = _CLIENT_ADDRESS.set((scope.get("client") or (None, 0))[0])
        with request_context(request_id):
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:
                logger.opt(exception=exc).error("request.unhandled_exception")
                if scope["type"] != "http" or started:
                    raise
                await send_error(
                    send_wrapper,
                    500,
                    "internal_error",
                    "Internal server error",
                    {"request_id": request_id},
                )
            finally:
                if self.access_log and scope["type"] == "http":
                    # Keyword arguments land in `extra` like bind() would put them, without
                    # building a bound logger per request (bench/api_overhead.py).
                    logger.info(
                        "http.access",
                        method=scope["method"],
                        path=scope["path"],
                        status=status,
                        latency_ms=round((time.perf_counter() - start) * 1000, 3),
                        client=(scope.get("client") or ("", 0))[0],
                    )
                _CLIENT_ADDRESS.reset(client_token)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None
