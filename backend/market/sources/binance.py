"""Live Binance source: exchangeInfo (at start and every MARKET_RULES_REFRESH_S) and 24 h
tickers over REST, then the combined stream (`<s>@kline_1m`, `<s>@ticker`, `<s>@trade` per
symbol). Higher intervals are built from the 1m candles (backend/market/candles.py), so one kline
stream per symbol covers every interval.

History without holes: at start every stored interval is caught up over REST from its last
stored candle (up to 1000 candles; the backfill CLI does more), and the 1m candles of the
current 1d bucket prime the builder so higher-interval candles are whole. After every stream
reconnect the minutes since the drop are fetched over REST and run through the same builder.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

from loguru import logger

from backend import streams as stream_names
from backend.config import Settings
from backend.db import transaction
from backend.integrations.binance import errors as binance_errors
from backend.integrations.binance.client import BinanceRestClient
from backend.integrations.binance.schemas import (
    ExchangeInfo,
    KlineEvent,
    MiniTicker,
    SymbolInfo,
    Ticker,
    TradeEvent,
)
from backend.integrations.binance.stream import (
    BinanceStream,
    Connected,
    Disconnected,
    StreamMessage,
)
from backend.market import symbols as symbol_rules
from backend.market.candles import MINUTE_MS, floor_open, interval_ms
from backend.market.pipeline import Pipeline
from backend.market.repository import CandleRepository

CATCH_UP_LIMIT = 1000
GAP_MARGIN_MS = 5 * MINUTE_MS


def now_ms() -> int:
    return int(time.time() * 1000)


async def probe(rest_url: str, timeout_s: float = 3.0) -> bool:
    """Is Binance's REST API reachable (for MARKET_SOURCE=auto)?"""
    async with BinanceRestClient(rest_url, timeout_s=timeout_s, max_retries=0) as client:
        try:
            await client.ping()
        except binance_errors.BinanceError:
            return False
    return True


class BinanceSource:
    name = "binance"

    def __init__(
        self,
        settings: Settings,
        *,
        rest: BinanceRestClient | None = None,
        silence_timeout_s: float = 30.0,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.rest = rest or BinanceRestClient(settings.binance_rest_url)
        self._stream_kw = {
            "silence_timeout_s": silence_timeout_s,
            "backoff_base_s": backoff_base_s,
            "backoff_max_s": backoff_max_s,
        }
        self.stream: BinanceStream | None = None
        self.gaps_backfilled = 0

    async def run(self, sink: Pipeline) -> None:
        refresh: asyncio.Task[None] | None = None
        try:
            infos = await self._take_rules(sink)
            if self.settings.market_rules_refresh_s > 0:
                refresh = asyncio.create_task(self._refresh_rules(sink), name="market-rules")
            symbols = [i.symbol for i in infos]
            for ticker in await self.rest.tickers_24hr(symbols):
                await sink.on_ticker(ticker, publish=True)
            await self._catch_up(sink, symbols)
            names = [
                name
                for s in symbols
                for name in (
                    stream_names.kline(s, "1m"),
                    stream_names.ticker(s),
                    stream_names.trade(s),
                )
            ]
            self.stream = BinanceStream(
                self.settings.binance_ws_url,
                names,
                **self._stream_kw,
            )
            async for item in self.stream.events():
                if isinstance(item, StreamMessage):
                    await self._dispatch(sink, item)
                elif isinstance(item, Connected):
                    sink.set_connected(True)
                    if item.reconnect and item.down_since_ms is not None:
                        # Binance's kline updates carry the whole minute so far, so nothing is
                        # lost; kept, a failed backfill would see it closed with stale values.
                        sink.forget_forming()
                        await self._backfill_gap(sink, symbols, item.down_since_ms)
                elif isinstance(item, Disconnected):
                    sink.set_connected(False, f"stream {item.reason}")
        finally:
            if refresh is not None:
                refresh.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresh
            if self.stream is not None:
                await self.stream.close()
            await self.rest.aclose()

    async def _take_rules(self, sink: Pipeline) -> list[SymbolInfo]:
        """exchangeInfo -> the `symbols` table and every process's rule book (rulebook.py)."""
        info = await self._exchange_info()
        infos = symbol_rules.pick(info.symbols, self.settings.market_symbols)
        await sink.on_symbols(infos, "binance")
        return infos

    async def _refresh_rules(self, sink: Pipeline) -> None:
        """Binance changes a symbol's filters now and then (a new tick size, a halt): re-read
        exchangeInfo every MARKET_RULES_REFRESH_S so the engine and the web app follow."""
        while True:
            await asyncio.sleep(self.settings.market_rules_refresh_s)
            try:
                await self._take_rules(sink)
            except Exception:
                # the rules in force stay; the next round tries again
                logger.opt(exception=True).warning("market.rules.refresh_failed")

    async def _exchange_info(self) -> ExchangeInfo:
        try:
            return await self.rest.exchange_info(self.settings.market_symbols)
        except binance_errors.InvalidSymbol:
            # One unknown symbol fails the whole `symbols=[...]` request: take the full list.
            logger.warning("market.binance.unknown_symbol_in_config")
            return await self.rest.exchange_info()

    async def _dispatch(self, sink: Pipeline, msg: StreamMessage) -> None:
        event = msg.event
        if isinstance(event, KlineEvent):
            if event.kline.interval == "1m":
                await sink.on_kline_1m(event.kline, event.event_time)
        elif isinstance(event, Ticker):
            await sink.on_ticker(event)
        elif isinstance(event, TradeEvent):
            await sink.on_trade(event)
        elif isinstance(event, MiniTicker):
            pass  # derived from the full ticker by the pipeline

    async def _catch_up(self, sink: Pipeline, symbols: Sequence[str]) -> None:
        now = now_ms()
        for symbol in symbols:
            for interval in sink.intervals:
                async with transaction(sink.sessionmaker) as tx:
                    last = await CandleRepository(tx.session).last_open_time(symbol, interval)
                step = interval_ms(interval)
                start = last + step if last is not None else now - CATCH_UP_LIMIT * step
                start = max(start, now - CATCH_UP_LIMIT * step)
                klines = await self.rest.klines(
                    symbol, interval, start_time=start, limit=CATCH_UP_LIMIT
                )
                await sink.store_klines(klines)
            await self._prime(sink, symbol, now)

    async def _prime(self, sink: Pipeline, symbol: str, now: int) -> None:
        largest = max(sink.intervals, key=interval_ms, default="1m")
        start = floor_open(now, largest)
        async for page in self.rest.klines_between(symbol, "1m", start):
            for k in page:
                await sink.on_kline_1m(k, now, publish=False)

    async def _backfill_gap(self, sink: Pipeline, symbols: Sequence[str], down_since: int) -> None:
        # A few minutes of margin: re-fetching stored minutes is harmless (the store skips them).
        start = floor_open(down_since, "1m") - GAP_MARGIN_MS
        logger.bind(since=start, symbols=len(symbols)).info("market.binance.backfill_gap")
        for symbol in symbols:
            try:
                async for page in self.rest.klines_between(symbol, "1m", start):
                    for k in page:
                        await sink.on_kline_1m(k, now_ms(), publish=not k.closed)
            except binance_errors.BinanceError as exc:
                logger.bind(symbol=symbol, error=repr(exc)).warning(
                    "market.binance.backfill_failed"
                )
        await sink.flush()
        self.gaps_backfilled += 1
