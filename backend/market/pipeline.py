"""The ingest pipeline every source feeds: normalize -> live state -> bus -> candle store.

Bus frames are the exact bytes a browser gets: `{"stream": name, "data": <Binance event>,
"source": "binance"|"replay"}`, serialized once here (the /ws hub forwards bytes as they are).
Channels are stream names (`btcusdt@kline_1m`, `!miniTicker@arr`). Closed candles are buffered
and written in batches by `flush()`; the store skips candles it already has, so re-delivery
(reconnect backfill, replay restart) never duplicates a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from typing import Any

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, BusUnavailable
from backend.db import transaction
from backend.integrations.binance.schemas import (
    Depth,
    Kline,
    SymbolInfo,
    Ticker,
    TradeEvent,
    partial_depth_stream,
)
from backend.market import symbols as symbol_rules
from backend.market.candles import CandleBuilder
from backend.market.repository import CandleRepository, SymbolRepository, candle_row
from backend.market.state import STATUS_CHANNEL, MarketState

MINI_ARR = "!miniTicker@arr"
SLOW_DEPTH_EVERY_S = 1.0  # `<symbol>@depth<N>` (no @100ms): Binance updates it every 1000 ms


def frame(stream: str, data: object, source: str) -> bytes:
    return json.dumps(
        {"stream": stream, "data": data, "source": source}, separators=(",", ":")
    ).encode()


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
        rows = [symbol_rules.symbol_row(i, origin) for i in infos]
        async with transaction(self.sessionmaker) as tx:
            await SymbolRepository(tx.session).upsert(rows)

    async def on_trade(self, trade: TradeEvent) -> None:
        await self.publish(f"{trade.symbol.lower()}@trade", trade.to_binance())

    async def on_depth(self, depth: Depth, levels: int) -> None:
        """A partial book: on `<s>@depth<N>@100ms` each time, on `<s>@depth<N>` once a second."""
        data = depth.to_binance()
        await self.publish(partial_depth_stream(depth.symbol, levels), data)
        now = time.monotonic()
        if now - self._slow_depth_at.get(depth.symbol, -SLOW_DEPTH_EVERY_S) >= SLOW_DEPTH_EVERY_S:
            self._slow_depth_at[depth.symbol] = now
            await self.publish(partial_depth_stream(depth.symbol, levels, fast=False), data)

    async def on_ticker(self, ticker: Ticker, *, publish: bool = True) -> None:
        self.state.set_ticker(ticker)
        self.state.touch()
        if not publish:
            return
        name = ticker.symbol.lower()
        mini = ticker.to_mini().to_binance()
        await self.publish(f"{name}@ticker", ticker.to_binance())
        await self.publish(f"{name}@miniTicker", mini)
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
                await self.publish(f"{update.symbol.lower()}@kline_{update.interval}", data)
        self.state.touch()

    async def store_klines(self, klines: Sequence[Kline]) -> int:
        """Store closed candles fetched over REST (any interval) now; returns the new rows."""
        rows = [candle_row(k, self.source) for k in klines if k.closed]
        async with transaction(self.sessionmaker) as tx:
            new = await CandleRepository(tx.session).insert_candles(rows)
        self.stored += new
        return new

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
        payload = frame(stream, data, self.source)
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
            except Exception:
                self._pending[:0] = rows  # keep them for the next flush
                logger.opt(exception=True).bind(rows=len(rows)).error("market.store_failed")
                return 0
            self.stored += new
            return new

    async def publish_minis(self) -> None:
        """`!miniTicker@arr`: only the symbols that changed since the last call (Binance: 1 s)."""
        if not self._changed_minis:
            return
        minis, self._changed_minis = list(self._changed_minis.values()), {}
        await self.publish(MINI_ARR, minis)

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
