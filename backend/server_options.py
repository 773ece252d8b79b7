"""uvicorn's options and log filters for the API process (`backend.serve`, tests, benches)."""

from __future__ import annotations

import logging
import re
from typing import Any

from backend.config import Settings
from backend.realtime.transport import BoundedWebSocketProtocol

_TOKEN_IN_QUERY = re.compile(r"(?<=[?&]token=)[^&\s\"]+")
_UVICORN_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class RedactToken(logging.Filter):
    """uvicorn logs each WebSocket handshake with its query string; `?token=` must not reach
    the logs (STYLE.md §7: never log tokens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "token=" in a for a in record.args
        ):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub("***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


_REDACT = RedactToken()


def install_log_filters() -> None:
    """Idempotent: a logger's filters are a set, so a second app adds nothing."""
    logging.getLogger("uvicorn.error").addFilter(_REDACT)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run/Config that apply the ws_* settings.

    `log_level` matters for speed: without it uvicorn's loggers inherit the stdlib root level
    that setup_logging leaves at 0, so uvicorn wraps the app in its per-message trace logger
    and the websockets protocol formats a debug line for every frame sent (bench/fanout.py).
    `ws` is uvicorn's WebSocket protocol with bounds for peers that stop reading
    (backend/realtime/transport.py).
    """
    level = settings.log_level.lower()
    return {
        "log_level": level if level in _UVICORN_LEVELS else "info",
        "ws": BoundedWebSocketProtocol,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_max_size": settings.ws_max_size,
        "ws_per_message_deflate": settings.ws_per_message_deflate,
    }
