"""What the bot's handlers share: the database and the backend objects they call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

from backend.crypto import FieldCipher, build_cipher
from backend.db import make_engine, make_sessionmaker
from backend.market.rulebook import SymbolBook
from backend.trading.lifespan import build_trading_engine

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


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[BotContext]:
    engine = make_engine(
        settings.database_url, pool_size=2, connect_timeout_s=settings.database_connect_timeout_s
    )
    sessionmaker = make_sessionmaker(engine)
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
        await engine.dispose()
