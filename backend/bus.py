"""The event bus: publish/subscribe of serialized JSON events on named channels.

Two implementations with one contract (tests/core/test_bus_contract.py runs against both):
`MemoryBus` for the embedded single-process default and `RedisBus` (Redis pub/sub) to scale out.
Payloads are bytes serialized once by the publisher, so fan-out never re-encodes.
Handlers are plain callables and must return quickly (enqueue, don't await I/O): they run on
the bus's delivery loop and a slow one would delay every other subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis
from loguru import logger
from redis.exceptions import RedisError

from backend.errors import Unavailable

Handler = Callable[[str, bytes], None]


class BusUnavailable(Unavailable):
    code = "bus_unavailable"
    message = "Event bus unavailable"


class Subscription(Protocol):
    async def close(self) -> None: ...


class Bus(Protocol):
    name: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, channel: str, data: bytes) -> None: ...
    async def subscribe(self, channel: str, handler: Handler) -> Subscription: ...
    async def ping(self) -> bool: ...


class _Sub:
    __slots__ = ("_bus", "channel", "closed", "handler")

    def __init__(self, bus: _HandlerRegistry, channel: str, handler: Handler) -> None:
        self._bus = bus
        self.channel = channel
        self.handler = handler
        self.closed = False

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._bus._remove(self)


class _HandlerRegistry:
    def __init__(self) -> None:
        self._subs: dict[str, set[_Sub]] = defaultdict(set)

    def _dispatch(self, channel: str, data: bytes) -> None:
        for sub in tuple(self._subs.get(channel, ())):
            try:
                sub.handler(channel, data)
            except Exception:
                logger.opt(exception=True).bind(channel=channel).error("bus.handler_failed")

    async def _remove(self, sub: _Sub) -> None:
        subs = self._subs.get(sub.channel)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[sub.channel]
            await self._on_last_unsubscribe(sub.channel)

    async def _on_last_unsubscribe(self, channel: str) -> None:
        return None


class MemoryBus(_HandlerRegistry):
    """In-process bus: delivery is synchronous inside publish()."""

    name = "memory"

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subs.clear()

    async def publish(self, channel: str, data: bytes) -> None:
        self._dispatch(channel, data)

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        sub = _Sub(self, channel, handler)
        self._subs[channel].add(sub)
        return sub

    async def ping(self) -> bool:
        return True


class RedisBus(_HandlerRegistry):
    """Redis pub/sub. One connection publishes, one subscribes to exactly the channels in use.

    If Redis goes away, publish raises BusUnavailable (callers degrade) and the reader reconnects
    with jittered backoff and re-subscribes every channel still in use.
    """

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "", socket_timeout_s: float = 0.5) -> None:
        super().__init__()
        self._url = url
        self._prefix = prefix
        self._pub = aioredis.Redis.from_url(
            url, socket_timeout=socket_timeout_s, socket_connect_timeout=socket_timeout_s
        )
        self._sub_client = aioredis.Redis.from_url(
            url, socket_connect_timeout=max(socket_timeout_s, 1.0), health_check_interval=15
        )
        self._pubsub = self._sub_client.pubsub(ignore_subscribe_messages=True)
        self._wake = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.connected = False

    def _key(self, channel: str) -> str:
        return self._prefix + channel

    async def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name="redis-bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        await self._sub_client.aclose()
        await self._pub.aclose()
        self._subs.clear()

    async def publish(self, channel: str, data: bytes) -> None:
        try:
            await self._pub.publish(self._key(channel), data)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(details={"channel": channel}) from exc

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        sub = _Sub(self, channel, handler)
        first = channel not in self._subs
        self._subs[channel].add(sub)
        if first:
            async with self._lock:
                with contextlib.suppress(RedisError, OSError):
                    # if Redis is down now, the reader subscribes everything on reconnect
                    await self._pubsub.subscribe(self._key(channel))
            self._wake.set()
        return sub

    async def _on_last_unsubscribe(self, channel: str) -> None:
        async with self._lock:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(self._key(channel))

    async def ping(self) -> bool:
        try:
            return bool(await self._pub.ping())
        except (RedisError, OSError):
            return False

    async def _read_loop(self) -> None:
        backoff = 0.2
        plen = len(self._prefix)
        while True:
            if not self._subs:
                self._wake.clear()
                await self._wake.wait()
            try:
                missing = self._missing_channels()
                if missing:
                    async with self._lock:
                        await self._pubsub.subscribe(*missing)
                message = await self._pubsub.get_message(timeout=1.0)
                self.connected = True
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, RuntimeError) as exc:
                self.connected = False
                logger.bind(error=str(exc)).warning("bus.redis_disconnected")
                await self._reset_pubsub()
                await asyncio.sleep(backoff * (0.5 + random.random()))  # noqa: S311 - jitter
                backoff = min(backoff * 2, 5.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[plen:]
            self._dispatch(channel, message["data"])

    def _missing_channels(self) -> list[bytes]:
        """Channels in use that the current pubsub is not subscribed to. After a reset the
        fresh pubsub knows none; a `subscribe` that reached it meanwhile made one of them known
        (so `pubsub.subscribed` alone would skip the rest): compare the whole set."""
        known = self._pubsub.channels
        return [key for c in self._subs if (key := self._key(c).encode()) not in known]

    async def _reset_pubsub(self) -> None:
        async with self._lock:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = self._sub_client.pubsub(ignore_subscribe_messages=True)


def make_bus(redis_url: str | None, *, prefix: str, socket_timeout_s: float) -> Bus:
    if redis_url:
        return RedisBus(redis_url, prefix=prefix, socket_timeout_s=socket_timeout_s)
    return MemoryBus()
