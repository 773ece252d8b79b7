"""History a training needs, with live Binance: the job fetches the closed candles before its end
over REST first (market/history.backfill: pages of 1000, resumable, idempotent). With the replay
(recorded candles, imported in the background by the market domain) nothing is fetched."""

from __future__ import annotations

import time

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.integrations.binance.client import BinanceRestClient
from backend.integrations.binance.schemas import INTERVAL_MS
from backend.market import history

# Candles a training asks Binance for (about 2.3 years of 1h); fewer exist for a young symbol.
HISTORY_CANDLES = 20_000


def live_binance(settings: Settings) -> bool:
    return settings.market_source == "binance" or (
        settings.market_source == "auto" and settings.market_replay_dir is None
    )


async def ensure_history(
    settings: Settings,
    sm: async_sessionmaker[AsyncSession],
    symbol: str,
    interval: str,
    end_ms: int | None,
) -> None:
    """Store the last HISTORY_CANDLES closed candles before `end_ms` (default now) from Binance
    REST. A failure is logged, not raised: the training then uses what is stored (and says so
    if it is not enough)."""
    if not live_binance(settings) or interval not in INTERVAL_MS:
        return
    step = INTERVAL_MS[interval]
    until = (end_ms if end_ms is not None else int(time.time() * 1000)) - 1
    since = until - HISTORY_CANDLES * step
    try:
        async with BinanceRestClient(settings.binance_rest_url) as rest:
            got = await history.backfill(
                sm, rest, [symbol], interval, since, until_ms=until, show_progress=False
            )
    except Exception:
        logger.opt(exception=True).bind(symbol=symbol, interval=interval).warning(
            "forecast.backfill_failed"
        )
        return
    logger.bind(symbol=symbol, interval=interval, new=got.rows_new).info("forecast.backfilled")
