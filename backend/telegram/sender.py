"""The "telegram" channel of the notification outbox: `sendMessage` to the user's linked chat.

429: `RetryLater(retry_after)` as Telegram asks; 5xx, a timeout or no connection: `RetryLater`
with a growing delay; 400/403 (chat gone, bot blocked) and no linked chat: `PermanentFailure`.
The Bot API has no idempotency key, so a sendMessage whose answer is lost may arrive twice; the
outbox (backend/notifications) never starts a delivery again once it was recorded as sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx
from loguru import logger

from backend.crypto import FieldCipher
from backend.db import transaction
from backend.notifications.channels import (
    TELEGRAM,
    Delivery,
    PermanentFailure,
    RetryLater,
    register_sender,
    unregister_sender,
)
from backend.telegram import redact, service
from backend.telegram.botapi import BotApi, BotApiError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from backend.runtime import Runtime

MAX_BACKOFF_S = 300.0
TEXT_LIMIT = 4096  # Telegram's message length limit


def backoff_s(attempt: int) -> float:
    return min(MAX_BACKOFF_S, 2.0 ** max(1, attempt))


def message_text(delivery: Delivery) -> str:
    return f"{delivery.title}\n\n{delivery.body}"[:TEXT_LIMIT]


class TelegramSender:
    channel = TELEGRAM

    def __init__(
        self,
        api: BotApi,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        client: httpx.AsyncClient,
    ) -> None:
        self.api = api
        self.sessionmaker = sessionmaker
        self.cipher = cipher
        self.client = client

    async def send(self, delivery: Delivery) -> None:
        async with transaction(self.sessionmaker) as tx:
            chat_id = await service.chat_of_user(tx, self.cipher, delivery.user_id)
        if chat_id is None:
            raise PermanentFailure("no Telegram chat is linked")
        params = {"chat_id": chat_id, "text": message_text(delivery)}
        try:
            await self.api.call(self.client, "sendMessage", params)
        except BotApiError as exc:
            if exc.status == 429:
                raise RetryLater(exc.retry_after or backoff_s(delivery.attempt), "429") from exc
            if exc.status >= 500 or exc.status == 401:  # a server error; a token being fixed
                raise RetryLater(backoff_s(delivery.attempt), str(exc)) from exc
            raise PermanentFailure(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise RetryLater(backoff_s(delivery.attempt), type(exc).__name__) from exc


@asynccontextmanager
async def telegram_sender(rt: Runtime) -> AsyncIterator[None]:
    """The part: registers the telegram sender while TELEGRAM_BOT_TOKEN is set (else: off)."""
    token = rt.settings.telegram_bot_token
    if token is None:
        yield
        return
    redact.install()
    api = BotApi(rt.settings.telegram_api_url, token.get_secret_value())
    async with httpx.AsyncClient() as client:
        register_sender(TelegramSender(api, rt.sessionmaker, rt.cipher, client))
        logger.info("telegram.sender.on")
        try:
            yield
        finally:
            unregister_sender(TELEGRAM)
