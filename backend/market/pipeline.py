"""The ingest pipeline every source feeds: normalize -> live state -> bus -> candle store.

Bus frames are the exact bytes a combined-stream client gets (`streams.market_frame`),
serialized once here (the /ws hub forwards them as they are, or their `data` to raw clients).
Channels are stream names (backend/streams.py: `btcusdt@kline_1m`, `!miniTicker@arr`). Closed
candles are buffered and written in batches by `flush()`; the store skips candles it already
has, so re-delivery (reconnect backfill, replay restart) never duplicates a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from typing import Any

from loguru import logger
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import streams
from backend.bus import Bus, BusUnavailable
from backend.db import transaction
from backend.integrations.binance.schemas import (
    Depth,
    Kline,
    SymbolInfo,
    Ticker,
    TradeEvent,
)
from backend.market import symbols as symbol_rules
from backend.market.candles import CandleBuilder
from backend.market.filters import SymbolRules
from backend.market.repository import CandleRepository, SymbolRepository, candle_row
from backend.market.rulebook import RULES_CHANNEL, rules_message
from backend.market.state import STATUS_CHANNEL, MarketState


def _refused(exc: Exception) -> bool:
    """The database refused the data (a value out of range, a constraint), as opposed to being
    unreachable or losing the connection (then the rows wait for the next flush)."""
    if isinstance(exc, OperationalError | SATimeoutError):
        return False
    return isinstance(exc, DBAPIError) and not exc.connection_invalidated


SLOW_DEPTH_EVERY_S = 1.0  # `<symbol>@depth<N>` (no @100ms): Binance updates it every 1000 ms


class Pipeline:
    def __init__(
        self,
        *,
        source: str,
        symbols: Sequence[str],
        intervals: Sequence[str],
        state: MarketState,
        bus: Bus,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self.source = source
        self.intervals = [i for i in intervals if i != "1M"]
        self.state = state
        self.bus = bus
        self.sessionmaker = sessionmaker
        self.builders = {s: CandleBuilder(s, self.intervals) for s in symbols}
        self._pending: list[dict[str, Any]] = []
        self._changed_minis: dict[str, dict[str, object]] = {}
        self._flush_lock = asyncio.Lock()
        self._slow_depth_at: dict[str, float] = {}
        self.stored = 0
        self.published = 0
        state.status.source = source

    # ------------------------------------------------------------------ sink API

    async def on_symbols(self, infos: Sequence[SymbolInfo], origin: str) -> None:
        """Store the exchangeInfo the source took, then tell every process's rule book
        (market/rulebook.py): they parse the same objects with the same parser."""
        raw = [i.raw for i in infos]
        rows = [symbol_rules.symbol_row(SymbolRules.from_exchange_info(r), r, origin) for r in raw]
        async with transaction(self.sessionmaker) as tx:
            await SymbolRepository(tx.session).upsert(rows)
        try:
            await self.bus.publish(RULES_CHANNEL, rules_message(raw, origin))
        except BusUnavailable:
            # the books keep the rules they have; the next refresh (or restart) brings these
            logger.warning("market.rules.publish_failed")

    async def on_trade(self, trade: TradeEvent) -> None:
        await self.publish(streams.trade(trade.symbol), trade.to_binance())

    async def on_depth(self, depth: Depth, levels: int) -> None:
        """A partial book: on `<s>@depth<N>@100ms` each time, on `<s>@depth<N>` once a second."""
        data = depth.to_binance()
        await self.publish(streams.partial_depth(depth.symbol, levels), data)
        now = time.monotonic()
        if now - self._slow_depth_at.get(depth.symbol, -SLOW_DEPTH_EVERY_S) >= SLOW_DEPTH_EVERY_S:
            self._slow_depth_at[depth.symbol] = now
            await self.publish(streams.partial_depth(depth.symbol, levels, fast=False), data)

    async def on_ticker(self, ticker: Ticker, *, publish: bool = True) -> None:
        self.state.set_ticker(ticker)
        self.state.touch()
        if not publish:
            return
        mini = ticker.to_mini().to_binance()
        await self.publish(streams.ticker(ticker.symbol), ticker.to_binance())
        await self.publish(streams.mini_ticker(ticker.symbol), mini)
        self._changed_minis[ticker.symbol] = mini

    async def on_kline_1m(self, k: Kline, event_time: int, *, publish: bool = True) -> None:
        builder = self.builders.get(k.symbol)
        if builder is None:
            return
        for update in builder.apply_1m(k):
            self.state.set_candle(update)
            if update.closed:
                self._pending.append(candle_row(update, self.source))
            if publish:
                data = {
                    "e": "kline",
                    "E": event_time,
                    "s": update.symbol,
                    "k": update.to_binance_k(),
                }
                await self.publish(streams.kline(update.symbol, update.interval), data)
        self.state.touch()

    async def store_klines(self, klines: Sequence[Kline]) -> int:
        """Store closed candles fetched over REST (any interval) now; returns the new rows."""
        rows = [candle_row(k, self.source) for k in klines if k.closed]
        async with transaction(self.sessionmaker) as tx:
            new = await CandleRepository(tx.session).insert_candles(rows)
        self.stored += new
        return new

    def forget_forming(self) -> None:
        """A stream gap: no forming minute may be closed with the values seen before it."""
        for builder in self.builders.values():
            builder.discard_forming()

    def set_connected(self, connected: bool, error: str | None = None) -> None:
        self.state.status.connected = connected
        self.state.status.error = error

    async def finish(self) -> None:
        """End of the source (replay reached the end of its data, shutdown): close and store."""
        for builder in self.builders.values():
            for update in builder.flush():
                self.state.set_candle(update)
                self._pending.append(candle_row(update, self.source))
        await self.flush()

    # ------------------------------------------------------------------ mechanics

    async def publish(self, stream: str, data: object) -> None:
        payload = streams.market_frame(stream, data, self.source)
        self.state.remember_frame(stream, payload)
        try:
            await self.bus.publish(stream, payload)
            self.published += 1
        except BusUnavailable:
            logger.bind(stream=stream).warning("market.publish_failed")

    async def flush(self) -> int:
        async with self._flush_lock:
            rows, self._pending = self._pending, []
            if not rows:
                return 0
            try:
                async with transaction(self.sessionmaker) as tx:
                    new = await CandleRepository(tx.session).insert_candles(rows)
            except Exception as exc:
                if len(rows) > 1 and _refused(exc):
                    return await self._store_each(rows)
                self._pending[:0] = rows  # keep them for the next flush
                logger.opt(exception=True).bind(rows=len(rows)).error("market.store_failed")
                return 0
            self.stored += new
            return new

    async def _store_each(self, rows: list[dict[str, Any]]) -> int:
        """The database refused the batch (not an outage): one bad row must not hold back the
        others for good, so store each alone and drop the ones it refuses."""
        new = 0
        for i, row in enumerate(rows):
            try:
                async with transaction(self.sessionmaker) as tx:
                    new += await CandleRepository(tx.session).insert_candles([row])
            except Exception as exc:
                if not _refused(exc):  # the database went away meanwhile: retry the rest later
                    self._pending[:0] = rows[i:]
                    logger.opt(exception=True).bind(rows=len(rows) - i).error("market.store_failed")
                    break
                logger.opt(exception=True).bind(
                    symbol=row.get("symbol"),
                    interval=row.get("interval"),
                    open_time=row.get("open_time"),
                ).error("market.candle_refused")
        self.stored += new
        return new

    async def publish_minis(self) -> None:
        """`!miniTicker@arr`: only the symbols that changed since the last call (Binance: 1 s)."""
        if not self._changed_minis:
            return
        minis, self._changed_minis = list(self._changed_minis.values()), {}
        await self.publish(streams.MINI_TICKER_ARR, minis)

    async def publish_status(self) -> None:
        status = self.state.status
        if status.source == "replay" and self.state.market_clock is not None:
            status.replay_time_ms = self.state.market_clock()
        with contextlib.suppress(BusUnavailable):
            await self.bus.publish(STATUS_CHANNEL, json.dumps(status.to_json()).encode())

    async def run_periodic(self, every_s: float = 1.0) -> None:
        while True:
            await asyncio.sleep(every_s)
            await self.flush()
            await self.publish_minis()
            await self.publish_status()
