"""A SUBSCRIBE's reply comes before any frame of the streams it adds, even on a busy stream."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from tests.realtime.conftest import Server


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_no_live_frame_overtakes_the_subscribe_reply(server: Server) -> None:
    stop = asyncio.Event()
    frame = json.dumps({"e": "trade", "s": "BTCUSDT", "p": "1", "q": "1", "t": 1}).encode()

    async def busy() -> None:  # a stream publishing as fast as the loop allows
        while not stop.is_set():
            await server.publish("btcusdt@trade", frame)
            await asyncio.sleep(0)

    async with server.connect() as other, server.connect() as ws:
        # another client keeps the channel alive, so frames flow the moment ws joins it
        await other.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}))
        assert json.loads(await other.recv()) == {"result": None, "id": 1}
        publisher = asyncio.create_task(busy())
        try:
            for i in range(2, 8):
                streams = ["btcusdt@trade", "ethusdt@trade", "btcusdt@kline_1m"]
                await ws.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": i}))
                first = json.loads(await ws.recv())
                assert first == {"result": None, "id": i}, first
                await ws.send(json.dumps({"method": "UNSUBSCRIBE", "params": streams, "id": 100}))
                while json.loads(await ws.recv()) != {"result": None, "id": 100}:
                    pass  # frames queued before the unsubscribe took effect
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
