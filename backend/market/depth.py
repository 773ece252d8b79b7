"""Partial order book from live Binance: `<symbol>@depth<N>@100ms` on a connection of its own.

Only with the live Binance source and MARKET_DEPTH_LEVELS > 0 (the replay data has trades and
candles but no book). A second combined-stream connection keeps ten book frames per second per
symbol from queueing behind (or in front of) the trade and kline events; it reconnects on its
own (BinanceStream) and needs no REST backfill: every frame is a whole snapshot of the top N.

The pipeline (`Pipeline.on_depth`) publishes each book on `<symbol>@depth<N>@100ms` and, at most
once a second, on `<symbol>@depth<N>`: the two cadences Binance offers, under its own names.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from loguru import logger

from backend import streams
from backend.config import Settings
from backend.integrations.binance.schemas import Depth
from backend.integrations.binance.stream import BinanceStream, StreamMessage
from backend.market.pipeline import Pipeline
from backend.market.sources import MarketSource

RESTART_DELAY_S = 5.0


class DepthSource:
    def __init__(
        self,
        settings: Settings,
        symbols: Sequence[str] | None = None,
        *,
        silence_timeout_s: float = 30.0,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.levels = settings.market_depth_levels
        self.url = settings.binance_ws_url
        self.symbols = [s.upper() for s in (symbols or settings.market_symbols)]
        self._stream_kw = {
            "silence_timeout_s": silence_timeout_s,
            "backoff_base_s": backoff_base_s,
            "backoff_max_s": backoff_max_s,
        }
        self.stream: BinanceStream | None = None
        self.books = 0

    @property
    def streams(self) -> list[str]:
        return [streams.partial_depth(s, self.levels) for s in self.symbols]

    async def run(self, sink: Pipeline) -> None:
        self.stream = BinanceStream(self.url, self.streams, **self._stream_kw)
        try:
            async for item in self.stream.events():
                if not isinstance(item, StreamMessage):
                    continue  # Connected / Disconnected: the main stream reports the feed status
                event = item.event
                if isinstance(event, Depth) and event.symbol:
                    self.books += 1
                    await sink.on_depth(event, self.levels)
        finally:
            await self.stream.close()


def wants_depth(settings: Settings, source: MarketSource) -> bool:
    return source.name == "binance" and settings.market_depth_levels > 0


async def run_depth(source: DepthSource, sink: Pipeline) -> None:
    """Run the depth connection until cancelled; a crash restarts it (the book is optional)."""
    while True:
        try:
            await source.run(sink)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.opt(exception=True).error("market.depth.crashed")
        await asyncio.sleep(RESTART_DELAY_S)


def start_depth(
    settings: Settings, source: MarketSource, sink: Pipeline
) -> asyncio.Task[None] | None:
    if not wants_depth(settings, source):
        return None
    depth = DepthSource(settings)
    logger.bind(levels=depth.levels, symbols=len(depth.symbols)).info("market.depth.start")
    return asyncio.create_task(run_depth(depth, sink), name="market-depth")


async def stop_depth(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
