"""`/api/v1/market`: symbols, tickers, klines, feed status (../shared/API.md "Market").

The state these routes read is kept live by the market feed part (market/feed.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from backend.deps import SettingsDep, TxDep, runtime_of
from backend.fields import EpochMs, Interval, Symbol
from backend.integrations.binance.schemas import Kline, Ticker
from backend.market import service
from backend.market.rulebook import SymbolBook
from backend.market.schemas import (
    HistoryImportOut,
    KlineOut,
    KlinesOut,
    StatusOut,
    SymbolOut,
    SymbolsOut,
    TickerOut,
    TickersOut,
)
from backend.market.state import MarketState

router = APIRouter(prefix="/market", tags=["market"])


async def get_state(request: Request) -> MarketState:
    return runtime_of(request).market


StateDep = Annotated[MarketState, Depends(get_state)]


async def get_symbol_book(request: Request) -> SymbolBook:
    return runtime_of(request).symbols


SymbolBookDep = Annotated[SymbolBook, Depends(get_symbol_book)]


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
async def list_symbols(state: StateDep, book: SymbolBookDep) -> SymbolsOut:
    """The rules the server enforces on orders, parsed (the same object the engine reads)."""
    symbols = [SymbolOut.of(r, origin) for r, origin in service.list_symbols(book)]
    return SymbolsOut(source=state.status.source, symbols=symbols)


@router.get("/ticker", responses={404: {"description": "Unknown symbol"}})
async def get_ticker(symbol: Symbol, settings: SettingsDep, state: StateDep) -> TickerOut:
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
    symbol: Symbol,
    interval: Interval,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    start_time: Annotated[EpochMs | None, Query(description="epoch ms, inclusive")] = None,
    end_time: Annotated[EpochMs | None, Query(description="epoch ms, inclusive")] = None,
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
    imp = state.history_import
    return StatusOut(
        source=status.source,
        connected=status.connected,
        error=status.error,
        ingestor=status.ingestor,
        replay_time=state.replay_now_ms(),
        replay_speed=status.replay_speed,
        last_event_at=status.last_event_ms,
        symbols=state.symbols,
        intervals=state.intervals,
        depth_levels=settings.market_depth_levels,
        history_import=HistoryImportOut(
            state=imp.state, done=imp.done, total=imp.total, current=imp.current, error=imp.error
        ),
    )
