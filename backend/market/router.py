"""`/api/v1/market`: symbols, tickers, klines, feed status (../shared/API.md "Market").

The router's lifespan (nested inside the core one, so engine and bus are up) starts the market
feed: the ingestor in this process (embedded default, or RUN_INGESTOR=yes), or — when another
process ingests (Redis deployments) — a follower that keeps this replica's live state from the
bus. Either way it registers the `market` readiness check.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from loguru import logger

from backend.bus import Bus, Subscription
from backend.config import Settings
from backend.deps import SettingsDep, TxDep
from backend.fields import Interval
from backend.integrations.binance.schemas import Kline, Ticker
from backend.market import service
from backend.market.ingestor import run_locked
from backend.market.schemas import (
    KlineOut,
    KlinesOut,
    StatusOut,
    SymbolOut,
    SymbolsOut,
    TickerOut,
    TickersOut,
)
from backend.market.state import STATUS_CHANNEL, MarketState


def ingest_here(settings: Settings) -> bool:
    if settings.run_ingestor == "yes":
        return True
    return settings.run_ingestor == "auto" and settings.redis_url is None


async def _follow(bus: Bus, state: MarketState) -> list[Subscription]:
    channels = [STATUS_CHANNEL]
    for s in state.symbols:
        name = s.lower()
        channels.append(f"{name}@ticker")
        channels.extend(f"{name}@kline_{i}" for i in state.intervals)
    return [await bus.subscribe(c, state.follow_frame) for c in channels]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    state = MarketState(list(settings.market_symbols), list(settings.market_intervals))
    app.state.market = state
    app.state.stream_snapshot = state.snapshot  # /ws sends it right after a SUBSCRIBE reply
    task: asyncio.Task[None] | None = None
    subs: list[Subscription] = []
    if ingest_here(settings):
        task = asyncio.create_task(
            run_locked(settings, app.state.sessionmaker, app.state.bus, state), name="market-feed"
        )
    elif settings.redis_url is not None:
        subs = await _follow(app.state.bus, state)
    else:
        logger.warning("market.feed_disabled")  # RUN_INGESTOR=no and nothing to follow
    if task is not None or subs:

        async def check() -> tuple[bool, dict[str, Any]]:
            return service.feed_ready(state)

        app.state.readiness_checks["market"] = check
    try:
        yield
    finally:
        for sub in subs:
            await sub.close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


router = APIRouter(prefix="/market", tags=["market"], lifespan=lifespan)


async def get_state(request: Request) -> MarketState:
    state: MarketState = request.app.state.market
    return state


StateDep = Annotated[MarketState, Depends(get_state)]


def _ticker_out(t: Ticker, source: str | None) -> TickerOut:
    return TickerOut(
        symbol=t.symbol,
        last_price=t.last_price,
        price_change=t.price_change,
        price_change_percent=t.price_change_percent,
        weighted_avg_price=t.weighted_avg_price,
        open_price=t.open_price,
        high_price=t.high_price,
        low_price=t.low_price,
        volume=t.volume,
        quote_volume=t.quote_volume,
        bid_price=t.bid_price,
        ask_price=t.ask_price,
        open_time=t.open_time,
        close_time=t.close_time,
        event_time=t.event_time,
        source=source,
    )


def _kline_out(k: Kline) -> KlineOut:
    return KlineOut(
        open_time=k.open_time,
        open=k.open,
        high=k.high,
        low=k.low,
        close=k.close,
        volume=k.volume,
        close_time=k.close_time,
        quote_volume=k.quote_volume,
        trades=k.trades,
        closed=k.closed,
    )


@router.get("/symbols")
async def list_symbols(tx: TxDep, settings: SettingsDep, state: StateDep) -> SymbolsOut:
    rows = await service.list_symbols(tx, settings)
    return SymbolsOut(
        source=state.status.source, symbols=[SymbolOut.model_validate(r) for r in rows]
    )


@router.get("/ticker", responses={404: {"description": "Unknown symbol"}})
async def get_ticker(symbol: str, settings: SettingsDep, state: StateDep) -> TickerOut:
    return _ticker_out(service.get_ticker(state, settings, symbol), state.status.source)


@router.get("/tickers")
async def list_tickers(settings: SettingsDep, state: StateDep) -> TickersOut:
    source = state.status.source
    tickers = [_ticker_out(t, source) for t in service.list_tickers(state, settings)]
    return TickersOut(source=source, tickers=tickers)


@router.get("/klines", responses={404: {"description": "Unknown symbol"}})
async def list_klines(
    tx: TxDep,
    settings: SettingsDep,
    state: StateDep,
    symbol: str,
    interval: Interval,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    start_time: Annotated[int | None, Query(ge=0, description="epoch ms, inclusive")] = None,
    end_time: Annotated[int | None, Query(ge=0, description="epoch ms, inclusive")] = None,
) -> KlinesOut:
    klines = await service.get_klines(
        tx,
        state,
        settings,
        symbol=symbol,
        interval=interval,
        limit=limit,
        start_time=start_time,
        end_time=end_time,
    )
    return KlinesOut(
        symbol=symbol.upper(),
        interval=interval,
        source=state.status.source,
        klines=[_kline_out(k) for k in klines],
    )


@router.get("/status")
async def get_status(state: StateDep, settings: SettingsDep) -> StatusOut:
    status = service.feed_status(state)
    return StatusOut(
        source=status.source,
        connected=status.connected,
        error=status.error,
        ingestor=status.ingestor,
        replay_time=state.now_ms() if status.source == "replay" else None,
        replay_speed=status.replay_speed,
        last_event_at=status.last_event_ms,
        symbols=state.symbols,
        intervals=state.intervals,
        depth_levels=settings.market_depth_levels,
    )
