"""Binance's stream endpoints and frame shapes (PROTOCOL.md §1.1, §1.5): `/ws` sends raw events
until `SET_PROPERTY combined true`, `/ws/<a>/<b>` and `/stream?streams=a/b` subscribe from the
URL, `/stream` wraps every event in `{"stream","data"}`."""

from __future__ import annotations

import json

import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend import streams
from tests.realtime.conftest import Server, bus_ready, call, event, make_user, token

TICKER = "btcusdt@ticker"
TRADE = "ethusdt@trade"


def _open(url: str) -> connect:
    return connect(url, compression=None, open_timeout=10)


async def test_ws_sends_raw_events_until_combined_is_set(
    server: Server, redis_client: aioredis.Redis
) -> None:
    async with _open(f"{server.base}/ws") as ws:
        assert await call(ws, "GET_PROPERTY", ["combined"], 1) == {"result": False, "id": 1}
        assert await call(ws, "SUBSCRIBE", [TICKER], 2) == {"result": None, "id": 2}
        await bus_ready(server, TICKER, redis_client, server.app.state.runtime.settings)
        payload = event(TICKER, 1)
        await server.publish(TICKER, payload)
        raw = await ws.recv()
        assert json.loads(raw) == json.loads(payload)["data"]  # no wrapper, no `source`
        assert await call(ws, "SET_PROPERTY", ["combined", True], 3) == {"result": None, "id": 3}
        await server.publish(TICKER, payload)
        assert await ws.recv(decode=False) == payload


async def test_ws_path_subscribes_the_streams_named_in_the_url(
    server: Server, redis_client: aioredis.Redis
) -> None:
    async with _open(f"{server.base}/ws/{TICKER}/{TRADE}") as ws:
        settings = server.app.state.runtime.settings
        for name in (TICKER, TRADE):
            await bus_ready(server, name, redis_client, settings)
        trade = event(TRADE, 2)
        await server.publish(TRADE, trade)
        assert json.loads(await ws.recv()) == json.loads(trade)["data"]
        listed = await call(ws, "LIST_SUBSCRIPTIONS", None, 1)
        assert listed == {"result": [TICKER, TRADE], "id": 1}
        assert await call(ws, "GET_PROPERTY", ["combined"], 2) == {"result": False, "id": 2}


async def test_stream_query_subscribes_and_wraps_every_event(
    server: Server, redis_client: aioredis.Redis
) -> None:
    url = f"{server.base}/stream?streams={TICKER}/{TRADE}&timeUnit=MILLISECOND"  # the default
    async with _open(url) as ws:
        settings = server.app.state.runtime.settings
        for name in (TICKER, TRADE):
            await bus_ready(server, name, redis_client, settings)
        payload = event(TICKER, 3)
        await server.publish(TICKER, payload)
        frame = json.loads(await ws.recv())
        assert frame["stream"] == TICKER and frame["data"] == json.loads(payload)["data"]
        assert await call(ws, "GET_PROPERTY", ["combined"], 1) == {"result": True, "id": 1}
        listed = await call(ws, "LIST_SUBSCRIPTIONS", None, 2)
        assert listed == {"result": [TICKER, TRADE], "id": 2}


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_a_bare_stream_endpoint_takes_subscriptions_later(server: Server) -> None:
    async with _open(f"{server.base}/stream") as ws:
        assert await call(ws, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}
        assert await call(ws, "SUBSCRIBE", [TICKER], 2) == {"result": None, "id": 2}
        payload = event(TICKER, 4)
        await server.publish(TICKER, payload)
        assert await ws.recv(decode=False) == payload


@pytest.mark.parametrize("bus_kind", ["memory"])
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/ws/btcusdt@ticker/BTCUSDT@trade", "Invalid request: invalid stream"),
        ("/stream?streams=btcusdt@ticker/dogeusdt@trade", "unknown stream `dogeusdt@trade`"),
        ("/ws/user", "Unauthorized"),
        ("/ws/btcusdt@ticker?timeUnit=MICROSECOND", "timeUnit `MICROSECOND` is not supported"),
        ("/stream?timeUnit=microsecond", "timeUnit `microsecond` is not supported"),
    ],
)
async def test_a_url_stream_that_subscribe_would_refuse_gets_an_error_then_close(
    server: Server, path: str, message: str
) -> None:
    async with _open(f"{server.base}{path}") as ws:
        reply = json.loads(await ws.recv())
        assert reply["id"] is None and message in reply["error"]["msg"]
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1008
    assert server.hub.channels == frozenset()


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_the_snapshot_after_a_subscribe_is_raw_on_a_raw_connection(server: Server) -> None:
    frame = event(TICKER, 9)
    server.set_snapshot({TICKER: frame}.get)
    async with _open(f"{server.base}/ws") as raw, _open(f"{server.base}/stream") as wrapped:
        assert await call(raw, "SUBSCRIBE", [TICKER], 1) == {"result": None, "id": 1}
        assert json.loads(await raw.recv()) == json.loads(frame)["data"]
        assert await call(wrapped, "SUBSCRIBE", [TICKER], 1) == {"result": None, "id": 1}
        assert await wrapped.recv(decode=False) == frame
    async with _open(f"{server.base}/ws/{TICKER}") as from_url:
        assert json.loads(await from_url.recv()) == json.loads(frame)["data"]


async def test_the_user_stream_named_in_the_url_with_a_token_sends_bare_events(
    server: Server, redis_client: aioredis.Redis
) -> None:
    settings = server.app.state.runtime.settings
    uid = await make_user(server, "ursula")
    url = f"{server.base}/ws/{TICKER}/user?token={token(settings, uid)}"
    async with _open(url) as ws:
        await bus_ready(server, streams.user_channel(uid), redis_client, settings)
        report = {"e": "executionReport", "E": 1, "s": "BTCUSDT", "X": "NEW"}
        await server.publish(streams.user_channel(uid), streams.user_frame(report))
        assert json.loads(await ws.recv()) == report
        listed = await call(ws, "LIST_SUBSCRIPTIONS", None, 1)
        assert listed == {"result": [TICKER, "user"], "id": 1}
