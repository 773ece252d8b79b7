"""An open `/ws` session loses the private `user` stream as soon as its tokens are revoked
(admin block, password change), on the replica that made the change and on every other one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection

from tests.auth.helpers import PASSWORD, bearer, login, signup
from tests.realtime.conftest import Server, WsSettings, bus_ready, call, serve

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
USERS = "/api/v1/admin/users"
REVOKE_DEADLINE_S = 1.0


def http(srv: Server) -> httpx.AsyncClient:
    base = srv.url.removeprefix("ws://").removesuffix("/stream")
    return httpx.AsyncClient(base_url=f"http://{base}", timeout=10)


@asynccontextmanager
async def servers(ws_settings: WsSettings, count: int) -> AsyncIterator[list[Server]]:
    """`count` app instances on one database and one bus prefix (two API processes)."""
    settings = ws_settings(
        admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, admin_username="root"
    )
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(serve(settings)) for _ in range(count)]


def user_event(user_id: int, n: int) -> bytes:
    data = {"e": "outboundAccountPosition", "user": user_id, "n": n}
    return json.dumps({"stream": "user", "data": data}).encode()


async def subscribed_trader(
    api: httpx.AsyncClient, srv: Server, ws: ClientConnection, redis: aioredis.Redis
) -> dict[str, Any]:
    grant = await signup(api, "trader1")
    uid = int(grant["user"]["id"])
    assert await call(ws, "AUTH", [grant["access_token"]], 1) == {"result": None, "id": 1}
    assert await call(ws, "SUBSCRIBE", ["user", "btcusdt@ticker"], 2) == {"result": None, "id": 2}
    await bus_ready(srv, f"user:{uid}", redis, srv.app.state.runtime.settings)
    return grant


async def assert_revoked(
    ws: ClientConnection, publisher: Server, watcher: Server, uid: int, started: float
) -> None:
    """The next frame is the revocation notice, in time; later user events do not arrive."""
    notice = json.loads(await asyncio.wait_for(ws.recv(), REVOKE_DEADLINE_S))
    elapsed = asyncio.get_running_loop().time() - started
    assert notice["error"]["code"] == 6, notice
    assert "revoked" in notice["error"]["msg"], notice
    assert notice["id"] is None
    assert elapsed < REVOKE_DEADLINE_S
    assert f"user:{uid}" not in watcher.hub.channels
    await publisher.publish(f"user:{uid}", user_event(uid, 2))
    # the connection and its public streams stay; the reply is the next frame, not the event
    assert await call(ws, "LIST_SUBSCRIPTIONS", None, 3) == {"result": ["btcusdt@ticker"], "id": 3}
    refused = await call(ws, "SUBSCRIBE", ["user"], 4)
    assert refused["error"]["code"] == 6, refused


async def test_admin_block_ends_the_open_user_stream(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    async with servers(ws_settings, 1) as [srv], http(srv) as api, srv.connect() as ws:
        grant = await subscribed_trader(api, srv, ws, redis_client)
        uid = int(grant["user"]["id"])
        first = user_event(uid, 1)
        await srv.publish(f"user:{uid}", first)
        assert await ws.recv(decode=False) == first  # the stream works before the block
        admin = bearer((await login(api, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        started = asyncio.get_running_loop().time()
        resp = await api.patch(f"{USERS}/{uid}", json={"is_active": False}, headers=admin)
        assert resp.status_code == 200, resp.text
        await assert_revoked(ws, srv, srv, uid, started)


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_password_change_ends_the_open_user_stream(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    async with servers(ws_settings, 1) as [srv], http(srv) as api, srv.connect() as ws:
        grant = await subscribed_trader(api, srv, ws, redis_client)
        started = asyncio.get_running_loop().time()
        resp = await api.post(
            "/api/v1/users/me/password",
            json={"current_password": PASSWORD, "new_password": "Quiet-Harbor-Lantern-42"},
            headers=bearer(grant["access_token"]),
        )
        assert resp.status_code == 204, resp.text
        await assert_revoked(ws, srv, srv, int(grant["user"]["id"]), started)


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_role_change_keeps_the_user_stream(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    """An invalidation that leaves the token valid changes nothing for the session."""
    async with servers(ws_settings, 1) as [srv], http(srv) as api, srv.connect() as ws:
        grant = await subscribed_trader(api, srv, ws, redis_client)
        uid = int(grant["user"]["id"])
        admin = bearer((await login(api, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        resp = await api.patch(f"{USERS}/{uid}", json={"role": "analyst"}, headers=admin)
        assert resp.status_code == 200, resp.text
        await asyncio.sleep(0.2)  # give a (wrong) revocation the time to happen
        later = user_event(uid, 2)
        await srv.publish(f"user:{uid}", later)
        assert await ws.recv(decode=False) == later
        assert await call(ws, "LIST_SUBSCRIPTIONS", None, 3) == {
            "result": ["user", "btcusdt@ticker"],
            "id": 3,
        }


@pytest.mark.parametrize("bus_kind", ["redis"])
async def test_block_on_one_replica_ends_the_user_stream_on_another(
    ws_settings: WsSettings, redis_client: aioredis.Redis
) -> None:
    async with (
        servers(ws_settings, 2) as [a, b],
        http(a) as api_a,
        http(b) as api_b,
        b.connect() as ws,
    ):
        grant = await subscribed_trader(api_b, b, ws, redis_client)
        uid = int(grant["user"]["id"])
        first = user_event(uid, 1)
        await a.publish(f"user:{uid}", first)  # published on A, delivered by B
        assert await ws.recv(decode=False) == first
        admin = bearer((await login(api_a, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        started = asyncio.get_running_loop().time()
        resp = await api_a.patch(f"{USERS}/{uid}", json={"is_active": False}, headers=admin)
        assert resp.status_code == 200, resp.text
        await assert_revoked(ws, a, b, uid, started)
