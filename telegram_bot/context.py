"""What the bot's handlers share: the database and the backend objects they call."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

from backend.auth.principals import INVALIDATE_CHANNEL
from backend.bus import Bus, RedisBus
from backend.crypto import FieldCipher, build_cipher
from backend.db import Tx, make_engine, make_sessionmaker
from backend.market.rulebook import SymbolBook
from backend.trading.lifespan import build_trading_engine
from backend.users import changes

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from backend.config import Settings
    from backend.trading.engine import TradingEngine


@dataclass(frozen=True, slots=True)
class BotContext:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    cipher: FieldCipher
    trading: TradingEngine  # rules and config for /portfolio (prices: the stored marks)

    @property
    def secret(self) -> str:
        return self.settings.secret_key.get_secret_value()


class AnnounceUserChanges:
    """The bot's commits that change a user (linking a chat, /unlink) evict that user from every
    API replica's principal cache over the Redis bus, as the API's own changes do; /users/me's
    `telegram_linked` then shows it at once. Embedded (no Redis) the bot cannot reach the API's
    in-process bus: the API sees the change within AUTH_USER_CACHE_TTL_S (5 s)."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def user_changed(self, tx: Tx, user_id: int) -> None:
        async def announce() -> None:
            await self.bus.publish(INVALIDATE_CHANNEL, json.dumps({"user_id": user_id}).encode())

        tx.on_commit(announce)  # a failed publish is logged there; the TTL bounds the staleness


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[BotContext]:
    engine = make_engine(
        settings.database_url, pool_size=2, connect_timeout_s=settings.database_connect_timeout_s
    )
    sessionmaker = make_sessionmaker(engine)
    bus = None
    if settings.redis_url:
        bus = RedisBus(
            settings.redis_url,
            prefix=settings.redis_prefix,
            socket_timeout_s=settings.redis_socket_timeout_s,
        )
        changes.listen(sessionmaker, AnnounceUserChanges(bus))
    symbols = SymbolBook(settings.market_symbols)
    try:
        await symbols.load(sessionmaker)
    except Exception:  # the bundled snapshot's rules stand
        logger.opt(exception=True).warning("telegram.bot.rules_load_failed")
    try:
        yield BotContext(
            settings, sessionmaker, build_cipher(settings), build_trading_engine(settings, symbols)
        )
    finally:
        if bus is not None:
            await bus.close()
        await engine.dispose()
