"""Connection caps on `/ws` and `/stream`: per client address (429) and per process (503),
refused before the upgrade, and the slot comes back when a connection ends."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from backend.realtime.limits import ConnectionLimits
from tests.realtime.conftest import WsSettings, call, serve, wait_until

MEMORY_BUS = pytest.mark.parametrize("bus_kind", ["memory"])


def _refused_count(reason: str) -> float:
    value = REGISTRY.get_sample_value("cd_ws_refused_total", {"reason": reason})
    return value or 0.0


async def _refused(url: str) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, compression=None, open_timeout=10):
            pass
    return info.value


@MEMORY_BUS
async def test_connections_above_the_per_address_cap_get_429_until_one_closes(
    ws_settings: WsSettings,
) -> None:
    async with serve(ws_settings(ws_max_conns_per_ip=2, ws_max_conns=10)) as srv:
        limits = srv.limits
        async with srv.connect() as a, connect(f"{srv.base}/ws", compression=None) as b:
            before = _refused_count("per_address")
            refused = await _refused(f"{srv.base}/ws/btcusdt@ticker")
            assert refused.response.status_code == 429
            assert _refused_count("per_address") == before + 1
            assert refused.response.headers["Retry-After"] == "1"
            assert (
                json.loads(refused.response.body or b"")["error"]["code"] == "ws_connection_limit"
            )
            assert limits.count("127.0.0.1") == 2
            # the open ones are unaffected
            assert await call(a, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}
            assert await call(b, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}
        await wait_until(lambda: limits.total == 0, "both slots given back")
        async with srv.connect() as c:
            assert await call(c, "LIST_SUBSCRIPTIONS", None, 2) == {"result": [], "id": 2}


@MEMORY_BUS
async def test_connections_above_the_process_cap_get_503(ws_settings: WsSettings) -> None:
    async with serve(ws_settings(ws_max_conns_per_ip=5, ws_max_conns=1)) as srv:
        async with srv.connect() as a:
            refused = await _refused(srv.url)
            assert refused.response.status_code == 503
            assert await call(a, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}
        await wait_until(lambda: srv.limits.total == 0, "the slot given back")
        async with srv.connect() as b:
            assert await call(b, "LIST_SUBSCRIPTIONS", None, 2) == {"result": [], "id": 2}


@MEMORY_BUS
async def test_a_connection_closed_by_the_server_gives_its_slot_back(
    ws_settings: WsSettings,
) -> None:
    async with serve(ws_settings(ws_max_conns_per_ip=1)) as srv:
        limits = srv.limits
        # refused by the server (invalid stream in the URL: error frame, close 1008)
        async with connect(f"{srv.base}/ws/BAD", compression=None) as ws:
            await ws.recv()
            await ws.wait_closed()
        await wait_until(lambda: limits.total == 0, "the slot of the closed connection")
        async with srv.connect() as ok:
            assert await call(ok, "LIST_SUBSCRIPTIONS", None, 1) == {"result": [], "id": 1}


def test_the_counter_is_per_address_and_never_negative() -> None:
    limits = ConnectionLimits(max_total=3, max_per_address=2)
    assert limits.acquire("10.0.0.1") is None
    assert limits.acquire("10.0.0.1") is None
    refusal = limits.acquire("10.0.0.1")
    assert refusal is not None and refusal.status == 429
    assert limits.acquire("10.0.0.2") is None
    full = limits.acquire("10.0.0.3")
    assert full is not None and full.status == 503
    limits.release("10.0.0.1")
    assert limits.count("10.0.0.1") == 1 and limits.total == 2
    assert limits.acquire("10.0.0.3") is None
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.3"):
        limits.release(address)  # the last one holds nothing: no effect
    assert limits.total == 0 and limits.count("10.0.0.3") == 0
