"""Real Binance client libraries, unchanged, pointed at the platform (a uvicorn server on
127.0.0.1; the events published on the bus as the ingest pipeline publishes them):

- the official connector (`binance-connector`, SpotWebsocketStreamClient) on `/ws` (raw) and
  `/stream` (combined), subscribing with SUBSCRIBE;
- python-binance's BinanceSocketManager on `/ws/<stream>` and `/stream?streams=a/b`;
- Binance's official SDK (`binance-sdk-spot`, SpotWebSocketStreams) on `/stream`, which parses
  each event into its typed models itself;
- every event the first two deliver is parsed by those SDK models too (strict pydantic types),
  which must find every field and no field of ours.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from binance.async_client import AsyncClient
from binance.websocket.spot.websocket_stream import SpotWebsocketStreamClient
from binance.ws.streams import BinanceSocketManager
from binance_common.configuration import ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot
from binance_sdk_spot.websocket_streams.models import (
    KlineResponse,
    PartialBookDepthResponse,
    TickerResponse,
    TradeResponse,
)
from binance_sdk_spot.websocket_streams.models.enums import (
    PartialBookDepthLevelsEnum,
    PartialBookDepthUpdateSpeedEnum,
)
from pydantic import BaseModel

from backend import streams
from backend.integrations.binance.schemas import (
    parse_depth,
    parse_kline_event,
    parse_ticker_event,
    parse_trade_event,
)
from tests.fakes.binance_events import kline_event, kline_row, ticker_event, trade_event
from tests.realtime.conftest import Server, bus_ready

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TICKER = streams.ticker("BTCUSDT")
KLINE = streams.kline("BTCUSDT", "1m")
TRADE = streams.trade("BTCUSDT")
DEPTH = streams.partial_depth("BTCUSDT", 20)
ALL = (TICKER, KLINE, TRADE, DEPTH)


def _payloads() -> dict[str, object]:
    """One event per stream, serialized by the platform's own Binance serializers."""
    row = kline_row(NOW, "1m", "60000", "60100", "59900", "60050")
    book = {
        "lastUpdateId": 42,
        "bids": [[f"{60000 - i}.00000000", "0.50000000"] for i in range(20)],
        "asks": [[f"{60001 + i}.00000000", "0.25000000"] for i in range(20)],
    }
    return {
        TICKER: parse_ticker_event(ticker_event("BTCUSDT", "60050", NOW)).to_binance(),
        KLINE: parse_kline_event(kline_event("BTCUSDT", "1m", row, closed=False)).to_binance(),
        TRADE: parse_trade_event(trade_event("BTCUSDT", 7, "60050", "0.2", NOW)).to_binance(),
        DEPTH: parse_depth(book, "BTCUSDT").to_binance(),
    }


_MODELS: dict[str, type[BaseModel]] = {
    TICKER: TickerResponse,
    KLINE: KlineResponse,
    TRADE: TradeResponse,
    DEPTH: PartialBookDepthResponse,
}


def _dump(model: BaseModel) -> dict[str, Any]:
    """The event as the SDK model read it (by Binance's field names)."""
    skip = {"additional_properties"}
    parsed = model.model_dump(by_alias=True, exclude=skip, exclude_none=True)
    if isinstance(model, KlineResponse):
        assert model.k is not None
        parsed["k"] = model.k.model_dump(by_alias=True, exclude=skip, exclude_none=True)
    return parsed


def _known(model: BaseModel) -> set[str]:
    return {f.alias or name for name, f in type(model).model_fields.items()}


def _typed(stream: str, event: dict[str, Any]) -> None:
    """Binance's SDK model of the event: it knows every field and reads back the same values
    with its strict types (strings for decimals, integers for ids and times)."""
    model = _MODELS[stream].from_dict(event)  # type: ignore[attr-defined]
    assert isinstance(model, _MODELS[stream])
    assert set(event) <= _known(model), set(event) - _known(model)
    if isinstance(model, KlineResponse):
        assert model.k is not None
        assert set(event["k"]) <= _known(model.k), set(event["k"]) - _known(model.k)
    assert _dump(model) == event


async def _publish_all(server: Server, redis: aioredis.Redis) -> dict[str, object]:
    payloads = _payloads()
    for stream in ALL:
        await bus_ready(server, stream, redis, server.app.state.runtime.settings)
    for stream, data in payloads.items():
        await server.publish(stream, streams.market_frame(stream, data, "replay"))
    return payloads


class _Inbox:
    """Messages from a client's own thread, handed to the test's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.errors: list[BaseException] = []

    def on_message(self, _manager: object, message: str) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, message)

    def on_error(self, _manager: object, error: BaseException) -> None:
        self.errors.append(error)


async def _in_thread(fn: Callable[[], Any]) -> Any:
    # the connector's calls block (a synchronous handshake): keep them off the server's loop
    return await asyncio.to_thread(fn)


@pytest.mark.parametrize("bus_kind", ["memory", "redis"])
@pytest.mark.parametrize("combined", [False, True], ids=["ws-raw", "stream-combined"])
async def test_official_connector_streams_ticker_kline_trade_and_depth(
    server: Server, redis_client: aioredis.Redis, combined: bool
) -> None:
    inbox = _Inbox()
    client: SpotWebsocketStreamClient = await _in_thread(
        lambda: SpotWebsocketStreamClient(
            stream_url=server.base,
            on_message=inbox.on_message,
            on_error=inbox.on_error,
            is_combined=combined,
        )
    )
    try:

        def subscribe_all() -> None:
            client.ticker(symbol="btcusdt", id=1)
            client.kline(symbol="btcusdt", interval="1m", id=2)
            client.trade(symbol="btcusdt", id=3)
            client.partial_book_depth(symbol="btcusdt", level=20, speed=100, id=4)

        await _in_thread(subscribe_all)
        replies: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            while len(replies) < 4:
                replies.append(json.loads(await inbox.queue.get()))
        assert sorted(r["id"] for r in replies) == [1, 2, 3, 4]
        assert all(r["result"] is None for r in replies)
        payloads = await _publish_all(server, redis_client)
        got: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(10):
            while len(got) < len(ALL):
                frame = json.loads(await inbox.queue.get())
                if combined:
                    assert set(frame) >= {"stream", "data"}
                    got[frame["stream"]] = frame["data"]
                else:
                    got[_stream_of(frame)] = frame
    finally:
        await _in_thread(client.stop)
    assert inbox.errors == []
    assert got == payloads
    for stream, event in got.items():
        _typed(stream, event)


def _stream_of(event: dict[str, Any]) -> str:
    """Which stream a raw event came from, as a raw-stream client must tell (by its keys)."""
    kinds = {"24hrTicker": TICKER, "kline": KLINE, "trade": TRADE}
    return kinds[event["e"]] if "e" in event else DEPTH


@pytest.mark.parametrize("bus_kind", ["memory", "redis"])
async def test_python_binance_socket_manager_on_url_streams(
    server: Server, redis_client: aioredis.Redis
) -> None:
    client = AsyncClient()
    manager = BinanceSocketManager(client)
    manager.STREAM_URL = f"{server.base}/"
    sockets = {
        TICKER: manager.symbol_ticker_socket("BTCUSDT"),
        KLINE: manager.kline_socket("BTCUSDT", AsyncClient.KLINE_INTERVAL_1MINUTE),
        TRADE: manager.trade_socket("BTCUSDT"),
        DEPTH: manager.depth_socket(
            "BTCUSDT", depth=BinanceSocketManager.WEBSOCKET_DEPTH_20, interval=100
        ),
    }
    multiplex = manager.multiplex_socket(list(ALL))
    got: dict[str, Any] = {}
    wrapped: dict[str, Any] = {}
    for socket in [*sockets.values(), multiplex]:
        # its read loop waits this long for a frame before it looks at a close request
        socket.TIMEOUT = 0.2
    try:
        for socket in [*sockets.values(), multiplex]:
            await socket.__aenter__()
        payloads = await _publish_all(server, redis_client)
        async with asyncio.timeout(10):
            for stream, socket in sockets.items():
                got[stream] = await socket.recv()
            while len(wrapped) < len(ALL):
                message = await multiplex.recv()
                wrapped[message["stream"]] = message["data"]
    finally:
        await asyncio.gather(
            *(s.__aexit__(None, None, None) for s in [*sockets.values(), multiplex])
        )
        await client.close_connection()
    assert got == payloads
    assert wrapped == payloads
    for stream, event in got.items():
        _typed(stream, event)


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_official_sdk_parses_every_event_into_its_typed_models(
    server: Server, redis_client: aioredis.Redis
) -> None:
    spot = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=server.base))
    connection = await spot.websocket_streams.create_connection()
    got: dict[str, BaseModel] = {}
    try:
        handles = {
            TICKER: await connection.ticker(symbol="btcusdt"),
            KLINE: await connection.kline(symbol="btcusdt", interval="1m"),
            TRADE: await connection.trade(symbol="btcusdt"),
            DEPTH: await connection.partial_book_depth(
                symbol="btcusdt",
                levels=PartialBookDepthLevelsEnum.LEVELS_20,
                update_speed=PartialBookDepthUpdateSpeedEnum.UPDATE_SPEED_100ms,
            ),
        }
        arrived = asyncio.Event()

        def keep(stream: str) -> Callable[[BaseModel], None]:
            def on_message(model: BaseModel) -> None:
                got[stream] = model
                if len(got) == len(ALL):
                    arrived.set()

            return on_message

        for stream, handle in handles.items():
            handle.on("message", keep(stream))
        payloads = await _publish_all(server, redis_client)
        async with asyncio.timeout(10):
            await arrived.wait()
    finally:
        await connection.close_connection(close_session=True)
    for stream, model in got.items():
        assert isinstance(model, _MODELS[stream])
        assert _dump(model) == payloads[stream]
