"""The per-process fan-out hub: bus channels -> local WebSocket clients.

- The hub subscribes to a bus channel only while at least one local client wants it and
  releases it when the last one leaves, so each API process receives only what its clients need.
- Each event arrives from the bus as bytes serialized once by the publisher; it is decoded once
  (ASGI text frames are `str`) and the same object is queued for every subscriber.
- Each client has a bounded queue drained by its own writer task. A full queue marks the client
  as a slow consumer and it is disconnected; a publish never waits for any client.

Hot path: `_on_message` is O(subscribers of the channel) with one deque append per subscriber
and no await; bench/fanout.py measures it against a bare `websockets.broadcast`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable

from loguru import logger

from backend.bus import Bus, Subscription
from backend.realtime.protocol import unwrap_data

CLOSE_POLICY = 1008  # RFC 6455 "policy violation": Binance-like drops (rate, slow consumer)
SLOW_CONSUMER = "slow consumer"

Send = Callable[[str], Awaitable[None]]


class Client:
    """One connection's outbound side: a bounded queue, its writer, and its close decision."""

    __slots__ = (
        "_limit",
        "_pending",
        "_waiter",
        "close_code",
        "close_reason",
        "combined",
        "dropped",
    )

    def __init__(self, queue_size: int) -> None:
        self._limit = queue_size
        self._pending: deque[str] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.combined = True
        self.close_code: int | None = None
        self.close_reason = ""
        # Set when the connection must end now, without flushing (its writer may be stuck in a
        # send that waits for a peer that does not read): the endpoint waits on it too.
        self.dropped: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def push(self, frame: str) -> None:
        """Queue a frame without waiting; a full queue closes the client as a slow consumer."""
        if self.close_code is not None:
            return
        if len(self._pending) >= self._limit:
            self._pending.clear()  # nothing more goes out before the close frame
            self.request_close(CLOSE_POLICY, SLOW_CONSUMER)
            if not self.dropped.done():
                self.dropped.set_result(None)
            return
        self._pending.append(frame)
        self._wake()

    def request_close(self, code: int, reason: str) -> None:
        """Close after the frames already queued (e.g. an error frame) have been written."""
        if self.close_code is None:
            self.close_code = code
            self.close_reason = reason
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def run_writer(self, send: Send) -> None:
        """Write queued frames in order until a close is requested; then return."""
        pending = self._pending
        loop = asyncio.get_running_loop()
        while True:
            while pending:
                await send(pending.popleft())
            if self.close_code is not None:
                return
            self._waiter = loop.create_future()
            await self._waiter


class _Channel:
    __slots__ = ("clients", "raw_clients", "subscription")

    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.raw_clients = 0
        self.subscription: Subscription | None = None


class Hub:
    """Reference-counted bus subscriptions per channel for this process's clients."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._channels: dict[str, _Channel] = {}
        self._lock = asyncio.Lock()  # orders bus subscribe/unsubscribe calls per hub

    @property
    def channels(self) -> frozenset[str]:
        """Channels this hub is subscribed to on the bus right now."""
        return frozenset(n for n, c in self._channels.items() if c.subscription is not None)

    def subscriber_count(self, channel: str) -> int:
        ch = self._channels.get(channel)
        return len(ch.clients) if ch else 0

    async def add(self, client: Client, channels: list[str]) -> None:
        for name in channels:
            ch = self._channels.get(name)
            if ch is None:
                ch = self._channels[name] = _Channel()
            if client not in ch.clients:
                ch.clients.add(client)
                ch.raw_clients += not client.combined
        for name in channels:
            await asyncio.shield(self._sync(name))

    async def remove(self, client: Client, channels: list[str]) -> None:
        for name in channels:
            ch = self._channels.get(name)
            if ch is not None and client in ch.clients:
                ch.clients.discard(client)
                ch.raw_clients -= not client.combined
        for name in channels:
            await asyncio.shield(self._sync(name))

    def set_combined(self, client: Client, channels: list[str], combined: bool) -> None:
        if client.combined == combined:
            return
        client.combined = combined
        for name in channels:
            ch = self._channels.get(name)
            if ch is not None and client in ch.clients:
                ch.raw_clients += -1 if combined else 1

    async def _sync(self, name: str) -> None:
        # Shielded by the callers: a connection cancelled mid-call must not leave a bus
        # subscription behind that no channel entry owns.
        # Under the lock the bus state converges to "subscribed iff a local client wants it",
        # whatever interleaving of add/remove happened while a bus call was in flight.
        async with self._lock:
            ch = self._channels.get(name)
            if ch is None:
                return
            if ch.clients and ch.subscription is None:
                ch.subscription = await self._bus.subscribe(name, self._on_message)
            elif not ch.clients:
                del self._channels[name]
                if ch.subscription is not None:
                    await ch.subscription.close()

    async def close(self) -> None:
        async with self._lock:
            channels, self._channels = self._channels, {}
            for ch in channels.values():
                if ch.subscription is not None:
                    with contextlib.suppress(Exception):
                        await ch.subscription.close()

    def _on_message(self, channel: str, data: bytes) -> None:
        ch = self._channels.get(channel)
        if ch is None:
            return
        try:
            frame = data.decode()
        except UnicodeDecodeError:
            logger.bind(channel=channel).error("ws.bad_event")
            return
        if not ch.raw_clients:
            for client in ch.clients:
                client.push(frame)
            return
        raw: str | None = None
        for client in ch.clients:
            if client.combined:
                client.push(frame)
            else:
                raw = raw if raw is not None else unwrap_data(frame)
                client.push(raw)
