"""Leases: how a part that must run once per deployment (ingestor, matcher, scheduler) runs once.

Every process that may run such a part is a *candidate*: it waits for the lease, runs the part
while it holds it, and stops the part at once when it loses it. With Redis the lease is a key
with expiry (SET NX PX, renewed every ttl/3 by its holder, released on a clean stop), so a
standby takes over within one ttl when the holder dies. Without Redis (embedded default: one
process) the lease is an in-process one that is always granted.

A holder counts its lease as lost as soon as it cannot prove it still holds it: a renewal that
finds another token, or no successful renewal for `ttl - renew interval` (the key may expire
before the next renewal could reach Redis). It stops acting before another candidate can take
the lease over; the parts' own writes stay idempotent besides (a fill is keyed by order and
trade), so even a paused holder that wakes up late cannot double a fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, cast

import redis.asyncio as aioredis
from loguru import logger
from redis.exceptions import RedisError

from backend.stopping import cancel_and_wait

DEFAULT_TTL_S = 15.0
RETRY_AFTER_FAILURE_S = 5.0  # a part that fails to start gives the lease up and retries later


class Lease(Protocol):
    key: str

    async def try_acquire(self) -> bool:
        """Take the lease if it is free (or already ours); never waits."""
        ...

    async def acquire(self) -> None:
        """Wait until this candidate holds the lease."""
        ...

    async def hold(self) -> None:
        """Keep the lease; return as soon as it is lost (or can no longer be proven held)."""
        ...

    async def release(self) -> None: ...


class LocalLease:
    """The embedded default's lease: one process, so always granted and never lost."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def try_acquire(self) -> bool:
        return True

    async def acquire(self) -> None:
        return None

    async def hold(self) -> None:
        await asyncio.Event().wait()  # never lost; ends only by cancellation

    async def release(self) -> None:
        return None


_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end"
)


class RedisLease:
    """A single-holder lease on a Redis key (one token per candidate)."""

    def __init__(self, redis: aioredis.Redis, key: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.redis = redis
        self.key = key
        self.ttl_s = ttl_s
        self.token = uuid.uuid4().hex
        self._valid_until = 0.0  # monotonic: the lease is provably ours until then

    @property
    def renew_every_s(self) -> float:
        return self.ttl_s / 3

    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    async def try_acquire(self) -> bool:
        started = time.monotonic()
        ms = int(self.ttl_s * 1000)

        async def take() -> bool:
            if await self.redis.set(self.key, self.token, nx=True, px=ms):
                return True
            # ours already (a part restarting in this process, or a reply lost to a timeout)?
            return bool(await self._script(_RENEW, self.token, str(ms)))

        try:
            # bounded: a hung Redis must not hold up a process's start-up. asyncio.timeout, never
            # wait_for: on Python 3.11 wait_for swallows a cancellation that lands in the turn
            # its awaitable finishes, and the part would then never stop (see singleton).
            async with asyncio.timeout(self.renew_every_s):
                ok = await take()
        except (RedisError, OSError, TimeoutError) as exc:
            logger.bind(key=self.key, error=repr(exc)).warning("lease.error")
            return False
        if ok:
            # Counted from before the request: the key may have been set at any point since.
            self._valid_until = started + self.ttl_s - self.renew_every_s
            logger.bind(key=self.key).info("lease.acquired")
        return bool(ok)

    async def acquire(self) -> None:
        while True:
            if await self.try_acquire():
                return
            await asyncio.sleep(self.renew_every_s)

    async def _script(self, script: str, *args: str) -> Any:
        # redis-py types `eval` for both its sync and async clients (`Awaitable[str] | str`).
        pending = cast("Awaitable[Any]", self.redis.eval(script, 1, self.key, *args))
        return await pending

    async def hold(self) -> None:
        while True:
            deadline = self._valid_until - time.monotonic()
            if deadline <= 0:
                logger.bind(key=self.key).error("lease.lost")
                return
            await asyncio.sleep(min(self.renew_every_s, deadline))
            started = time.monotonic()
            try:
                async with asyncio.timeout(max(0.05, self._valid_until - started)):
                    renewed = await self._script(_RENEW, self.token, str(int(self.ttl_s * 1000)))
            except (RedisError, OSError, TimeoutError):
                continue  # retried until the lease can no longer be proven held
            if not renewed:
                self._valid_until = 0.0
                logger.bind(key=self.key).error("lease.lost")
                return
            self._valid_until = started + self.ttl_s - self.renew_every_s

    async def release(self) -> None:
        self._valid_until = 0.0
        with contextlib.suppress(RedisError, OSError):
            await self._script(_RELEASE, self.token)


class Leases:
    """Makes the leases of one process (one Redis connection pool for all of them)."""

    def __init__(self, redis_url: str | None, prefix: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._redis = aioredis.Redis.from_url(redis_url) if redis_url else None
        # every lease made here, so the observability sampler can say which this process holds
        self.made: list[Lease] = []

    @property
    def kind(self) -> str:
        return "redis" if self._redis is not None else "local"

    def lease(self, name: str) -> Lease:
        key = f"{self.prefix}lease:{name}"
        made: Lease = (
            LocalLease(key) if self._redis is None else RedisLease(self._redis, key, self.ttl_s)
        )
        self.made.append(made)
        return made

    def held(self) -> dict[str, str]:
        """The leases this process holds now: key -> holder token (`local` without Redis)."""
        held: dict[str, str] = {}
        for lease in self.made:
            if isinstance(lease, RedisLease) and lease.held():
                held[lease.key] = lease.token
            elif isinstance(lease, LocalLease):
                held[lease.key] = "local"
        return held

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


Body = Callable[[], AbstractAsyncContextManager[None]]


async def run_held(lease: Lease, body: Body, *, started: asyncio.Event | None = None) -> None:
    """Run `body` whenever this candidate holds `lease`, until cancelled.

    `started` is set once the first attempt is settled (the body runs, or the lease is taken
    elsewhere), so a process that starts with a free lease has its part running when its
    start-up ends. The body is left the moment the lease is lost, then the lease is waited for
    again.
    """

    def settle() -> None:
        if started is not None:
            started.set()

    try:
        while True:
            if not await lease.try_acquire():
                settle()  # a standby: the process starts without waiting for the lease
                await lease.acquire()
            try:
                async with body():
                    settle()
                    await lease.hold()
                logger.bind(key=lease.key).warning("lease.part_stopped")
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.opt(exception=True).bind(key=lease.key).error("lease.part_failed")
                await lease.release()  # another candidate may do better meanwhile
                settle()
                await asyncio.sleep(RETRY_AFTER_FAILURE_S)
    finally:
        await asyncio.shield(lease.release())


@asynccontextmanager
async def singleton(lease: Lease, body: Body) -> AsyncIterator[None]:
    """A part that runs `body` in exactly one candidate process at a time (see `run_held`)."""
    started = asyncio.Event()
    task = asyncio.create_task(run_held(lease, body, started=started), name=lease.key)
    waiter = asyncio.create_task(started.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # a failure before the first attempt settled: raise it here
        yield
    finally:
        waiter.cancel()
        await cancel_and_wait(task)  # cancels again if a cancellation was swallowed
