"""The order matcher is a singleton by lease: kill -9 the process that holds it, and a standby
takes over; a stream of trades fills the resting orders with no fill lost or doubled.

The kill comes mid-tick: the holder is applying a trade that fills an order, its transaction
open and waiting on the account's row lock (which the test holds), so that fill is pending when
the process dies. It must then happen exactly once, by the standby.

Real PostgreSQL and Redis. The holder is a real worker process (`python -m backend.worker`),
the standby a worker runtime in this process; the API (no matcher candidate) places the orders.
The trades after the kill are all published before the standby can hold the lease, so they
fill only because the standby replays what it saw while waiting (trading/lifespan.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from decimal import Decimal as D
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select, text

from backend.bus import RedisBus
from backend.config import Settings
from backend.main import create_app
from backend.market.rulebook import symbol_rules
from backend.runtime import build_runtime, open_core
from backend.trading.lifespan import MATCHER_LEASE, trading_feed, trading_matcher
from backend.trading.models import Order, Trade, TradingAccount
from backend.worker import make_jobs
from tests.conftest import REDIS_URL, ROOT, asgi_client
from tests.trading.conftest import make_user, trade_frame, trading_settings
from tests.trading.ledger_checks import assert_ledger_whole
from tests.trading.test_catchup import place

TTL_S = 1.0
LIMITS = ["59900", "59800", "59700", "59600", "59500", "59400"]
# each trade goes through the one limit above it: 59850 fills 59900, 59750 fills 59800, ...
BEFORE_KILL = [("t1", "59950"), ("t2", "59850"), ("t3", "59750")]
MID_TICK = ("t4", "59650")  # fills the third order; the holder dies while applying it
AFTER_KILL = [("t5", "59550"), ("t6", "59450"), ("t7", "59350")]
WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE NOT l.granted AND a.datname = current_database()"
)


def _worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test",
        DATABASE_URL=settings.database_url,
        DATABASE_POOL_SIZE="4",
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=settings.redis_prefix,
        LEASE_TTL_S=str(TTL_S),
        TRADING_RUN_MATCHER="worker",
        TRADING_RESYNC_INTERVAL_S="0",
        RUN_INGESTOR="no",
        MARKET_SOURCE="replay",
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
    )
    return env


async def _until(cond: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    async def loop() -> None:
        while not await cond():
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(loop(), timeout_s)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_killed_matcher_holder_is_replaced_and_no_fill_is_lost_or_doubled(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = trading_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, lease_ttl_s=TTL_S,
        trading_run_matcher="worker", trading_resync_interval_s=0, jobs_inline=True,
    )  # fmt: skip
    api = create_app(settings)
    publisher = RedisBus(REDIS_URL, prefix=redis_prefix)
    redis = aioredis.Redis.from_url(REDIS_URL)
    lease_key = f"{redis_prefix}lease:{MATCHER_LEASE}"
    holder = subprocess.Popen(
        [sys.executable, "-m", "backend.worker"],
        cwd=ROOT,
        env=_worker_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await publisher.start()
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(api.router.lifespan_context(api))

            async def leased() -> bool:
                return bool(await redis.exists(lease_key))

            await _until(leased, 60, "the worker process to hold the matcher lease")
            # the standby: a second candidate (a worker runtime with the matcher's parts)
            standby = build_runtime(settings, "worker")
            await stack.enter_async_context(open_core(standby, make_jobs))
            for part in (symbol_rules, trading_feed, trading_matcher):
                await stack.enter_async_context(part(standby))
            assert standby.trading_matcher is None  # the lease is the worker process's

            async def publish(trade_id: str, price: str) -> None:
                frame = trade_frame("BTCUSDT", price, "1", trade_id=int(trade_id[1:]) + 9000)
                await publisher.publish("btcusdt@trade", frame)

            await publish("t0", "60000")

            async def priced() -> bool:
                return "BTCUSDT" in api.state.runtime.trading.prices.last

            await _until(priced, 10, "the API to see a price")
            uid, h = await make_user(api)
            async with asgi_client(api) as c:
                ids = [
                    await place(c, h, side="BUY", type="LIMIT", quantity="0.01", price=p)
                    for p in LIMITS
                ]

            async def statuses() -> list[str]:
                async with api.state.runtime.sessionmaker() as s:
                    rows = (await s.execute(select(Order).where(Order.id.in_(ids)))).scalars()
                    by_id = {o.id: o.status for o in rows}
                return [by_id[i] for i in ids]

            for trade_id, price in BEFORE_KILL:
                await publish(trade_id, price)

            async def two_filled() -> bool:
                return (await statuses())[:2] == ["FILLED", "FILLED"]

            await _until(two_filled, 30, "the holder to fill the first two orders")
            engine = api.state.runtime.engine
            async with engine.connect() as blocker:
                await blocker.begin()
                lock = select(TradingAccount.id).where(TradingAccount.user_id == uid)
                await blocker.execute(lock.with_for_update())
                await publish(*MID_TICK)

                async def holder_waits() -> bool:
                    async with engine.connect() as conn:
                        return int((await conn.execute(WAITING_ON_A_LOCK)).scalar_one()) > 0

                await _until(holder_waits, 30, "the holder's fill to wait on the account lock")
                holder.send_signal(signal.SIGKILL)  # mid-tick; no release: the lease runs out
                holder.wait(10)
                await blocker.rollback()
            for trade_id, price in AFTER_KILL:  # before any standby can hold the lease
                await publish(trade_id, price)

            async def all_filled() -> bool:
                return await statuses() == ["FILLED"] * len(LIMITS)

            await _until(all_filled, 30, "the standby to take over and fill the rest")
            assert standby.trading_matcher is not None
            async with api.state.runtime.sessionmaker() as s:
                trades = (await s.execute(select(Trade).order_by(Trade.id))).scalars().all()
            fills = sorted((t.order_id, t.source_trade_id, t.price, t.qty) for t in trades)
            expected = [
                (oid, f"test:{9002 + n}", D(p), D("0.01"))
                for n, (oid, p) in enumerate(zip(ids, LIMITS, strict=True))
            ]
            assert fills == expected  # each order once, from the first trade through its price
            await assert_ledger_whole(api.state.runtime.sessionmaker, uid)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        await publisher.close()
        await redis.delete(lease_key)
        await redis.aclose()
