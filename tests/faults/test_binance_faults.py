"""Binance faults in one run, through the fake exchange, the real stream client, the ingest
pipeline and PostgreSQL: the stream is dropped and refused for a while, then stalls (open, pings
answered, no data), then sends garbage, then re-delivers old candles out of order. Afterwards the
stored 1m candles are exactly the exchange's (every minute there, the gaps backfilled over REST,
none twice, none altered by the forming values seen before a fault), the live ticker is back on
the bus, and the feed's health reported the outage while it lasted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import MemoryBus
from backend.db import make_engine, make_sessionmaker, transaction
from backend.market.candles import MINUTE_MS, floor_open
from backend.market.feed import feed_health
from backend.market.ingestor import run_feed
from backend.market.repair import repair
from backend.market.repository import CandleRepository
from backend.market.sources.binance import BinanceSource
from backend.market.state import MarketState
from tests.conftest import make_settings
from tests.fakes.binance_events import kline_event, kline_row, ticker_event, trade_event
from tests.fakes.binance_server import FakeBinance
from tests.security.test_feed_fuzz import mutate, semantic_garbage

SILENCE_S = 2.0  # the stream client's data-silence timeout (production: 30 s)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as server:
        yield server


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url, pool_size=2)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def until(
    check: Callable[[], Awaitable[bool] | bool], what: str, timeout_s: float = 20.0
) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                got = check()
                if isinstance(got, Awaitable):
                    got = await got
                if got:
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


async def stored_1m(sm: async_sessionmaker[AsyncSession]) -> dict[int, tuple[Decimal, ...]]:
    async with transaction(sm) as tx:
        rows = await CandleRepository(tx.session).klines(
            "BTCUSDT", "1m", start_time=0, end_time=None, limit=1000
        )
    return {r.open_time: (r.open, r.high, r.low, r.close, r.volume) for r in rows}


def values(row: list[object]) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(row[i])) for i in (1, 2, 3, 4, 5))


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_drop_refusal_stall_garbage_and_redelivery_leave_the_exchange_candles(
    db_url: str, tmp_path: Path, fake: FakeBinance, sm: async_sessionmaker[AsyncSession]
) -> None:
    settings = make_settings(
        db_url, tmp_path, market_source="binance", market_symbols=["BTCUSDT"],
        market_intervals=["1m", "5m"], binance_rest_url=fake.rest_url,
        binance_ws_url=fake.ws_url, market_rules_refresh_s=0,
    )  # fmt: skip
    bus = MemoryBus()
    frames: list[tuple[str, dict[str, Any]]] = []
    for channel in ("btcusdt@kline_1m", "btcusdt@ticker"):
        await bus.subscribe(channel, lambda c, d: frames.append((c, json.loads(d))))
    state = MarketState(settings.market_symbols, settings.market_intervals)
    source = BinanceSource(
        settings, silence_timeout_s=SILENCE_S, backoff_base_s=0.05, backoff_max_s=0.2
    )
    started = time.time()
    task = asyncio.create_task(run_feed(settings, sm, bus, state, source=source))
    # Four real minutes that closed just now: a reconnect backfills the minutes since
    # (drop - 5 min), so these are what Binance would still have to give back.
    base = floor_open(int(time.time() * 1000), "1m") - 4 * MINUTE_MS
    opens = [base + i * MINUTE_MS for i in range(4)]
    truth = [
        kline_row(t, "1m", str(100 + i), str(110 + i), str(90 + i), str(105 + i), str(3 + i))
        for i, t in enumerate(opens)
    ]
    # What the stream showed of a minute before it closed (its high not reached yet).
    forming = [
        kline_row(t, "1m", str(100 + i), str(100 + i), str(90 + i), str(100 + i), "1")
        for i, t in enumerate(opens)
    ]
    rng = random.Random(14)
    try:
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push_kline("BTCUSDT", "1m", truth[0], closed=True)
        await fake.push("btcusdt@kline_1m", kline_event("BTCUSDT", "1m", forming[1], closed=False))
        await until(lambda: _has(sm, truth[0]), "the first live candle stored")

        # 1. dropped without a close frame, and the exchange refuses handshakes for a while;
        #    minute 1 closes meanwhile (only REST knows it)
        fake.refuse()
        fake.add_klines("BTCUSDT", "1m", [truth[1]])
        fake.drop()
        await until(lambda: feed_health(state, started)[1]["state"] == "down", "health down")
        outage = feed_health(state, started)[1]
        assert outage["connected"] is False and outage["error"] == "stream dropped", outage
        fake.refuse(False)
        await until(lambda: _has(sm, truth[1]), "minute 1 backfilled after the drop")
        await until(lambda: feed_health(state, started)[0], "health up after the reconnect")

        # 2. stalls: open and answering pings, no data; minute 2 closes unseen
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push("btcusdt@kline_1m", kline_event("BTCUSDT", "1m", forming[2], closed=False))
        connections = fake.connections_total
        fake.stall()
        await fake.push_kline("BTCUSDT", "1m", truth[2], closed=True)  # lost on the wire
        await fake.wait_connections(connections + 1, timeout_s=SILENCE_S * 5)
        fake.stall(False)
        await until(lambda: _has(sm, truth[2]), "minute 2 backfilled after the stall")

        # 3. garbage: a broken frame, mutated and semantically impossible events
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.send_malformed()
        junk = kline_event("BTCUSDT", "1m", truth[3], closed=True)
        for _ in range(40):
            await fake.push("btcusdt@kline_1m", mutate(rng, junk))
        for event in semantic_garbage(base + 3 * MINUTE_MS):
            await fake.push("btcusdt@kline_1m", event)
        await fake.push_kline("BTCUSDT", "1m", truth[3], closed=True)

        # 4. old candles again, out of order and with other values, and trades out of order
        for i in (2, 0, 1):
            lie = kline_row(opens[i], "1m", "1", "2", "0.5", "1.5", "99")
            await fake.push("btcusdt@kline_1m", kline_event("BTCUSDT", "1m", lie, closed=True))
            await fake.push(
                "btcusdt@kline_1m", kline_event("BTCUSDT", "1m", forming[i], closed=False)
            )
        for trade_id in (7, 5, 6, 5):
            await fake.push("btcusdt@trade", trade_event("BTCUSDT", trade_id, "104", "1", base))
        # the live ticker resumes: the marker is the last frame, so all of the above was read
        marker = int(time.time() * 1000)
        await fake.push("btcusdt@ticker", ticker_event("BTCUSDT", "123.45", marker))
        await until(
            lambda: any(f["data"]["E"] == marker for c, f in frames if c.endswith("ticker")),
            "the live ticker on the bus",
        )
        assert str(state.tickers["BTCUSDT"].last_price) == "123.45000000"
        assert feed_health(state, started)[0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # run_feed flushes the pipeline's buffered candles on the way out
    assert await stored_1m(sm) == {t: values(r) for t, r in zip(opens, truth, strict=True)}
    assert source.gaps_backfilled >= 2  # after the drop and after the stall
    assert source.stream is not None and source.stream.malformed >= 40
    closed = [
        f["data"]["k"]["t"] for c, f in frames if c.endswith("kline_1m") and f["data"]["k"]["x"]
    ]
    assert len(closed) == len(set(closed)), f"a closed candle published twice: {closed}"


async def _has(sm: async_sessionmaker[AsyncSession], row: list[object]) -> bool:
    return int(str(row[0])) in await stored_1m(sm)


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_a_failed_gap_backfill_leaves_a_hole_for_repair_never_the_forming_values(
    db_url: str, tmp_path: Path, fake: FakeBinance, sm: async_sessionmaker[AsyncSession]
) -> None:
    """REST fails (500, past the client's retries) during the reconnect's backfill: the minute
    the stream showed forming before the drop must not be stored with those values when the next
    minute arrives (before: it was, for good; the store keeps the first version). It stays a
    hole, and the `market.repair` job fills it from the exchange."""
    settings = make_settings(
        db_url, tmp_path, market_source="binance", market_symbols=["BTCUSDT"],
        market_intervals=["1m"], binance_rest_url=fake.rest_url, binance_ws_url=fake.ws_url,
        market_rules_refresh_s=0,
    )  # fmt: skip
    state = MarketState(settings.market_symbols, settings.market_intervals)
    source = BinanceSource(settings, silence_timeout_s=60, backoff_base_s=0.05, backoff_max_s=0.2)
    task = asyncio.create_task(run_feed(settings, sm, MemoryBus(), state, source=source))
    base = floor_open(int(time.time() * 1000), "1m") - 3 * MINUTE_MS
    opens = [base + i * MINUTE_MS for i in range(3)]
    truth = [kline_row(t, "1m", "100", "110", "90", str(101 + i), "3") for i, t in enumerate(opens)]
    forming = kline_row(opens[1], "1m", "100", "100", "95", "100", "1")
    try:
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push_kline("BTCUSDT", "1m", truth[0], closed=True)
        await fake.push("btcusdt@kline_1m", kline_event("BTCUSDT", "1m", forming, closed=False))
        await until(lambda: _has(sm, truth[0]), "the first live candle stored")
        fake.add_klines("BTCUSDT", "1m", [truth[1]])
        fake.fail_next(500, count=50, path="/api/v3/klines")
        fake.drop()
        await until(lambda: source.gaps_backfilled == 1, "the backfill to give up", 60)
        fake.faults.clear()  # REST is back
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.push_kline("BTCUSDT", "1m", truth[2], closed=True)
        await until(lambda: _has(sm, truth[2]), "the next live minute stored")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert sorted(await stored_1m(sm)) == [opens[0], opens[2]], (
        "minute 1 stored with the values seen before the drop"
    )
    repaired = await repair(settings, sm, symbols=["BTCUSDT"], intervals=["1m"])
    assert repaired.filled == 1
    assert await stored_1m(sm) == {t: values(r) for t, r in zip(opens, truth, strict=True)}
