"""Market reads for HTTP, /ws, trading and health: symbol rules, stored candles, live state."""

from __future__ import annotations

from typing import ClassVar

from backend.config import Settings
from backend.db import Tx
from backend.errors import AppError, NotFound, Unavailable
from backend.integrations.binance.schemas import Kline, Ticker
from backend.market.filters import SymbolRules
from backend.market.repository import CandleRepository, candle_to_kline
from backend.market.rulebook import SymbolBook
from backend.market.state import FeedStatus, MarketState


class SymbolNotFound(NotFound):
    code = "symbol_not_found"
    message = "Unknown symbol"


class IntervalNotAvailable(AppError):
    status: ClassVar[int] = 422
    code = "interval_not_available"
    message = "Interval not stored"


class TickerUnavailable(Unavailable):
    code = "ticker_unavailable"
    message = "No ticker received for this symbol yet"


def _check_symbol(settings: Settings, symbol: str) -> str:
    symbol = symbol.upper()
    if symbol not in settings.market_symbols:
        raise SymbolNotFound(details={"symbol": symbol})
    return symbol


def list_symbols(book: SymbolBook) -> list[tuple[SymbolRules, str]]:
    """Each configured symbol with rules, in MARKET_SYMBOLS' order, with their origin. `book` is
    the process's `Runtime.symbols`: the very object the trading engine enforces."""
    return [(book[s], book.origin(s)) for s in book]


def get_ticker(state: MarketState, settings: Settings, symbol: str) -> Ticker:
    symbol = _check_symbol(settings, symbol)
    ticker = state.tickers.get(symbol)
    if ticker is None:
        raise TickerUnavailable(details={"symbol": symbol})
    return ticker


def list_tickers(state: MarketState, settings: Settings) -> list[Ticker]:
    return [state.tickers[s] for s in settings.market_symbols if s in state.tickers]


async def get_klines(
    tx: Tx,
    state: MarketState,
    settings: Settings,
    *,
    symbol: str,
    interval: str,
    limit: int,
    start_time: int | None,
    end_time: int | None,
) -> list[Kline]:
    """Stored closed candles (Binance's start/end/limit rules) plus the forming candle last.
    While replaying, nothing after the replay clock is shown, even if it was imported."""
    symbol = _check_symbol(settings, symbol)
    if interval not in settings.market_intervals:
        raise IntervalNotAvailable(
            details={"interval": interval, "available": list(settings.market_intervals)}
        )
    now = state.now_ms()
    end = now if end_time is None else min(end_time, now)
    rows = await CandleRepository(tx.session).klines(
        symbol, interval, start_time=start_time, end_time=end, limit=limit
    )
    stored = [candle_to_kline(r) for r in rows if r.close_time < now]
    by_open = {k.open_time: k for k in stored}
    for live in (
        state.recent_closed.get((symbol, interval)),
        state.forming.get((symbol, interval)),
    ):
        if (
            live is not None
            and (not stored or live.open_time > stored[-1].open_time)
            and (start_time is None or live.open_time >= start_time)
            and live.open_time <= end
        ):
            by_open[live.open_time] = live
    klines = [by_open[t] for t in sorted(by_open)]
    if len(klines) > limit:
        klines = klines[:limit] if start_time is not None else klines[-limit:]
    return klines


def feed_status(state: MarketState) -> FeedStatus:
    return state.status
