"""The whole path: fake Binance -> ingestor (in the API process) -> bus (in-process or Redis)
-> the /ws hub -> a `websockets` client, over a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from websockets.asyncio.client import connect

from backend.config import Settings
from backend.main import create_app
from backend.market.candles import floor_open
from tests.conftest import REDIS_URL, make_settings
from tests.fakes.binance_events import kline_row, trade_event
from tests.fakes.binance_server import FakeBinance


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[str]:
    """The real app on uvicorn, port 0, in this loop; yields the combined `/stream` URL."""
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_config=None,
                            loop="none")  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/stream"
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("bus_kind", ["memory", "redis"])
async def test_binance_trade_and_kline_reach_a_ws_subscriber(
    db_url: str, tmp_path: Path, redis_prefix: str, bus_kind: str
) -> None:
    async with FakeBinance() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            market_source="binance",
            market_symbols=["BTCUSDT", "ETHUSDT"],
            market_intervals=["1m", "1h"],
            binance_rest_url=fake.rest_url,
            binance_ws_url=fake.ws_url,
            run_ingestor="yes",
            redis_url=REDIS_URL if bus_kind == "redis" else None,
            redis_prefix=redis_prefix,
            jobs_inline=True,
        )
        async with serve(settings) as url, connect(url, compression=None) as ws:
            await ws.send(json.dumps({
                "method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@kline_1h"], "id": 1,
            }))  # fmt: skip
            assert json.loads(await ws.recv()) == {"result": None, "id": 1}
            await fake.wait_subscribed("btcusdt@trade")
            now = int(time.time() * 1000)
            row = kline_row(floor_open(now, "1m"), "1m", "60000", "60100", "59900", "60050")
            got: dict[str, dict[str, object]] = {}
            async with asyncio.timeout(15):
                while set(got) != {"btcusdt@trade", "btcusdt@kline_1h"}:
                    await fake.push("btcusdt@trade", trade_event("BTCUSDT", 7, "60050", "0.2", now))
                    await fake.push_kline("BTCUSDT", "1m", row, closed=False)
                    try:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    except TimeoutError:
                        continue
                    got[frame["stream"]] = frame
    trade = got["btcusdt@trade"]
    assert trade["source"] == "binance"
    assert trade["data"] == trade_event("BTCUSDT", 7, "60050", "0.2", now)
    hour = got["btcusdt@kline_1h"]["data"]
    assert isinstance(hour, dict)
    k = hour["k"]
    assert isinstance(k, dict) and k["t"] == floor_open(now, "1h") and k["c"] == "60050.00000000"


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_late_subscriber_gets_the_latest_ticker_at_once(
    db_url: str, tmp_path: Path
) -> None:
    """The hub asks the market state for the stream's newest frame right after SUBSCRIBE, so a
    new chart or overview does not wait for the next update."""
    async with FakeBinance() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            market_source="binance",
            market_symbols=["BTCUSDT", "ETHUSDT"],
            market_intervals=["1m", "1h"],
            binance_rest_url=fake.rest_url,
            binance_ws_url=fake.ws_url,
            run_ingestor="yes",
            jobs_inline=True,
        )
        async with serve(settings) as url:
            await fake.wait_subscribed("btcusdt@trade")
            now = int(time.time() * 1000)
            async with connect(url, compression=None) as first:
                await first.send(
                    json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@ticker"], "id": 1})
                )
                assert json.loads(await first.recv()) == {"result": None, "id": 1}
                async with asyncio.timeout(15):
                    while True:  # until one ticker went through the whole path
                        await fake.push(
                            "btcusdt@trade", trade_event("BTCUSDT", 9, "61000", "0.1", now)
                        )
                        try:
                            live = json.loads(await asyncio.wait_for(first.recv(), 1.5))
                        except TimeoutError:
                            continue
                        if live["stream"] == "btcusdt@ticker":
                            break
            async with connect(url, compression=None) as late:
                await late.send(
                    json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@ticker"], "id": 2})
                )
                assert json.loads(await late.recv()) == {"result": None, "id": 2}
                snap = json.loads(await asyncio.wait_for(late.recv(), 2))
    assert snap["stream"] == "btcusdt@ticker" and snap["source"] == "binance"
    assert snap["data"]["s"] == "BTCUSDT" and snap["data"]["c"] == live["data"]["c"]
