"""Replay source end to end: recorded candles -> ticks -> bus frames and stored candles.
Deterministic (two runs publish the same bytes), paced at REPLAY_SPEED (injected clock)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import MemoryBus
from backend.db import transaction
from backend.market.ingestor import run_feed
from backend.market.replay import ReplayClock, parse_start
from backend.market.repository import CandleRepository
from backend.market.sources.replay import ReplaySource
from backend.market.state import MarketState
from tests.conftest import SHARED, make_settings

DAY0 = "2024-12-30T00:00:00Z"  # the first 15m candle in ../shared/data
ROWS = 8 * 4  # eight hours of 15m candles


@pytest.fixture
def replay_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "15m"
    folder.mkdir(parents=True)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        src = SHARED / "data" / "binance" / "15m" / f"{symbol}.csv.gz"
        with gzip.open(src, "rt") as fh:
            lines = [fh.readline() for _ in range(ROWS + 1)]
        with gzip.open(folder / f"{symbol}.csv.gz", "wt") as out:
            out.writelines(lines)
    return tmp_path / "data"


class FakeWall:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def replay_once(
    db_url: str, tmp_path: Path, replay_dir: Path, sm: async_sessionmaker[AsyncSession]
) -> tuple[list[tuple[str, bytes]], FakeWall, MarketState]:
    settings = make_settings(
        db_url,
        tmp_path,
        market_source="replay",
        market_replay_dir=replay_dir,
        market_symbols=["BTCUSDT", "ETHUSDT", "LINKUSDT"],  # LINK has no data: skipped
        market_intervals=["1m", "15m", "1h", "1d"],
        replay_speed=600.0,
        replay_start="2024-12-30T04:00:00Z",
    )
    bus = MemoryBus()
    frames: list[tuple[str, bytes]] = []
    for channel in ("btcusdt@trade", "btcusdt@kline_15m", "ethusdt@ticker", "!miniTicker@arr"):
        await bus.subscribe(channel, lambda c, d: frames.append((c, d)))
    wall = FakeWall()
    start = parse_start(settings.replay_start)
    assert start is not None
    clock = ReplayClock(start, settings.replay_speed, monotonic=wall.monotonic, sleep=wall.sleep)
    state = MarketState(settings.market_symbols, settings.market_intervals)
    source = ReplaySource(settings, clock=clock)
    await run_feed(settings, sm, bus, state, source=source)  # returns at the end of the data
    assert source.finished
    return frames, wall, state


async def test_replay_is_deterministic_paced_and_stores_exact_candles(
    db_url: str, tmp_path: Path, replay_dir: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    first, wall, state = await replay_once(db_url, tmp_path, replay_dir, sm)
    second, _, _ = await replay_once(db_url, tmp_path, replay_dir, sm)
    assert first == second and len(first) > 100  # same bytes, same order

    # Pacing: 4 market hours (04:00 -> 08:00) at 600x take 24 s of (fake) wall time.
    assert wall.now - 1000.0 == pytest.approx(4 * 3600 / 600, abs=0.01)
    # Every frame says where it comes from; trades only after the start (no pre-roll frames).
    start = parse_start("2024-12-30T04:00:00Z")
    decoded = [json.loads(d) for _, d in first]
    assert {f["source"] for f in decoded} == {"replay"}
    trades = [f["data"] for f in decoded if f["stream"] == "btcusdt@trade"]
    assert trades and min(t["T"] for t in trades) >= start
    minis = [f["data"] for f in decoded if f["stream"] == "!miniTicker@arr"]
    assert not minis or all(isinstance(m, list) for m in minis)

    # Stored 15m candles equal the recorded file exactly (pre-roll included), once each.
    src = replay_dir / "15m" / "BTCUSDT.csv.gz"
    with gzip.open(src, "rt") as fh:
        rows = [line.strip().split(",") for line in fh.readlines()[1:]]
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        got = await repo.klines("BTCUSDT", "15m", start_time=0, end_time=None, limit=1000)
        hours = await repo.count("BTCUSDT", "1h")
        days = await repo.count("BTCUSDT", "1d")
    assert [(c.open_time, c.open, c.high, c.low, c.close, c.volume) for c in got] == [
        (int(r[0]), *(Decimal(v) for v in r[1:])) for r in rows
    ]
    assert hours == 8 and days == 0  # the day is unfinished: never stored as closed
    assert "LINKUSDT" not in state.tickers and "ETHUSDT" in state.tickers


async def test_replay_seeds_the_recorded_history_before_its_start(
    db_url: str, tmp_path: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    folder = tmp_path / "h" / "1h"
    folder.mkdir(parents=True)
    src = SHARED / "data" / "binance" / "1h" / "BTCUSDT.csv.gz"
    with gzip.open(src, "rt") as fh:
        lines = [fh.readline() for _ in range(20 * 24 + 2 + 1)]  # 20 days + 2 hours
    with gzip.open(folder / "BTCUSDT.csv.gz", "wt") as out:
        out.writelines(lines)
    settings = make_settings(
        db_url, tmp_path, market_source="replay", market_replay_dir=tmp_path / "h",
        market_symbols=["BTCUSDT"], market_intervals=["1m", "1h", "4h", "1d"],
        replay_speed=3600.0, replay_start="2022-01-21T00:00:00Z",
    )  # fmt: skip
    wall = FakeWall()
    start = parse_start(settings.replay_start)
    assert start is not None
    clock = ReplayClock(start, settings.replay_speed, monotonic=wall.monotonic, sleep=wall.sleep)
    state = MarketState(settings.market_symbols, settings.market_intervals)
    await run_feed(settings, sm, MemoryBus(), state, source=ReplaySource(settings, clock=clock))
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        counts = {i: await repo.count("BTCUSDT", i) for i in ("1h", "4h", "1d")}
        first_day = (await repo.klines("BTCUSDT", "1d", start_time=0, end_time=None, limit=1))[0]
    # 480 recorded hours before the start + the 2 replayed ones; 4h/1d rolled up from them.
    assert counts == {"1h": 482, "4h": 120, "1d": 20}
    with gzip.open(src, "rt") as fh:
        day0 = [line.split(",") for line in [fh.readline() for _ in range(25)][1:]]
    assert first_day.open == Decimal(day0[0][1]) and first_day.close == Decimal(day0[-1][4])
    assert first_day.high == max(Decimal(r[2]) for r in day0)
