"""One contract, two buses: the in-process MemoryBus and Redis pub/sub (real server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.bus import Bus, BusUnavailable, MemoryBus, RedisBus
from tests.conftest import REDIS_URL
from tests.core.redis_proc import RedisProcess


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[Bus]:
    impl: Bus = (
        MemoryBus() if request.param == "memory" else RedisBus(REDIS_URL, prefix=redis_prefix)
    )
    await impl.start()
    yield impl
    await impl.close()


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []
        self.event = asyncio.Event()

    def __call__(self, channel: str, data: bytes) -> None:
        self.items.append((channel, data))
        self.event.set()

    async def wait_for(self, n: int, timeout: float = 5.0) -> list[tuple[str, bytes]]:
        async def loop() -> None:
            while len(self.items) < n:
                self.event.clear()
                await self.event.wait()

        await asyncio.wait_for(loop(), timeout)
        return self.items


async def _settle(bus: Bus) -> None:
    # Redis SUBSCRIBE is acknowledged asynchronously; a round trip makes it effective.
    await bus.ping()
    await asyncio.sleep(0.05 if isinstance(bus, RedisBus) else 0)


async def test_published_bytes_reach_every_subscriber_unchanged(bus: Bus) -> None:
    a, b = Inbox(), Inbox()
    await bus.subscribe("btcusdt@ticker", a)
    await bus.subscribe("btcusdt@ticker", b)
    await _settle(bus)
    payload = b'{"stream":"btcusdt@ticker","data":{"c":"1.00000000"}}'
    await bus.publish("btcusdt@ticker", payload)
    assert await a.wait_for(1) == [("btcusdt@ticker", payload)]
    assert await b.wait_for(1) == [("btcusdt@ticker", payload)]


async def test_channels_are_isolated(bus: Bus) -> None:
    eth = Inbox()
    await bus.subscribe("ethusdt@trade", eth)
    await _settle(bus)
    await bus.publish("btcusdt@trade", b"btc")
    await bus.publish("ethusdt@trade", b"eth")
    assert await eth.wait_for(1) == [("ethusdt@trade", b"eth")]
    await asyncio.sleep(0.05)
    assert eth.items == [("ethusdt@trade", b"eth")]


async def test_order_is_preserved_per_channel(bus: Bus) -> None:
    inbox = Inbox()
    await bus.subscribe("user:1", inbox)
    await _settle(bus)
    for i in range(100):
        await bus.publish("user:1", str(i).encode())
    items = await inbox.wait_for(100)
    assert [int(d) for _, d in items] == list(range(100))


async def test_closed_subscription_stops_delivery(bus: Bus) -> None:
    kept, dropped = Inbox(), Inbox()
    await bus.subscribe("c", kept)
    sub = await bus.subscribe("c", dropped)
    await _settle(bus)
    await sub.close()
    await bus.publish("c", b"x")
    await kept.wait_for(1)
    await asyncio.sleep(0.05)
    assert dropped.items == []


async def test_failing_handler_does_not_break_others(bus: Bus) -> None:
    def broken(channel: str, data: bytes) -> None:
        raise ValueError("boom")

    ok = Inbox()
    await bus.subscribe("c", broken)
    await bus.subscribe("c", ok)
    await _settle(bus)
    await bus.publish("c", b"1")
    await bus.publish("c", b"2")
    assert [d for _, d in await ok.wait_for(2)] == [b"1", b"2"]


async def test_ping(bus: Bus) -> None:
    assert await bus.ping() is True


async def test_two_redis_buses_see_each_other_and_respect_prefix(redis_prefix: str) -> None:
    a = RedisBus(REDIS_URL, prefix=redis_prefix)
    b = RedisBus(REDIS_URL, prefix=redis_prefix)
    other = RedisBus(REDIS_URL, prefix=redis_prefix + "other:")
    for x in (a, b, other):
        await x.start()
    try:
        got, foreign = Inbox(), Inbox()
        await b.subscribe("btcusdt@kline_1m", got)
        await other.subscribe("btcusdt@kline_1m", foreign)
        await _settle(b)
        await _settle(other)
        await a.publish("btcusdt@kline_1m", b"k")
        assert await got.wait_for(1) == [("btcusdt@kline_1m", b"k")]
        await asyncio.sleep(0.05)
        assert foreign.items == []
    finally:
        for x in (a, b, other):
            await x.close()


async def test_redis_outage_degrades_then_recovers(tmp_path: Path) -> None:
    """Stop a real Redis: publish fails with BusUnavailable (no hang), ping is False; after a
    restart the subscriber reconnects, re-subscribes and receives again."""
    server = RedisProcess(tmp_path)
    server.start()
    bus = RedisBus(server.url, prefix="fault:", socket_timeout_s=0.3)
    await bus.start()
    inbox = Inbox()
    try:
        await bus.subscribe("c", inbox)
        await _settle(bus)
        await bus.publish("c", b"before")
        await inbox.wait_for(1)

        server.stop()
        with pytest.raises(BusUnavailable):
            await bus.publish("c", b"lost")
        assert await bus.ping() is False

        server.start()  # same port

        async def republish_until_received() -> None:
            while len(inbox.items) < 2:
                with contextlib.suppress(BusUnavailable):
                    await bus.publish("c", b"after")
                await asyncio.sleep(0.1)

        await asyncio.wait_for(republish_until_received(), 15)
        assert inbox.items[-1] == ("c", b"after")
        assert await bus.ping() is True
    finally:
        await bus.close()
        server.stop()
