"""Binance payloads fuzzed through the fake exchange: events with missing fields, wrong types,
huge or negative numbers, misaligned times, unknown symbols, plus valid candles out of order and
twice. The feed must log and skip the bad ones, keep running, and store only true candles (the
first delivery of each minute), on PostgreSQL. Found with it: an integer past BIGINT or a decimal
past NUMERIC(36, 18) failed every later candle insert, and a negative, misaligned or backwards
candle was stored; the parser now refuses them (integrations/binance/schemas.py)."""

from __future__ import annotations

import copy
import dataclasses
import random
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import MemoryBus
from backend.db import make_engine, make_sessionmaker, transaction
from backend.integrations.binance.errors import ProtocolError
from backend.integrations.binance.schemas import Kline, parse_kline_event, parse_rest_kline
from backend.market.candles import MINUTE_MS, floor_open
from backend.market.pipeline import Pipeline
from backend.market.repository import CandleRepository, candle_row
from backend.market.state import MarketState
from tests.fakes.binance_events import kline_event, kline_row, trade_event
from tests.fakes.binance_server import FakeBinance
from tests.market.test_ingest_binance import Feed, eventually, feed_settings

WEIRD: list[Any] = [
    None, "", "abc", "NaN", "Infinity", "-1", "1e400", "9" * 40, 10**30, -(10**20), 1.5, True,
    [], {}, "0x10", " 1 ", "\uff11\uff12",
]  # fmt: skip
# kline fields the parser treats as optional (other sources lack them), with their columns
OPTIONAL = {"q": "quote_volume", "n": "trades", "V": "taker_buy_base", "Q": "taker_buy_quote"}
KEYS_K = ["t", "T", "s", "i", "o", "c", "h", "l", "v", "n", "x", "q", "V", "Q"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as server:
        yield server


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url, pool_size=2)
    yield make_sessionmaker(engine)
    await engine.dispose()


def mutate(rng: random.Random, event: dict[str, Any]) -> dict[str, Any] | Any:
    """One bad variant of a valid kline event."""
    bad = copy.deepcopy(event)
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([[], "kline", 42, None, {"e": "kline"}])  # not an event at all
    if roll < 0.25:
        del bad["k"][rng.choice(KEYS_K)]  # a missing field
    elif roll < 0.35:
        bad[rng.choice(["e", "E", "s", "k"])] = rng.choice(WEIRD)
    else:
        bad["k"][rng.choice(KEYS_K)] = rng.choice(WEIRD)  # a wrong type or absurd value
    return bad if bad != event else mutate(rng, event)  # e.g. True where True was


def semantic_garbage(base: int) -> list[dict[str, Any]]:
    """Well-typed events that still describe no real candle."""
    row = kline_row(base, "1m", "100", "101", "99", "100")
    out = []
    for key, value in [
        ("t", base + 1),  # not on a minute
        ("T", base),  # closes before it opens
        ("t", 10**19),  # past BIGINT
        ("t", -MINUTE_MS),  # before 1970
        ("s", "DOGEUSDT"),  # not a configured symbol
        ("i", "7m"),  # not an interval
        ("o", "-5"),  # a negative price
        ("c", "1" + "0" * 30),  # past NUMERIC(36, 18)
        ("v", "-1"),  # a negative volume
    ]:
        event = kline_event("BTCUSDT", "1m", row, closed=True)
        event["k"][key] = value
        out.append(event)
    return out


async def candles(sm: async_sessionmaker[AsyncSession]) -> dict[int, tuple[Decimal, ...]]:
    async with transaction(sm) as tx:
        rows = await CandleRepository(tx.session).klines(
            "BTCUSDT", "1m", start_time=0, end_time=None, limit=1000
        )
    return {r.open_time: (r.open, r.high, r.low, r.close, r.volume) for r in rows}


@pytest.mark.parametrize("seed", [1, 2])
async def test_bad_binance_events_are_skipped_and_valid_candles_stored_once(
    db_url: str,
    tmp_path: Path,
    fake: FakeBinance,
    sm: async_sessionmaker[AsyncSession],
    seed: int,
) -> None:
    rng = random.Random(seed)
    base = floor_open(int(time.time() * 1000), "1m") - 30 * MINUTE_MS
    rows = [
        kline_row(base + i * MINUTE_MS, "1m", "100", str(102 + i), "99", str(100 + i), "3")
        for i in range(6)
    ]
    # out of order (2 before 1), and minute 1 a second time with other prices (Binance resends a
    # closed candle after a reconnect; the first one stays)
    twice = kline_row(base + MINUTE_MS, "1m", "1", "2", "0.5", "1.5", "9")
    order = [rows[0], rows[2], rows[1], twice, rows[3], rows[4]]
    feed = Feed(feed_settings(db_url, tmp_path, fake), sm, MemoryBus())
    try:
        await fake.wait_subscribed("btcusdt@kline_1m")
        await fake.send_malformed()  # a broken frame: the stream reconnects
        await fake.wait_connections(2)
        await fake.wait_subscribed("btcusdt@kline_1m")
        junk_minute = base - 10 * MINUTE_MS  # older than all: a junk event that parses is dropped
        for row in order:
            if row is twice:  # the exchange's REST history keeps the first version
                await fake.push("btcusdt@kline_1m", kline_event("BTCUSDT", "1m", row, closed=True))
            else:
                await fake.push_kline("BTCUSDT", "1m", row, closed=True)
            for _ in range(15):
                valid = kline_event(
                    "BTCUSDT", "1m", kline_row(junk_minute, "1m", "100", "101", "99", "100"),
                    closed=True,
                )  # fmt: skip
                await fake.push("btcusdt@kline_1m", mutate(rng, valid))
            trade = trade_event("BTCUSDT", rng.randrange(10**6), "100", "1", base)
            await fake.push("btcusdt@trade", mutate(rng, {"k": dict.fromkeys(KEYS_K, 0)}) or trade)
        for event in semantic_garbage(base + 20 * MINUTE_MS):
            await fake.push("btcusdt@kline_1m", event)
        await fake.push_kline("BTCUSDT", "1m", rows[5], closed=True)
        # the feed is alive after all of it: the last valid candle arrives
        await eventually(lambda: _has(sm, rows[5][0]), timeout_s=30)
    finally:
        await feed.stop()
    stored = await candles(sm)
    expected = {int(str(r[0])): tuple(Decimal(str(r[i])) for i in (1, 2, 3, 4, 5)) for r in rows}
    for minute, values in stored.items():
        if minute in expected:
            assert values == expected[minute], (minute, values)
        else:
            raise AssertionError(f"a candle that no valid event described: {minute} {values}")
    # every in-order valid minute is there; minute 1 came after minute 2 on the stream, which the
    # candle builder drops as a re-delivery (a reconnect's REST backfill fills real gaps)
    missing = set(expected) - set(stored)
    assert missing <= {base + MINUTE_MS}, sorted(missing)


async def _has(sm: async_sessionmaker[AsyncSession], minute: int) -> bool:
    return minute in await candles(sm)


def test_each_mutation_is_refused_or_changes_nothing_stored() -> None:
    """The parser on 3,000 mutations: a ProtocolError, or (a field the store ignores) the same
    candle as the valid event. The generator never returns the valid event itself."""
    rng = random.Random(0)
    event = kline_event("BTCUSDT", "1m", kline_row(0, "1m", "1", "2", "0.5", "1"), closed=True)
    true = parse_kline_event(event).kline
    refused = 0
    for _ in range(3000):
        bad = mutate(rng, event)
        assert bad != event
        if not isinstance(bad, dict):
            refused += 1  # not an object: the stream reader drops it before any parser
            continue
        try:
            got = parse_kline_event(bad).kline
        except ProtocolError:
            refused += 1
            continue
        except (TypeError, AttributeError) as exc:  # pragma: no cover - the failure we look for
            raise AssertionError(f"{bad!r} crashed the parser: {exc!r}") from exc
        if got.symbol != true.symbol:
            continue  # another (unconfigured) symbol: the pipeline builds none for it
        got_row, true_row = candle_row(got, "binance"), candle_row(true, "binance")
        for key, column in OPTIONAL.items():  # absent: the parser's documented default
            if key not in bad["k"]:
                got_row.pop(column), true_row.pop(column)
        assert got_row == true_row, bad
    assert refused > 2500


async def test_a_row_the_database_refuses_does_not_stall_the_candle_store(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    """Past the parser's guard (a candle built in code): the batch with a row the database
    refuses is stored row by row, the bad row dropped, and later batches go through."""
    state = MarketState(["BTCUSDT"], ["1m"])
    pipeline = Pipeline(
        source="binance", symbols=["BTCUSDT"], intervals=["1m"], state=state,
        bus=MemoryBus(), sessionmaker=sm,
    )  # fmt: skip
    base = floor_open(int(time.time() * 1000), "1m") - 10 * MINUTE_MS

    def minute(i: int) -> Kline:
        row = kline_row(base + i * MINUTE_MS, "1m", "100", "101", "99", "100")
        return parse_rest_kline("BTCUSDT", "1m", row)

    bad = dataclasses.replace(minute(1), trades=10**19)  # past BIGINT
    for k in (minute(0), bad, minute(2)):
        await pipeline.on_kline_1m(k, 0, publish=False)
    assert await pipeline.flush() == 2
    await pipeline.on_kline_1m(minute(3), 0, publish=False)
    assert await pipeline.flush() == 1
    assert sorted(await candles(sm)) == [base, base + 2 * MINUTE_MS, base + 3 * MINUTE_MS]
