"""Two API processes on one Redis: each singleton part (ingestor, matcher, scheduler) is active in
exactly one of them, and the other takes it over when the holder stops."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from backend.main import create_app
from tests.conftest import REDIS_URL, make_settings


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_each_singleton_runs_once_and_moves_when_its_holder_stops(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, jobs_inline=True,
        lease_ttl_s=0.6, run_ingestor="yes",
    )  # fmt: skip
    holder, standby = create_app(settings), create_app(settings)
    redis = aioredis.Redis.from_url(REDIS_URL)

    async def leases() -> list[str]:
        keys = [k.decode() async for k in redis.scan_iter(f"{redis_prefix}lease:*")]
        return sorted(k.removeprefix(f"{redis_prefix}lease:") for k in keys)

    try:
        async with AsyncExitStack() as second:
            async with AsyncExitStack() as first:
                await first.enter_async_context(holder.router.lifespan_context(holder))
                await second.enter_async_context(standby.router.lifespan_context(standby))
                assert holder.state.runtime.trading_matcher is not None
                assert standby.state.runtime.trading_matcher is None
                assert holder.state.runtime.market.status.ingestor == "in-process"
                assert standby.state.runtime.market.status.ingestor != "in-process"
                assert await leases() == [
                    "alerts.checker", "forecasting.refresh", "jobs.scheduler", "market.ingestor",
                    "trading.matcher",
                ]  # fmt: skip
            # the holder stopped (its leases given back): the standby takes every part over
            async with asyncio.timeout(10):
                while standby.state.runtime.trading_matcher is None:
                    await asyncio.sleep(0.05)
                while standby.state.runtime.market.status.ingestor != "in-process":
                    await asyncio.sleep(0.05)
            assert holder.state.runtime.trading_matcher is None
        assert await leases() == []  # both stopped: every lease given back
    finally:
        await redis.aclose()
