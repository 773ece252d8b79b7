"""`/ws` end to end: uvicorn on port 0, `websockets` clients, MemoryBus and RedisBus."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from backend.realtime.protocol import MSG_BAD_ID, MSG_INVALID_STREAM, MSG_TOO_MANY_PARAMS
from tests.realtime.conftest import (
    Server,
    WsSettings,
    bus_ready,
    call,
    event,
    serve,
    small_rcvbuf_socket,
    wait_until,
)

TICKER = "btcusdt@ticker"


async def subscribed(
    srv: Server, ws: ClientConnection, streams: list[str], redis: aioredis.Redis
) -> None:
    assert await call(ws, "SUBSCRIBE", streams, 7) == {"result": None, "id": 7}
    for name in streams:
        await bus_ready(srv, name, redis, srv.app.state.runtime.settings)


async def test_subscriber_receives_the_published_bytes_unchanged(
    server: Server, redis_client: aioredis.Redis
) -> None:
    async with server.connect() as a, server.connect() as b:
        await subscribed(server, a, [TICKER], redis_client)
        await subscribed(server, b, [TICKER, "ethusdt@trade"], redis_client)
        payload = event(TICKER, 1)
        await server.publish(TICKER, payload)
        assert await a.recv(decode=False) == payload
        assert await b.recv(decode=False) == payload
        trade = event("ethusdt@trade", 2)
        await server.publish("ethusdt@trade", trade)
        assert await b.recv(decode=False) == trade
        assert await call(a, "LIST_SUBSCRIPTIONS", None, "q1") == {"result": [TICKER], "id": "q1"}


async def test_unsubscribe_stops_delivery_and_releases_the_bus_channel(
    server: Server, redis_client: aioredis.Redis
) -> None:
    # miniTicker channels: no other domain of the app follows them on the bus, so the Redis
    # subscription count shows the hub's own (the market and trading domains follow tickers,
    # klines and trades in every API process).
    settings = server.app.state.runtime.settings
    mini = "btcusdt@miniTicker"
    async with server.connect() as ws:
        await subscribed(server, ws, [mini, "btcusdt@kline_1m"], redis_client)
        assert await call(ws, "UNSUBSCRIBE", [mini], 8) == {"result": None, "id": 8}
        assert server.hub.channels == {"btcusdt@kline_1m"}
        if settings.redis_url:

            async def released() -> bool:
                counts = await redis_client.pubsub_numsub(settings.redis_prefix + mini)
                return bool(counts[0][1] == 0)

            await wait_until(released, "Redis subscription released")
        await server.publish(mini, event(mini, 1))
        kline = event("btcusdt@kline_1m", 2)
        await server.publish("btcusdt@kline_1m", kline)
        # the kline was published after the miniTicker: had that been delivered, it came first
        assert await ws.recv(decode=False) == kline
    await wait_until(lambda: not server.hub.channels, "hub released every channel on close")


BAD_FRAMES = [
    ('{"method": "SUBSCRIBE", ', 3, "Invalid JSON: expected value at line 1 column", None),
    ("[1, 2]", 2, "Invalid request: expected a JSON object", None),
    (
        '{"method": "SUBSCRIBX", "params": [], "id": 4}',
        2,
        "Invalid request: unknown variant `SUBSCRIBX`, expected one of `SUBSCRIBE`",
        4,
    ),
    ('{"params": [], "id": 5}', 2, "Invalid request: missing field `method`", 5),
    ('{"method": "LIST_SUBSCRIPTIONS"}', 2, MSG_BAD_ID, None),
    ('{"method": "LIST_SUBSCRIPTIONS", "id": true}', 2, MSG_BAD_ID, None),
    ('{"method": "LIST_SUBSCRIPTIONS", "id": "no spaces"}', 2, MSG_BAD_ID, None),
    ('{"method": "LIST_SUBSCRIPTIONS", "id": 1.5}', 2, MSG_BAD_ID, None),
    ('{"method": "LIST_SUBSCRIPTIONS", "params": ["x"], "id": 6}', 2, MSG_TOO_MANY_PARAMS, 6),
    ('{"method": "GET_PROPERTY", "params": ["combined", 1], "id": 6}', 2, MSG_TOO_MANY_PARAMS, 6),
    ('{"method": "SUBSCRIBE", "params": ["BTCUSDT@ticker"], "id": 9}', 2, MSG_INVALID_STREAM, 9),
    ('{"method": "SUBSCRIBE", "params": ["btcusdt ticker"], "id": 9}', 2, MSG_INVALID_STREAM, 9),
    ('{"method": "SUBSCRIBE", "params": [42], "id": 9}', 2, MSG_INVALID_STREAM, 9),
    (
        '{"method": "SUBSCRIBE", "params": ["xrpxrp@miniTicker"], "id": 10}',
        2,
        "Invalid request: unknown stream `xrpxrp@miniTicker`",
        10,
    ),
    (
        '{"method": "SUBSCRIBE", "params": ["btcusdt@kline_3m"], "id": 10}',
        2,
        "Invalid request: unknown stream",
        10,
    ),
    (
        '{"method": "SUBSCRIBE", "params": "btcusdt@ticker", "id": 10}',
        2,
        "Invalid request: params must be an array",
        10,
    ),
    ('{"method": "SET_PROPERTY", "params": ["colour", true], "id": 11}', 0, "Unknown property", 11),
    (
        '{"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 11}',
        1,
        "Invalid value type: expected Boolean",
        11,
    ),
    (
        '{"method": "GET_PROPERTY", "params": [5], "id": 12}',
        2,
        "Invalid request: property name must be a string",
        12,
    ),
    ('{"method": "SUBSCRIBE", "params": ["user"], "id": 13}', 6, "Unauthorized: send AUTH", 13),
    ('{"method": "AUTH", "params": ["not-a-jwt"], "id": 14}', 6, "Unauthorized: ", 14),
    ('{"method": "AUTH", "params": [], "id": 14}', 2, "Invalid request: AUTH takes", 14),
]


@pytest.mark.parametrize("bus_kind", ["memory"])
@pytest.mark.parametrize(("frame", "code", "msg", "rid"), BAD_FRAMES)
async def test_bad_frame_gets_an_error_frame_and_the_connection_stays_usable(
    server: Server, frame: str, code: int, msg: str, rid: object
) -> None:
    async with server.connect() as ws:
        await ws.send(frame)
        reply = json.loads(await ws.recv())
        assert set(reply) == {"error", "id"}
        assert reply["id"] == rid
        assert reply["error"]["code"] == code
        assert reply["error"]["msg"].startswith(msg), reply
        assert await call(ws, "LIST_SUBSCRIPTIONS", None, 99) == {"result": [], "id": 99}
        assert not server.hub.channels  # a rejected SUBSCRIBE subscribed nothing


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_binary_frames_are_parsed_like_text(server: Server) -> None:
    async with server.connect() as ws:
        await ws.send(b'{"method": "GET_PROPERTY", "params": ["combined"], "id": 3}')
        assert json.loads(await ws.recv()) == {"result": True, "id": 3}


async def test_combined_false_sends_bare_events(
    server: Server, redis_client: aioredis.Redis
) -> None:
    async with server.connect() as raw, server.connect() as wrapped:
        await subscribed(server, raw, [TICKER], redis_client)
        await subscribed(server, wrapped, [TICKER], redis_client)
        assert await call(raw, "SET_PROPERTY", ["combined", False], 2) == {"result": None, "id": 2}
        assert await call(raw, "GET_PROPERTY", ["combined"], 3) == {"result": False, "id": 3}
        payload = event(TICKER, 5)
        await server.publish(TICKER, payload)
        assert json.loads(await raw.recv()) == json.loads(payload)["data"]
        assert await wrapped.recv(decode=False) == payload


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_more_than_the_message_rate_gets_an_error_then_close_1008(
    ws_settings: WsSettings,
) -> None:
    async with serve(ws_settings(ws_max_msgs_per_s=5)) as srv, srv.connect() as ws:
        for i in range(6):
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        replies = [json.loads(await ws.recv()) for _ in range(6)]
        assert replies[:5] == [{"result": [], "id": i} for i in range(5)]
        assert replies[5]["error"]["code"] == 5
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1008
        assert ws.close_reason == "too many messages"


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_more_streams_than_the_limit_are_refused_whole(ws_settings: WsSettings) -> None:
    async with serve(ws_settings(ws_max_streams_per_conn=3)) as srv, srv.connect() as ws:
        four = [TICKER, "btcusdt@trade", "btcusdt@miniTicker", "ethusdt@trade"]
        reply = await call(ws, "SUBSCRIBE", four, 1)
        assert reply["error"]["code"] == 4
        assert reply["id"] == 1
        assert await call(ws, "LIST_SUBSCRIPTIONS", None, 2) == {"result": [], "id": 2}
        # duplicates count once
        assert await call(ws, "SUBSCRIBE", [*four[:3], TICKER], 3) == {"result": None, "id": 3}
        assert (await call(ws, "SUBSCRIBE", ["ethusdt@trade"], 4))["error"]["code"] == 4
        assert await call(ws, "UNSUBSCRIBE", [TICKER], 5) == {"result": None, "id": 5}
        assert await call(ws, "SUBSCRIBE", ["ethusdt@trade"], 6) == {"result": None, "id": 6}
        assert srv.hub.channels == {"btcusdt@trade", "btcusdt@miniTicker", "ethusdt@trade"}


@pytest.mark.parametrize("bus_kind", ["redis"])  # processes share a bus only through Redis
async def test_two_app_instances_each_subscribe_only_what_their_clients_need(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    # miniTicker channels: followed by no other domain (see the unsubscribe test)
    settings = ws_settings()
    btc, eth = "btcusdt@miniTicker", "ethusdt@miniTicker"
    async with (
        serve(settings) as one,
        serve(settings) as two,
        one.connect() as a,
        two.connect() as b,
    ):
        await subscribed(one, a, [btc], redis_client)
        await subscribed(two, b, [eth], redis_client)
        assert one.hub.channels == {btc}
        assert two.hub.channels == {eth}
        keys = [settings.redis_prefix + btc, settings.redis_prefix + eth]
        counts = dict(await redis_client.pubsub_numsub(*keys))
        assert list(counts.values()) == [1, 1]  # one Redis subscription each, not two
        btc_event, eth_event = event(btc, 1), event(eth, 2)
        await one.publish(eth, eth_event)  # published by the other instance
        await two.publish(btc, btc_event)
        assert await a.recv(decode=False) == btc_event
        assert await b.recv(decode=False) == eth_event


async def test_a_slow_client_is_dropped_and_never_delays_a_fast_one(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    settings = ws_settings(ws_send_queue=16)
    async with serve(settings) as srv:
        slow = await srv.connect(sock=small_rcvbuf_socket(srv.url), max_queue=1)
        async with srv.connect(max_size=None) as fast:
            await subscribed(srv, slow, [TICKER], redis_client)
            await subscribed(srv, fast, [TICKER], redis_client)
            slow.transport.pause_reading()  # never reads from now on
            received: list[bytes] = []

            async def read_fast() -> None:
                while True:
                    received.append(await fast.recv(decode=False))

            reader = asyncio.create_task(read_fast())
            sent: list[bytes] = []
            for n in range(20_000):
                payload = event(TICKER, n, pad=16_384)
                sent.append(payload)
                await srv.publish(TICKER, payload)
                await asyncio.sleep(0)
                if srv.hub.subscriber_count(TICKER) == 1:
                    break
            assert srv.hub.subscriber_count(TICKER) == 1, "the slow client was never dropped"
            await wait_until(lambda: len(received) == len(sent), "fast client got every event")
            reader.cancel()
            assert received == sent  # complete and in order, while the slow one was stuck
        slow.transport.resume_reading()
        with pytest.raises(ConnectionClosed):
            while True:
                await slow.recv()
        assert (slow.close_code, slow.close_reason) == (1008, "slow consumer")


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_a_client_that_does_not_answer_pings_is_closed(ws_settings: WsSettings) -> None:
    settings = ws_settings(ws_ping_interval_s=0.2, ws_ping_timeout_s=0.3)
    async with serve(settings) as srv:
        dead = await srv.connect()
        async with srv.connect() as alive:
            assert (await call(dead, "SUBSCRIBE", [TICKER], 1))["result"] is None
            assert (await call(alive, "SUBSCRIBE", [TICKER], 1))["result"] is None
            dead.transport.pause_reading()  # sees no ping, so sends no pong
            await wait_until(lambda: srv.hub.subscriber_count(TICKER) == 1, "dead client gone")
            payload = event(TICKER, 1)
            await srv.publish(TICKER, payload)
            assert await alive.recv(decode=False) == payload  # alive kept answering pings
        dead.transport.resume_reading()
        with pytest.raises(ConnectionClosed):
            while True:
                await dead.recv()
        assert dead.close_code == 1011  # uvicorn's "keepalive ping timeout"


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_subscribe_sends_the_latest_snapshot_right_after_the_reply(server: Server) -> None:
    latest = event(TICKER, 41)
    # the seam a domain fills in (the market domain: its latest ticker per symbol)
    server.app.state.runtime.stream_snapshot = lambda stream: latest if stream == TICKER else None
    async with server.connect() as ws:
        reply = await call(ws, "SUBSCRIBE", [TICKER, "btcusdt@trade"], 1)
        assert reply == {"result": None, "id": 1}
        assert await ws.recv(decode=False) == latest
        fresh = event(TICKER, 42)
        await server.publish(TICKER, fresh)
        assert await ws.recv(decode=False) == fresh
