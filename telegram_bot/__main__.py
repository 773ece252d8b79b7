"""`python -m telegram_bot` (`make bot`): the bot process."""

from __future__ import annotations

import asyncio

from backend.config import get_settings
from backend.logging import setup_logging
from telegram_bot.app import run


def main() -> None:
    settings = get_settings()
    setup_logging(settings, process="bot")
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
