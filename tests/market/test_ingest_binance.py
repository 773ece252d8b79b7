"""End to end through the fake Binance: stream -> pipeline -> bus subscribers and the candle
store, on SQLite and PostgreSQL, over the in-process and the Redis bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, MemoryBus
from backend.config import Settings
from backend.db import transaction
from backend.market.candles import MINUTE_MS, floor_open
from backend.market.ingestor import run_feed
from backend.market.repository import CandleRepository
from backend.market.sources.binance import BinanceSource
from backend.market.state import MarketState
from tests.conftest import make_settings
from tests.fakes.binance_events import kline_row, ticker_event, trade_event
from tests.fakes.binance_server import FakeBinance


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as server:
        yield server


def feed_settings(db_url: str, tmp_path: Path, fake: FakeBinance) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        market_source="binance",
        market_symbols=["BTCUSDT"],
        market_intervals=["1m", "5m"],
        binance_rest_url=fake.rest_url,
        binance_ws_url=fake.ws_url,
    )


class Feed:
    def __init__(self, settings: Settings, sm: async_sessionmaker[AsyncSession], bus: Bus) -> None:
        self.state = MarketState(settings.market_symbols, settings.market_intervals)
        self.source = BinanceSource(
            settings, silence_timeout_s=5, backoff_base_s=0.01, backoff_max_s=0.05
        )
        self.task = asyncio.create_task(run_feed(settings, sm, bus, self.state, source=self.source))

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.05)


async def stored(sm: async_sessionmaker[AsyncSession], interval: str) -> list[int]:
    async with transaction(sm) as tx:
        rows = await CandleRepository(tx.session).klines(
            "BTCUSDT", interval, start_time=0, end_time=None, limit=1000
        )
    return [r.open_time for r in rows]


async def test_stream_events_reach_bus_subscribers_as_browser_frames(
    db_url: str, tmp_path: Path, fake: FakeBinance, sm: async_sessionmaker[AsyncSession], bus: Bus
) -> None:
    got: list[tuple[str, bytes]] = []
    for channel in ("btcusdt@trade", "btcusdt@ticker", "btcusdt@kline_1m", "btcusdt@kline_5m"):
        await bus.subscribe(channel, lambda c, d: got.append((c, d)))
    feed = Feed(feed_settings(db_url, tmp_path, fake), sm, bus)
    try:
        await fake.wait_subscribed("btcusdt@trade")
        now = int(time.time() * 1000)
        minute = floor_open(now, "1m")
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", 42, "50000.5", "0.01", now))
        await fake.push("btcusdt@ticker", ticker_event("BTCUSDT", "50000.5", now))
        row = kline_row(minute, "1m", "50000", "50010", "49990", "50000.5", "2")
        await fake.push_kline("BTCUSDT", "1m", row, closed=False)

        async def four_kinds() -> bool:
            return {c for c, _ in got} >= {
                "btcusdt@trade", "btcusdt@ticker", "btcusdt@kline_1m", "btcusdt@kline_5m"
            }  # fmt: skip

        await eventually(four_kinds)
    finally:
        await feed.stop()
    frames = {c: json.loads(d) for c, d in got}
    trade = frames["btcusdt@trade"]
    assert trade == {
        "stream": "btcusdt@trade",
        "data": trade_event("BTCUSDT", 42, "50000.5", "0.01", now),
        "source": "binance",
    }
    five = frames["btcusdt@kline_5m"]["data"]["k"]
    assert five["t"] == floor_open(now, "5m") and five["c"] == "50000.50000000" and not five["x"]
    assert str(feed.state.tickers["BTCUSDT"].last_price) == "50000.50000000"


async def test_reconnect_gap_is_backfilled_and_candles_are_stored_once(
    db_url: str, tmp_path: Path, fake: FakeBinance, sm: async_sessionmaker[AsyncSession]
) -> None:
    bus = MemoryBus()
    closes: list[dict[str, object]] = []
    await bus.subscribe("btcusdt@kline_1m", lambda c, d: closes.append(json.loads(d)))
    feed = Feed(feed_settings(db_url, tmp_path, fake), sm, bus)
    base = floor_open(int(time.time() * 1000), "1m") - 3 * MINUTE_MS
    rows = [
        kline_row(base + i * MINUTE_MS, "1m", "100", "101", "99", str(100 + i)) for i in range(3)
    ]
    try:
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push_kline("BTCUSDT", "1m", rows[0], closed=True)
        await fake.push_kline("BTCUSDT", "1m", rows[1], closed=True)
        await eventually(lambda: _has(sm, 2))
        # Minute 2 closes while the stream is down: only REST knows it. Its backfill is also
        # rate limited once (429 + Retry-After) and must still complete.
        fake.add_klines("BTCUSDT", "1m", [rows[2]])
        fake.fail_next(429, code=-1003, msg="Too much request weight used", retry_after=1,
                       path="/api/v3/klines")  # fmt: skip
        fake.drop()
        await fake.wait_connections(2)
        await eventually(lambda: _has(sm, 3))
        # Re-delivery after the reconnect must not add anything.
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push_kline("BTCUSDT", "1m", rows[1], closed=True)
        await fake.push_kline("BTCUSDT", "1m", rows[2], closed=True)
        await asyncio.sleep(1.5)  # one pipeline flush period
    finally:
        await feed.stop()
    assert await stored(sm, "1m") == [base, base + MINUTE_MS, base + 2 * MINUTE_MS]
    assert feed.source.gaps_backfilled >= 1
    assert 429 in fake.statuses
    async with transaction(sm) as tx:
        assert await CandleRepository(tx.session).count("BTCUSDT", "1m") == 3


async def _has(sm: async_sessionmaker[AsyncSession], n: int) -> bool:
    return len(await stored(sm, "1m")) >= n
