"""Keep the bot token out of the logs: httpx logs every request's URL at INFO, and Bot API URLs
carry the token (`/bot<token>/<method>`)."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"/bot[^/\s]+/")


class TokenRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg = _TOKEN_IN_PATH.sub("/bot<token>/", message)
            record.args = None
        return True


_FILTER = TokenRedaction()


def install() -> None:
    """On the loggers that print request URLs (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
