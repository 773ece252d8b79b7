"""Leases on real Redis: one holder, a standby that takes over when the holder dies, a holder
that stops acting as soon as it loses the lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from backend.leases import Leases, LocalLease, RedisLease, run_held
from tests.conftest import REDIS_URL


async def test_second_candidate_waits_until_the_lease_is_free(redis_prefix: str) -> None:
    redis = aioredis.Redis.from_url(REDIS_URL)
    key = f"{redis_prefix}lease:test"
    first, second = RedisLease(redis, key, ttl_s=0.6), RedisLease(redis, key, ttl_s=0.6)
    try:
        assert await first.try_acquire()
        waiting = asyncio.create_task(second.acquire())
        holder = asyncio.create_task(first.hold())
        await asyncio.sleep(1.0)  # longer than the ttl: the holder's renewals keep the lease
        assert not waiting.done()
        holder.cancel()  # the holder dies without releasing: the lease runs out by itself
        await asyncio.wait_for(waiting, 5)
        # The old holder, were it still running, notices the loss instead of acting beside it.
        await asyncio.wait_for(first.hold(), 5)
        assert not first.held()
    finally:
        await first.release()
        await second.release()
        await redis.aclose()


async def test_a_holder_that_cannot_reach_redis_stops_before_the_lease_expires(
    redis_prefix: str,
) -> None:
    redis = aioredis.Redis.from_url(REDIS_URL)
    key = f"{redis_prefix}lease:test"
    lease = RedisLease(redis, key, ttl_s=0.9)
    try:
        assert await lease.try_acquire()
        await redis.aclose()  # every renewal now fails
        lease.redis = aioredis.Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.1)
        await asyncio.wait_for(lease.hold(), 5)  # gives up on its own
        check = aioredis.Redis.from_url(REDIS_URL)
        try:
            ttl_ms = await check.pttl(key)
        finally:
            await check.aclose()
        assert ttl_ms > 0  # it stopped while the key still protected it: no overlap
    finally:
        await lease.redis.aclose()


async def test_run_held_leaves_the_body_when_the_lease_is_taken_away(redis_prefix: str) -> None:
    leases = Leases(REDIS_URL, redis_prefix, ttl_s=0.6)
    lease = leases.lease("test")
    events: list[str] = []

    @asynccontextmanager
    async def body() -> AsyncIterator[None]:
        events.append("start")
        try:
            yield
        finally:
            events.append("stop")

    started = asyncio.Event()
    task = asyncio.create_task(run_held(lease, body, started=started))
    other = aioredis.Redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(started.wait(), 5)
        assert events == ["start"]
        await other.set(lease.key, "someone-else", px=5000)  # the lease now belongs to another
        async with asyncio.timeout(5):
            while events != ["start", "stop"]:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await other.delete(lease.key)
        await other.aclose()
        await leases.close()


async def test_local_lease_is_always_granted() -> None:
    lease = LocalLease("k")
    assert await lease.try_acquire()
    await lease.acquire()
    holding = asyncio.create_task(lease.hold())
    await asyncio.sleep(0.05)
    assert not holding.done()
    holding.cancel()
