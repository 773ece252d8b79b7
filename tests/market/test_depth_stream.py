"""Partial depth end to end over real sockets: fake Binance `<s>@depth20@100ms` -> the ingestor's
depth connection -> the bus (in-process and Redis) -> the trading DepthFeed and a /ws client
subscribed to `<s>@depth20` / `<s>@depth20@100ms` (Binance's names and payload)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import connect

from backend.bus import Bus
from backend.market.ingestor import run_feed
from backend.market.sources.binance import BinanceSource
from backend.market.state import MarketState
from backend.trading.depth import DepthBooks, DepthFeed
from tests.conftest import make_settings
from tests.fakes.binance_server import FakeBinance
from tests.market.test_ws_e2e import serve


def assert_binance_book(data: dict[str, object], levels: int) -> None:
    """Binance's partial-depth shape: an int id, best-first string pairs, an uncrossed book."""
    assert set(data) == {"lastUpdateId", "bids", "asks"}
    assert isinstance(data["lastUpdateId"], int)
    bids, asks = data["bids"], data["asks"]
    assert isinstance(bids, list) and isinstance(asks, list)
    assert 0 < len(bids) <= levels and 0 < len(asks) <= levels
    for side in (bids, asks):
        for level in side:
            assert isinstance(level, list) and len(level) == 2
            assert all(isinstance(x, str) for x in level) and Decimal(level[1]) > 0
    bid_prices = [Decimal(p) for p, _ in bids]
    ask_prices = [Decimal(p) for p, _ in asks]
    assert bid_prices == sorted(bid_prices, reverse=True)
    assert ask_prices == sorted(ask_prices)
    assert bid_prices[0] < ask_prices[0]


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_ingestor_publishes_depth_frames_and_the_trading_feed_keeps_the_book(
    db_url: str, tmp_path: Path, sm: async_sessionmaker[AsyncSession], bus: Bus
) -> None:
    async with FakeBinance() as fake:
        fake.set_ticker("BTCUSDT", "65000.00")
        settings = make_settings(
            db_url,
            tmp_path,
            market_source="binance",
            market_symbols=["BTCUSDT", "ETHUSDT"],
            market_intervals=["1m"],
            binance_rest_url=fake.rest_url,
            binance_ws_url=fake.ws_url,
        )
        got: dict[str, list[dict[str, object]]] = {}
        for channel in ("btcusdt@depth20@100ms", "btcusdt@depth20"):
            await bus.subscribe(channel, lambda c, d: got.setdefault(c, []).append(json.loads(d)))
        books = DepthBooks()
        state = MarketState(settings.market_symbols, settings.market_intervals)
        source = BinanceSource(settings, silence_timeout_s=5, backoff_base_s=0.01)
        async with DepthFeed(books, bus, settings.market_symbols, levels=20):
            task = asyncio.create_task(run_feed(settings, sm, bus, state, source=source))
            try:
                await fake.wait_subscribed("btcusdt@depth20@100ms")
                await fake.wait_subscribed("ethusdt@depth20@100ms")
                pushed: list[dict[str, object]] = []
                async with asyncio.timeout(15):
                    while len(got.get("btcusdt@depth20@100ms", [])) < 3:
                        book = fake.depth_book("BTCUSDT", 20)
                        pushed.append(book)
                        await fake.push("btcusdt@depth20@100ms", book)
                        await asyncio.sleep(0.1)
                    while books.get("BTCUSDT") is None:
                        await asyncio.sleep(0.02)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    fast = got["btcusdt@depth20@100ms"]
    # every book pushed once the bus subscription was live (a Redis SUBSCRIBE takes effect a
    # moment after it is sent) arrives as it was sent, in order, wrapped as the browser gets it
    first = next(i for i, b in enumerate(pushed) if b == fast[0]["data"])
    assert [f["data"] for f in fast] == pushed[first : first + len(fast)]
    assert all(f["stream"] == "btcusdt@depth20@100ms" and f["source"] == "binance" for f in fast)
    ids = [f["data"]["lastUpdateId"] for f in fast]  # type: ignore[index]
    assert ids == sorted(set(ids))
    for f in fast:
        assert_binance_book(f["data"], 20)  # type: ignore[arg-type]
    # the 1000 ms stream: the first book at once, then not more than one a second
    slow = got["btcusdt@depth20"]
    assert slow[0]["data"] == fast[0]["data"] and len(slow) < len(fast)
    kept = books.get("BTCUSDT", max_age=30)
    assert kept is not None and kept.last_update_id >= fast[0]["data"]["lastUpdateId"]  # type: ignore[index]
    # the fake's book: one tick wide, just above the last price
    assert kept.bids[0][0] == Decimal("65000.00") and kept.asks[0][0] == Decimal("65000.01")
    assert books.get("ETHUSDT", max_age=30) is None


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_depth_reaches_a_ws_client_under_binance_stream_names(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeBinance() as fake:
        fake.set_ticker("ETHUSDT", "3500.00")
        settings = make_settings(
            db_url,
            tmp_path,
            market_source="binance",
            market_symbols=["BTCUSDT", "ETHUSDT"],
            market_intervals=["1m"],
            binance_rest_url=fake.rest_url,
            binance_ws_url=fake.ws_url,
            run_ingestor="yes",
            jobs_inline=True,
        )
        fake.start_depth_feed(0.1)
        async with serve(settings) as url, connect(url, compression=None) as ws:
            await fake.wait_subscribed("ethusdt@depth20@100ms")
            streams = ["ethusdt@depth20", "ethusdt@depth20@100ms"]
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}))
            assert json.loads(await ws.recv()) == {"result": None, "id": 1}
            frames: dict[str, list[dict[str, object]]] = {}
            async with asyncio.timeout(15):
                while len(frames.get("ethusdt@depth20@100ms", [])) < 12 or not frames.get(
                    "ethusdt@depth20"
                ):
                    msg = json.loads(await ws.recv())
                    frames.setdefault(msg["stream"], []).append(msg)
            # a raw (non-combined) connection gets the bare Binance payload
            async with connect(url, compression=None) as raw:
                await raw.send(
                    json.dumps({"method": "SET_PROPERTY", "params": ["combined", False], "id": 2})
                )
                assert json.loads(await raw.recv()) == {"result": None, "id": 2}
                await raw.send(
                    json.dumps(
                        {"method": "SUBSCRIBE", "params": ["ethusdt@depth20@100ms"], "id": 3}
                    )
                )
                assert json.loads(await raw.recv()) == {"result": None, "id": 3}
                bare = json.loads(await asyncio.wait_for(raw.recv(), 5))
            await ws.send(
                json.dumps({"method": "SUBSCRIBE", "params": ["ethusdt@depth7"], "id": 4})
            )
            async with asyncio.timeout(5):
                err = json.loads(await ws.recv())
                while "id" not in err:
                    err = json.loads(await ws.recv())
    assert err["id"] == 4 and err["error"]["code"] == 2
    assert_binance_book(bare, 20)
    fast = frames["ethusdt@depth20@100ms"]
    for f in fast:
        assert f["source"] == "binance"
        assert_binance_book(f["data"], 20)  # type: ignore[arg-type]
    ids = [f["data"]["lastUpdateId"] for f in fast]  # type: ignore[index]
    assert ids == sorted(set(ids))  # strictly increasing: one counter per symbol
    best_bid = Decimal(fast[-1]["data"]["bids"][0][0])  # type: ignore[index]
    assert Decimal("3499") < best_bid < Decimal("3500.01")
    # 12+ fast frames took >= ~1.1 s, yet the slow stream sent at most a couple
    assert 1 <= len(frames["ethusdt@depth20"]) <= 3
