"""POST /admin/users/{id}/revoke-sessions: every refresh token and access token of the user is
refused at once, the open /ws user stream ends (on this replica and, over Redis, on another),
and the user can log in again afterwards (unlike a block)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection

from tests.admin.conftest import USERS, audit_entries
from tests.auth.helpers import ME, REFRESH, bearer, error_code, login, login_resp, signup
from tests.realtime.conftest import (  # noqa: F401  (fixtures used by name)
    Server,
    WsSettings,
    bus_kind,
    call,
    redis_client,
    ws_settings,
)
from tests.realtime.test_ws_revoke import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    http,
    servers,
    subscribed_trader,
    user_event,
)


async def assert_revoked(
    ws: ClientConnection, publisher: Server, watcher: Server, uid: int
) -> None:
    """The very next frame is the revocation notice (nothing of the user's stream slips in
    between), and user events published afterwards do not arrive. No clock: "at once" is
    "before any later frame"; the wait bound only keeps a broken run from hanging."""
    notice = json.loads(await asyncio.wait_for(ws.recv(), 30))
    assert notice["error"]["code"] == 6, notice
    assert "revoked" in notice["error"]["msg"], notice
    assert f"user:{uid}" not in watcher.hub.channels
    await publisher.publish(f"user:{uid}", user_event(uid, 2))
    assert await call(ws, "LIST_SUBSCRIPTIONS", None, 3) == {"result": ["btcusdt@ticker"], "id": 3}


async def test_revoke_refuses_every_token_at_once_and_login_still_works(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = await signup(ac, "erin")
    second = await login(ac, "erin")  # a second login (another device)
    uid = int(first["user"]["id"])
    for grant in (first, second):
        assert (await ac.get(ME, headers=bearer(grant["access_token"]))).status_code == 200
    resp = await ac.post(f"{USERS}/{uid}/revoke-sessions", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["is_active"] is True
    for grant in (first, second):
        me = await ac.get(ME, headers=bearer(grant["access_token"]))
        assert me.status_code == 401, me.text
        refreshed = await ac.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
        assert refreshed.status_code == 401, refreshed.text
    assert (await login_resp(ac, "erin")).status_code == 200  # not a block
    entries = await audit_entries(ac, admin_headers, action="user.sessions_revoked")
    assert [(e["target_id"], e["actor_username"]) for e in entries] == [(str(uid), "root")]


async def test_revoke_unknown_user_is_404(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await ac.post(f"{USERS}/999999/revoke-sessions", headers=admin_headers)
    assert resp.status_code == 404 and error_code(resp) == "user_not_found"


async def test_revoke_ends_the_open_user_stream(
    ws_settings: WsSettings,  # noqa: F811
    redis_client: aioredis.Redis,  # noqa: F811
) -> None:
    """MemoryBus and RedisBus (bus_kind): the session loses its user stream at once."""
    async with servers(ws_settings, 1) as [srv], http(srv) as api, srv.connect() as ws:
        grant = await subscribed_trader(api, srv, ws, redis_client)
        uid = int(grant["user"]["id"])
        first = user_event(uid, 1)
        await srv.publish(f"user:{uid}", first)
        assert await ws.recv(decode=False) == first
        admin = bearer((await login(api, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        resp = await api.post(f"{USERS}/{uid}/revoke-sessions", headers=admin)
        assert resp.status_code == 200, resp.text
        await assert_revoked(ws, srv, srv, uid)


@pytest.mark.parametrize("bus_kind", ["redis"])
async def test_revoke_on_one_replica_ends_the_user_stream_on_another(
    ws_settings: WsSettings,  # noqa: F811
    redis_client: aioredis.Redis,  # noqa: F811
) -> None:
    async with (
        servers(ws_settings, 2) as [watcher, publisher],
        http(watcher) as api,
        http(publisher) as admin_api,
        watcher.connect() as ws,
    ):
        grant = await subscribed_trader(api, watcher, ws, redis_client)
        uid = int(grant["user"]["id"])
        admin = bearer((await login(admin_api, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        resp = await admin_api.post(f"{USERS}/{uid}/revoke-sessions", headers=admin)
        assert resp.status_code == 200, resp.text
        await assert_revoked(ws, publisher, watcher, uid)
        refused = await api.get(ME, headers=bearer(grant["access_token"]))
        assert error_code(refused) == "token_invalid"
