"""Build the aiogram bot (the Bot API at TELEGRAM_API_URL) and run it by long polling."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import TelegramObject
from loguru import logger

from backend.config import Settings
from backend.observability.heartbeat import Heartbeat, heartbeat
from backend.observability.sampler import SAMPLE_EVERY_S
from telegram_bot.context import BotContext, open_context
from telegram_bot.handlers import build_router

POLLING_TIMEOUT_S = 30  # getUpdates long-poll wait


def build_bot(settings: Settings) -> Bot:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    return Bot(settings.telegram_bot_token.get_secret_value(), session=AiohttpSession(api=api))


def build_dispatcher(ctx: BotContext, beat: Heartbeat | None = None) -> Dispatcher:
    dp = Dispatcher(ctx=ctx)  # handlers receive `ctx`
    dp.include_router(build_router())
    if beat is not None:

        async def count(
            handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
            event: TelegramObject,
            data: dict[str, Any],
        ) -> Any:
            beat.handled += 1  # the heartbeat row's `requests`: updates since the last beat
            return await handler(event, data)

        dp.update.outer_middleware(count)
    return dp


async def run(
    settings: Settings,
    *,
    polling_timeout_s: int = POLLING_TIMEOUT_S,
    stop: asyncio.Event | None = None,
    heartbeat_s: float = SAMPLE_EVERY_S,
) -> bool:
    """Long-poll until `stop` is set (or the task is cancelled); False when off (no token)."""
    if settings.telegram_bot_token is None:
        logger.info("telegram.bot.off", reason="TELEGRAM_BOT_TOKEN is not set")
        return False
    # the heartbeat: health's `process:bot` and telegram rows (a bot that died pages admins)
    async with (
        open_context(settings) as ctx,
        heartbeat(ctx.sessionmaker, "bot", heartbeat_s) as beat,
    ):
        bot = build_bot(settings)
        dp = build_dispatcher(ctx, beat)
        # One update at a time, each handled before the next getUpdates confirms it (its
        # offset): a bot killed mid-update gets it again after a restart (at-least-once; the
        # handlers are idempotent on a replay, service.link_chat). aiogram's default (a task
        # per update) confirms an update before its handler ran: killed, it is lost.
        polling = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                polling_timeout=polling_timeout_s,
                handle_as_tasks=False,
            )
        )
        waiter = asyncio.create_task((stop or asyncio.Event()).wait())
        try:
            await asyncio.wait({polling, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not polling.done():
                with contextlib.suppress(RuntimeError):  # "Polling is not started" (yet)
                    await dp.stop_polling()
                polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
            await bot.session.close()
    return True
