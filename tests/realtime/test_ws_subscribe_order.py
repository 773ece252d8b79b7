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

    publisher = asyncio.create_task(busy())
    try:
        for i in range(2, 8):
            async with server.connect() as ws:
                # the first stream's frames flow as soon as it joins; the reply must still lead
                streams = ["btcusdt@trade", "ethusdt@trade", "btcusdt@kline_1m"]
                await ws.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": i}))
                first = json.loads(await ws.recv())
                assert first == {"result": None, "id": i}, first
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
