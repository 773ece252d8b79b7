"""The per-process fan-out hub: bus channels -> local WebSocket clients.

- The hub subscribes to a bus channel only while at least one local client wants it and
  releases it when the last one leaves, so each API process receives only what its clients need.
- Each event arrives from the bus as bytes serialized once by the publisher; it is decoded once
  (ASGI text frames are `str`) and the same object is queued for every subscriber.
- Each client has a bounded queue drained by its own writer task. A full queue marks the client
  as a slow consumer and it is disconnected; a publish never waits for any client.

Hot path: `_on_message` is O(subscribers of the channel): one inline socket write (or one deque
append) per subscriber, never an await; bench/fanout.py measures it against a bare
`websockets.broadcast` of the same bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from typing import Any

from loguru import logger

from backend.bus import Bus, Subscription
from backend.metrics import WS_SLOW_DROPPED
from backend.streams import raw_payload

CLOSE_POLICY = 1008  # RFC 6455 "policy violation": Binance-like drops (rate, slow consumer)
SLOW_CONSUMER = "slow consumer"

# The raw ASGI send of the connection and the messages it takes. A frame's message is built once
# per event and shared by all subscribers (ASGI servers and our middlewares only read it).
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]


def text_message(frame: str) -> Message:
    return {"type": "websocket.send", "text": frame}


class _Resume:
    """Awaitable that finishes a send coroutine which suspended while being run eagerly.

    The coroutine was started outside any task (see Client.push) and yielded `future`; awaiting
    this inside the writer task hands that future to the task and drives the coroutine on, with
    the same send/throw protocol a task uses, so cancellation and errors propagate as usual.
    """

    __slots__ = ("_coro", "_future")

    def __init__(self, coro: Generator[Any, None, None], future: Any) -> None:
        self._coro = coro
        self._future = future

    def __await__(self) -> Generator[Any, None, None]:
        future = self._future
        while True:
            try:
                yield future
            except BaseException as exc:  # cancellation included: the coroutine decides
                try:
                    future = self._coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    future = self._coro.send(None)
                except StopIteration:
                    return


class Client:
    """One connection's outbound side: a bounded queue, its writer, and its close decision.

    Fast path: while the writer is parked (queue empty, nothing in flight) a frame is written
    inline: the ASGI send of a writable socket completes without suspending, so fan-out costs
    what `websockets.broadcast` costs instead of one task wake-up per client and event. A send
    that does suspend (the socket's buffer is full) is handed to the writer task, and every
    later frame queues behind it until the writer has drained the queue.
    """

    __slots__ = (
        "_limit",
        "_pending",
        "_send",
        "_stalled",
        "_waiter",
        "close_code",
        "close_reason",
        "combined",
        "dropped",
    )

    def __init__(self, queue_size: int, *, combined: bool = True) -> None:
        self._limit = queue_size
        self._pending: deque[Message] = deque()
        self._send: Send | None = None
        self._stalled: _Resume | None = None
        self._waiter: asyncio.Future[None] | None = None  # set while the writer is parked
        self.combined = combined
        self.close_code: int | None = None
        self.close_reason = ""
        # Set when the connection must end now, without flushing (its writer may be stuck in a
        # send that waits for a peer that does not read): the endpoint waits on it too.
        self.dropped: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def push(self, message: Message) -> None:
        """Send or queue a frame without waiting; a full queue drops the client as too slow."""
        if self.close_code is not None:
            return
        if self._waiter is not None:  # parked writer: nothing queued, nothing in flight
            self._send_now(message)
            return
        if len(self._pending) >= self._limit:
            self._pending.clear()  # nothing more goes out before the close frame
            WS_SLOW_DROPPED.inc()
            self.request_close(CLOSE_POLICY, SLOW_CONSUMER)
            self._drop()
            return
        self._pending.append(message)

    def _send_now(self, message: Message) -> None:
        assert self._send is not None
        coro = self._send(message).__await__()
        try:
            future = coro.send(None)
        except StopIteration:
            return  # written
        except Exception:
            self._drop()  # the peer is gone; the endpoint cleans up
            return
        self._stalled = _Resume(coro, future)
        self._wake()

    def _drop(self) -> None:
        if not self.dropped.done():
            self.dropped.set_result(None)

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
        self._send = send
        while True:
            if self._stalled is not None:
                stalled, self._stalled = self._stalled, None
                await stalled
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
        message = text_message(frame)
        if not ch.raw_clients:
            for client in ch.clients:
                client.push(message)
            return
        raw: Message | None = None
        for client in ch.clients:
            if client.combined:
                client.push(message)
            else:
                raw = raw if raw is not None else text_message(raw_payload(frame))
                client.push(raw)
