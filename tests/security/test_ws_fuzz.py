"""`/ws` under bad input: random and malformed frames, huge frames, floods, thousands of
subscriptions, AUTH with garbage. Each ends in error frames (the connection stays usable) or a
clean close with a code; the server never crashes or hangs, and once the clients are gone its
connection count and hub channels are back to zero (no leak)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from backend import streams
from tests.realtime.conftest import Server, WsSettings, call, serve, wait_until
from tests.security.conftest import FUZZ_EXAMPLES

# Close codes a fuzzed connection may end with: policy (rate, bad input), too big, server error
# never (1011 would be a crash inside the handler).
CLEAN_CLOSES = {1000, 1003, 1007, 1008, 1009}
METHODS = ["SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY", "AUTH"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
requests = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(METHODS) | st.text(max_size=12) | json_values,
        "params": json_values
        | st.lists(
            st.sampled_from(["btcusdt@ticker", "user", "ethusdt@kline_1m"]) | st.text(max_size=30)
        ),
        "id": json_values,
    },
)
frames = st.one_of(
    requests.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),  # not JSON at all
    st.binary(max_size=200),  # binary frames, not UTF-8 either
    requests.map(lambda r: json.dumps(r)[:-1]),  # truncated JSON
)


async def still_usable_or_closed(srv: Server, ws: Any, probe_id: int) -> None:
    """After the fuzzed frames: the server answers a good request, or has closed cleanly."""
    try:
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": probe_id}))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert isinstance(reply, dict), reply
            if reply.get("id") == probe_id and "result" in reply:
                return
            # an error frame for a fuzzed request, or a stream frame: never a traceback
            assert set(reply) <= {"error", "id", "result", "stream", "data", "source"}, reply
            if "error" in reply:
                assert isinstance(reply["error"]["code"], int) and reply["error"]["msg"], reply
    except ConnectionClosed:
        assert ws.close_code in CLEAN_CLOSES, (ws.close_code, ws.close_reason)


async def drained(srv: Server) -> None:
    await wait_until(lambda: srv.limits.total == 0, "every /ws slot given back")
    await wait_until(lambda: not srv.hub.channels, "every hub channel released")


@pytest.fixture
async def fuzz_server(ws_settings: WsSettings) -> Any:
    async with serve(ws_settings(ws_max_msgs_per_s=10_000)) as srv:
        yield srv


@settings(  # both buses: bus_kind's own params
    max_examples=10 * FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(frames, min_size=1, max_size=6))
async def test_random_frames_get_error_frames_or_a_clean_close(
    fuzz_server: Server, batch: list[str | bytes]
) -> None:
    async with fuzz_server.connect() as ws:
        for frame in batch:
            try:
                await ws.send(frame)
            except ConnectionClosed:
                break
        await still_usable_or_closed(fuzz_server, ws, 10**6)
    await drained(fuzz_server)


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_a_frame_over_the_size_limit_closes_1009_and_frees_the_slot(
    ws_settings: WsSettings,
) -> None:
    async with serve(ws_settings(ws_max_size=4096)) as srv:
        async with srv.connect(max_size=None) as ws:
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["x" * 10_000], "id": 1}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009
        async with srv.connect() as ws:  # the server still takes connections
            assert await call(ws, "LIST_SUBSCRIPTIONS", None, 2) == {"result": [], "id": 2}
        await drained(srv)


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_a_flood_is_cut_at_the_message_rate_and_leaves_nothing_behind(
    ws_settings: WsSettings,
) -> None:
    async with serve(ws_settings(ws_max_msgs_per_s=50)) as srv:
        flooders = [srv.connect() for _ in range(20)]
        sockets = [await f.__aenter__() for f in flooders]
        try:
            for ws in sockets:  # 2,000 frames each, without reading a reply
                for i in range(2000):
                    try:
                        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
                    except ConnectionClosed:
                        break
            for ws in sockets:
                with pytest.raises(ConnectionClosed):
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1008, ws.close_reason
        finally:
            for f in flooders:
                await f.__aexit__(None, None, None)
        async with srv.connect() as ws:  # a well-behaved client is served as before
            assert await call(ws, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}
        await drained(srv)


@pytest.mark.parametrize("bus_kind", ["memory", "redis"])
async def test_thousands_of_subscriptions_are_bounded_and_all_released(
    ws_settings: WsSettings,
) -> None:
    srv_settings = ws_settings(
        ws_max_msgs_per_s=10_000, ws_max_streams_per_conn=1024, ws_max_size=1 << 20
    )
    async with serve(srv_settings) as srv:
        symbols = srv_settings.market_symbols
        catalog = sorted(
            {
                n
                for sym in symbols
                for n in streams.symbol_streams(sym, srv_settings.market_intervals)
            }
        )
        sockets = [await srv.connect().__aenter__() for _ in range(30)]
        try:
            for n, ws in enumerate(sockets):
                # 5,000 names in one request: refused whole (over the per-connection cap)
                huge = [catalog[i % len(catalog)] + f"x{i}" for i in range(5000)]
                reply = await call(ws, "SUBSCRIBE", huge, n)
                assert reply["id"] == n and "error" in reply, reply
                # then the whole catalogue, one request per stream, three times over
                for rep in range(3):
                    for i, name in enumerate(catalog):
                        body = {"method": "SUBSCRIBE", "params": [name], "id": rep * 1000 + i}
                        await ws.send(json.dumps(body))
                await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "end"}))
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    assert "error" not in reply, reply
                    if reply.get("id") == "end":
                        assert sorted(reply["result"]) == catalog
                        break
            assert srv.hub.channels
        finally:
            for ws in sockets:
                await ws.close()
        await drained(srv)
