"""Replay clock jumps, on the real replay source, pipeline and database (recorded candles from
../shared/data, a wall clock the test controls):

* forward: the process stops (SIGSTOP, a stalled loop) and the clock runs hours ahead: the missed
  ticks are played back to back, every candle stored exactly once, and the event loop still gets
  its turns meanwhile (before: none, the API froze for the whole catch-up on the in-process bus);
* a restart within the process's life (the source crashed; or a SIGKILLed `make ingestor`
  process, whose lease an API process that followed its frames takes over): the replay resumes
  just after the time it had shown, so the status clock and the trades never go back and no
  candle is stored twice or rewritten (before: it started again from REPLAY_START, hours back);
* backwards for real (a whole deployment restarted replays from REPLAY_START): a change_pct alert
  does not fire on the move from the old run's prices, which are the market's future now.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import MemoryBus
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, transaction
from backend.main import create_app
from backend.market import service
from backend.market.feed import INGESTOR_LEASE
from backend.market.ingestor import run_feed
from backend.market.replay import ReplayClock, parse_start
from backend.market.repository import CandleRepository
from backend.market.sources.replay import ReplaySource
from backend.market.state import MarketState
from tests.alerts.conftest import create, new_checker
from tests.alerts.test_checker import firings
from tests.conftest import REDIS_URL, ROOT, SHARED, asgi_client, make_settings
from tests.trading.conftest import make_user, trading_settings

HOUR = 3_600_000
DAY0 = parse_start("2024-12-30T00:00:00Z")  # the first 15m candle in ../shared/data
ROWS = 6 * 4  # six hours of 15m candles
SPEED = 600.0


@pytest.fixture
def replay_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "15m"
    folder.mkdir(parents=True)
    src = SHARED / "data" / "binance" / "15m" / "BTCUSDT.csv.gz"
    with gzip.open(src, "rt") as fh:
        lines = [fh.readline() for _ in range(ROWS + 1)]
    with gzip.open(folder / "BTCUSDT.csv.gz", "wt") as out:
        out.writelines(lines)
    return tmp_path / "data"


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url, pool_size=2)
    yield make_sessionmaker(engine)
    await engine.dispose()


class Wall:
    """The replay's monotonic clock and sleep: time moves only when the replay sleeps; `jump`
    adds `by_s` once the wall reaches `at_s` (the process was stopped that long)."""

    def __init__(self, *, jump_at_s: float | None = None, by_s: float = 0.0) -> None:
        self.now = 1000.0
        self.jump_at = None if jump_at_s is None else 1000.0 + jump_at_s
        self.by_s = by_s
        self.crash_at: float | None = None

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if self.crash_at is not None and self.now + seconds >= self.crash_at:
            raise RuntimeError("injected crash of the replay source")
        self.now += seconds
        if self.jump_at is not None and self.now >= self.jump_at:
            self.now += self.by_s
            self.jump_at = None
        await asyncio.sleep(0)


def settings_for(db_url: str, tmp_path: Path, replay_dir: Path, start: int) -> Settings:
    return make_settings(
        db_url, tmp_path, market_source="replay", market_replay_dir=replay_dir,
        market_symbols=["BTCUSDT"], market_intervals=["1m", "15m"], replay_speed=SPEED,
        replay_start=str(start),
    )  # fmt: skip


def recorded_15m(replay_dir: Path) -> list[tuple[int, D, D, D, D, D]]:
    with gzip.open(replay_dir / "15m" / "BTCUSDT.csv.gz", "rt") as fh:
        rows = [line.strip().split(",") for line in fh.readlines()[1:]]
    return [(int(r[0]), D(r[1]), D(r[2]), D(r[3]), D(r[4]), D(r[5])) for r in rows]


async def stored(sm: async_sessionmaker[AsyncSession], interval: str) -> list[tuple[object, ...]]:
    async with transaction(sm) as tx:
        rows = await CandleRepository(tx.session).klines(
            "BTCUSDT", interval, start_time=0, end_time=None, limit=1000
        )
    return [(r.open_time, r.open, r.high, r.low, r.close, r.volume) for r in rows]


def trade_times(frames: list[bytes]) -> list[int]:
    return [int(json.loads(f)["data"]["T"]) for f in frames]


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_a_forward_jump_is_caught_up_in_order_without_freezing_the_loop(
    db_url: str, tmp_path: Path, replay_dir: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    assert DAY0 is not None
    start = DAY0 + HOUR
    settings = settings_for(db_url, tmp_path, replay_dir, start)
    # one market hour after the start the process stops for 18 s: 3 market hours at 600x
    wall = Wall(jump_at_s=HOUR / 1000 / SPEED, by_s=3 * HOUR / 1000 / SPEED)
    clock = ReplayClock(start, SPEED, monotonic=wall.monotonic, sleep=wall.sleep)
    bus, state = MemoryBus(), MarketState(["BTCUSDT"], ["1m", "15m"])
    trades: list[bytes] = []
    await bus.subscribe("btcusdt@trade", lambda c, d: trades.append(d))
    turns: list[int] = []  # the newest trade each turn of the loop found
    seen_ahead: list[str] = []

    async def other_work() -> None:  # what the API's requests would be doing meanwhile
        while True:
            if trades:
                turns.append(trade_times(trades[-1:])[0])
            now = state.replay_now_ms()
            forming = state.forming.get(("BTCUSDT", "1m"))
            if now is not None and forming is not None and forming.open_time > now:
                seen_ahead.append(f"forming {forming.open_time} after the clock {now}")
            await asyncio.sleep(0)

    source = ReplaySource(settings, clock=clock)
    other = asyncio.create_task(other_work())
    try:
        await run_feed(settings, sm, bus, state, source=source)
    finally:
        other.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await other
    times = trade_times(trades)
    assert times == sorted(set(times)) and times[0] >= start  # in order, none twice
    assert [t for t in range(times[0], times[-1] + 1, 5000)] == times  # no tick skipped
    assert await stored(sm, "15m") == recorded_15m(replay_dir)
    # the jump's three hours of ticks were played back to back; the loop had turns inside them
    inside = {t for t in turns if start + HOUR < t < start + 4 * HOUR - 5 * 60_000}
    assert len(inside) >= 10, f"the loop got {len(inside)} turns in a 3 h catch-up"
    assert seen_ahead == []


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_a_restarted_replay_resumes_after_the_time_it_showed(
    db_url: str, tmp_path: Path, replay_dir: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    assert DAY0 is not None
    start = DAY0 + HOUR
    settings = settings_for(db_url, tmp_path, replay_dir, start)
    fast = settings.model_copy(update={"replay_speed": 36_000.0})
    wall = Wall()
    wall.crash_at = 1000.0 + 2 * HOUR / 1000 / SPEED  # two market hours in
    clock = ReplayClock(start, SPEED, monotonic=wall.monotonic, sleep=wall.sleep)
    bus, state = MemoryBus(), MarketState(["BTCUSDT"], ["1m", "15m"])
    trades: list[bytes] = []
    await bus.subscribe("btcusdt@trade", lambda c, d: trades.append(d))
    shown: list[int] = []

    async def watch_status() -> None:
        while True:
            now = state.replay_now_ms()
            if now is not None:
                shown.append(now)
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch_status())
    # The crash ends the first source; run_feed starts a new one (the real clock, 10 market
    # hours a real second) as it would after any crash, and returns at the end of the data.
    source = ReplaySource(fast, clock=clock)
    try:
        await asyncio.wait_for(run_feed(fast, sm, bus, state, source=source), 60)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    crash = start + 2 * HOUR
    assert any(t < crash for t in shown) and any(t > crash for t in shown)
    backwards = [(a, b) for a, b in itertools.pairwise(shown) if b < a]
    assert backwards == [], f"the status clock went back: {backwards[:3]}"
    times = trade_times(trades)
    assert times == sorted(set(times)), "a trade older than one already sent, or sent twice"
    assert times[0] >= start and max(times) > crash
    assert await stored(sm, "15m") == recorded_15m(replay_dir)  # once each, none rewritten
    async with transaction(sm) as tx:
        klines = await service.get_klines(
            tx, state, fast, symbol="BTCUSDT", interval="1m", limit=1000,
            start_time=None, end_time=None,
        )  # fmt: skip
    assert klines and all(k.open_time <= state.now_ms() for k in klines)


@pytest.fixture
async def alerts_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app with its own checker off: the test drives an `AlertChecker` (tests/alerts)."""
    application = create_app(trading_settings(db_url, tmp_path, trading_run_matcher="no"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_change_pct_does_not_fire_on_the_old_runs_prices_after_a_rewind(
    alerts_app: FastAPI,
) -> None:
    """The market time goes back two hours (the deployment restarted its replay): the old run's
    high is the market's future now; 98.5 is not 5 % below anything this run has seen."""
    _, h = await make_user(alerts_app)
    async with asgi_client(alerts_app) as client:
        down = await create(client, h, condition="change_pct", value="5", window="1h",
                            direction="down")  # fmt: skip
    checker = await new_checker(alerts_app)
    t0 = 1_780_000_020_000
    await checker.on_tick("BTCUSDT", D("100"), t0)
    await checker.on_tick("BTCUSDT", D("104"), t0 + 600_000)
    await checker.on_tick("BTCUSDT", D("98.5"), t0 - 2 * HOUR)  # the new run's first trade
    await checker.on_tick("BTCUSDT", D("99"), t0 - 2 * HOUR + 60_000)
    assert await firings(alerts_app, down["id"]) == []
    # and the new run's own moves still count: 5 % down from its 99 within the hour
    await checker.on_tick("BTCUSDT", D("94.05"), t0 - 2 * HOUR + 120_000)
    assert len(await firings(alerts_app, down["id"])) == 1


@pytest.mark.timeout(120)
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_an_api_taking_over_a_killed_ingestor_goes_on_from_the_replay_time_it_showed(
    db_url: str, tmp_path: Path, replay_dir: Path, redis_prefix: str
) -> None:
    """`make ingestor` replays and is SIGKILLed; the API process (a candidate that followed its
    status frames) takes the lease after one ttl and goes on from the time it had shown."""
    assert DAY0 is not None
    start = DAY0 + HOUR
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test", DATABASE_URL=db_url, REDIS_URL=REDIS_URL, REDIS_PREFIX=redis_prefix,
        LEASE_TTL_S="1", MARKET_SOURCE="replay", MARKET_REPLAY_DIR=str(replay_dir),
        MARKET_SYMBOLS="BTCUSDT", MARKET_INTERVALS="1m,15m", REPLAY_SPEED=str(SPEED),
        REPLAY_START=str(start), MARKET_HISTORY_IMPORT="no", LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
    )  # fmt: skip
    log = tmp_path / "ingestor.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.market.ingestor"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, lease_ttl_s=1.0,
        run_ingestor="yes", jobs_inline=True, market_replay_dir=replay_dir,
        market_symbols=["BTCUSDT"], market_intervals=["1m", "15m"], replay_speed=SPEED,
        replay_start=str(start), trading_run_matcher="no",
    )  # fmt: skip
    redis = aioredis.Redis.from_url(REDIS_URL)
    key = f"{redis_prefix}lease:{INGESTOR_LEASE}"
    shown: list[int] = []
    try:
        for _ in range(600):  # the ingestor holds the lease before the API is a candidate
            if await redis.exists(key) or proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert await redis.exists(key), log.read_text()[-3000:]
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            state = app.state.runtime.market

            async def watch() -> None:
                while True:
                    now = state.replay_now_ms()
                    if now is not None:
                        shown.append(now)
                    await asyncio.sleep(0.05)

            watcher = asyncio.create_task(watch())
            try:
                for _ in range(600):
                    if shown and shown[-1] >= start + 20 * 60_000:
                        break
                    await asyncio.sleep(0.1)
                assert state.status.ingestor == "remote" and shown, log.read_text()[-3000:]
                proc.send_signal(signal.SIGKILL)  # no release: the lease runs out
                proc.wait(10)
                followed = shown[-1]
                for _ in range(600):
                    if state.status.ingestor == "in-process" and shown[-1] > followed + HOUR:
                        break
                    await asyncio.sleep(0.1)
                assert state.status.ingestor == "in-process", "the API did not take over"
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        await redis.delete(key)
        await redis.aclose()
    backwards = [(a, b) for a, b in itertools.pairwise(shown) if b < a]
    assert backwards == [], f"the replay clock went back at the takeover: {backwards[:3]}"
    assert shown[-1] > followed + HOUR
