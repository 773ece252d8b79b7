"""The market ingestor: exactly one per deployment feeds the pipeline from the chosen source.

* Embedded default (no REDIS_URL): the API process runs it as a lifespan task, no lock needed.
* With Redis: `python -m backend.market.ingestor` (`make ingestor`); a Redis lock with expiry
  (SET NX PX, renewed every ttl/3 by its holder) lets standby copies wait and take over within
  one ttl when the holder dies.
MARKET_SOURCE=auto picks Binance when its REST API answers, else replay when MARKET_REPLAY_DIR is
set, else reports the error in the status (and so in /health/ready).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid

import redis.asyncio as aioredis
from loguru import logger
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, make_bus
from backend.config import Settings, get_settings
from backend.db import make_engine, make_sessionmaker
from backend.logging import setup_logging
from backend.market.depth import start_depth, stop_depth
from backend.market.pipeline import Pipeline
from backend.market.sources import MarketSource
from backend.market.sources.binance import BinanceSource, probe
from backend.market.sources.replay import ReplayError, ReplaySource
from backend.market.state import MarketState

RESTART_DELAY_S = 5.0


class NoSource(RuntimeError):
    pass


async def choose_source(settings: Settings) -> MarketSource:
    if settings.market_source == "binance":
        return BinanceSource(settings)
    if settings.market_source == "replay":
        return ReplaySource(settings)
    if await probe(settings.binance_rest_url):
        return BinanceSource(settings)
    if settings.market_replay_dir is not None:
        logger.info("market.source.auto_replay")
        return ReplaySource(settings)
    raise NoSource("Binance is unreachable and MARKET_REPLAY_DIR is not set")


async def run_feed(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    state: MarketState,
    *,
    source: MarketSource | None = None,
) -> None:
    """Run the source into a pipeline until cancelled; restart it after a crash."""
    state.status.ingestor = "in-process"
    while True:
        try:
            chosen = source or await choose_source(settings)
        except (NoSource, ReplayError) as exc:
            state.status.error = str(exc)
            state.status.connected = False
            logger.bind(error=str(exc)).error("market.no_source")
            await asyncio.sleep(RESTART_DELAY_S * 6)
            continue
        pipeline = Pipeline(
            source=chosen.name,
            symbols=settings.market_symbols,
            intervals=settings.market_intervals,
            state=state,
            bus=bus,
            sessionmaker=sessionmaker,
        )
        periodic = asyncio.create_task(pipeline.run_periodic(), name="market-periodic")
        depth = start_depth(settings, chosen, pipeline)  # live Binance only
        try:
            await chosen.run(pipeline)
            await pipeline.publish_status()
            return  # a replay that reached the end of its data
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            state.status.connected = False
            state.status.error = f"{type(exc).__name__}: {exc}"
            logger.opt(exception=True).error("market.source_crashed")
        finally:
            await stop_depth(depth)
            periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await periodic
            with contextlib.suppress(Exception):
                await pipeline.flush()
        source = None
        await asyncio.sleep(RESTART_DELAY_S)


_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisLock:
    """A single-holder lease: acquire waits, `hold()` renews and returns if the lease is lost."""

    def __init__(self, url: str, key: str, ttl_s: float = 15.0) -> None:
        self.redis = aioredis.Redis.from_url(url)
        self.key = key
        self.ttl_ms = int(ttl_s * 1000)
        self.token = uuid.uuid4().hex

    async def acquire(self) -> None:
        while True:
            try:
                if await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms):
                    logger.bind(key=self.key).info("market.ingestor.lock_acquired")
                    return
            except (RedisError, OSError) as exc:
                logger.bind(error=str(exc)).warning("market.ingestor.lock_error")
            await asyncio.sleep(self.ttl_ms / 3000)

    async def hold(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            try:
                renewed = await self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms)
            except (RedisError, OSError):
                continue  # keep trying until the lease would have run out
            if not renewed:
                logger.bind(key=self.key).error("market.ingestor.lock_lost")
                return

    async def release(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.eval(_RELEASE, 1, self.key, self.token)
        await self.redis.aclose()


async def run_locked(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    state: MarketState,
) -> None:
    """`run_feed` under the deployment-wide lock (when Redis is configured)."""
    if settings.redis_url is None:
        await run_feed(settings, sessionmaker, bus, state)
        return
    lock = RedisLock(settings.redis_url, f"{settings.redis_prefix}market:ingestor")
    try:
        while True:
            await lock.acquire()
            feed = asyncio.create_task(run_feed(settings, sessionmaker, bus, state))
            holder = asyncio.create_task(lock.hold())
            done, _ = await asyncio.wait({feed, holder}, return_when=asyncio.FIRST_COMPLETED)
            for task in (feed, holder):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if feed in done:
                return
    finally:
        await lock.release()


async def main() -> None:
    settings = get_settings()
    setup_logging(settings)
    engine = make_engine(settings.database_url, pool_size=4)
    bus = make_bus(
        settings.redis_url,
        prefix=settings.redis_prefix,
        socket_timeout_s=settings.redis_socket_timeout_s,
    )
    await bus.start()
    state = MarketState(settings.market_symbols, settings.market_intervals)
    feed = asyncio.create_task(run_locked(settings, make_sessionmaker(engine), bus, state))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Stop by cancelling: the pipeline flushes its buffered candles and the lock is released
        # (a supervisor's SIGTERM would otherwise skip every `finally`).
        loop.add_signal_handler(sig, feed.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await feed
    finally:
        await bus.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
