"""Private events on `/ws`: AUTH (frame or `?token=`), the `user` stream, only one's own events."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from tests.realtime.conftest import (
    Server,
    WsSettings,
    bus_ready,
    call,
    make_user,
    serve,
    token,
)


def user_event(user_id: int, n: int) -> bytes:
    data = {"e": "executionReport", "user": user_id, "n": n}
    return json.dumps({"stream": "user", "data": data}).encode()


async def test_auth_then_user_stream_delivers_only_own_events(
    server: Server, redis_client: aioredis.Redis
) -> None:
    settings = server.app.state.runtime.settings
    a, b = await make_user(server, "alice"), await make_user(server, "bob")
    async with server.connect() as alice, server.connect(f"token={token(settings, b)}") as bob:
        assert await call(alice, "AUTH", [token(settings, a)], 1) == {"result": None, "id": 1}
        assert await call(alice, "SUBSCRIBE", ["user"], 2) == {"result": None, "id": 2}
        assert await call(bob, "SUBSCRIBE", ["user"], 2) == {"result": None, "id": 2}
        await bus_ready(server, f"user:{a}", redis_client, settings)
        await bus_ready(server, f"user:{b}", redis_client, settings)
        assert await call(alice, "LIST_SUBSCRIPTIONS", None, 3) == {"result": ["user"], "id": 3}
        for_bob, for_alice = user_event(b, 1), user_event(a, 2)
        await server.publish(f"user:{b}", for_bob)
        await server.publish(f"user:{a}", for_alice)
        assert await alice.recv(decode=False) == for_alice  # bob's event never reached her
        assert await bob.recv(decode=False) == for_bob


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_reauth_as_another_user_moves_the_user_stream(server: Server) -> None:
    settings = server.app.state.runtime.settings
    one, two = await make_user(server, "one"), await make_user(server, "two")
    async with server.connect() as ws:
        await call(ws, "AUTH", [token(settings, one)], 1)
        await call(ws, "SUBSCRIBE", ["user"], 2)
        assert server.hub.channels == {f"user:{one}"}
        assert await call(ws, "AUTH", [token(settings, two)], 3) == {"result": None, "id": 3}
        assert server.hub.channels == {f"user:{two}"}
        await server.publish(f"user:{one}", user_event(one, 1))
        mine = user_event(two, 2)
        await server.publish(f"user:{two}", mine)
        assert await ws.recv(decode=False) == mine


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_bad_query_token_gets_an_error_frame_and_stays_anonymous(server: Server) -> None:
    async with server.connect("token=garbage") as ws:
        first = json.loads(await ws.recv())
        assert first["error"]["code"] == 6
        assert first["id"] is None
        reply = await call(ws, "SUBSCRIBE", ["user"], 4)
        assert reply["error"]["code"] == 6


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_expired_foreign_revoked_or_disabled_tokens_are_refused(server: Server) -> None:
    settings = server.app.state.runtime.settings
    uid = await make_user(server, "carol")
    blocked = await make_user(server, "dave", active=False)
    stale = token(settings, uid, now=datetime.now(UTC) - timedelta(hours=2))
    foreign = token(settings.model_copy(update={"jwt_audience": "someone-else"}), uid)
    old_version = token(settings, uid, version=1)  # e.g. issued before a password change
    nobody = token(settings, 999_999)
    async with server.connect() as ws:
        for i, bad in enumerate((stale, foreign, old_version, token(settings, blocked), nobody)):
            reply = await call(ws, "AUTH", [bad], i)
            assert reply["error"]["code"] == 6, reply
            assert reply["id"] == i
        assert (await call(ws, "SUBSCRIBE", ["user"], 9))["error"]["code"] == 6


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_user_stream_stops_when_the_token_expires(ws_settings: WsSettings) -> None:
    async with serve(ws_settings(access_token_ttl_s=1)) as srv, srv.connect() as ws:
        settings = srv.app.state.runtime.settings
        await call(ws, "AUTH", [token(settings, await make_user(srv, "erin"))], 1)
        assert await call(ws, "SUBSCRIBE", ["user", "btcusdt@ticker"], 2) == {
            "result": None,
            "id": 2,
        }
        notice = json.loads(await ws.recv())  # arrives when the token expires
        assert notice["error"]["code"] == 6
        assert "expired" in notice["error"]["msg"]
        assert await call(ws, "LIST_SUBSCRIPTIONS", None, 3) == {
            "result": ["btcusdt@ticker"],
            "id": 3,
        }
        assert srv.hub.channels == {"btcusdt@ticker"}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_query_token_never_reaches_the_logs(ws_settings: WsSettings) -> None:
    records = _Records()
    uvicorn_log = logging.getLogger("uvicorn.error")
    async with serve(ws_settings(log_level="INFO")) as srv:
        uvicorn_log.addHandler(records)  # after create_app: setup_logging resets handlers
        try:
            secret = token(srv.app.state.runtime.settings, await make_user(srv, "frank"))
            async with srv.connect(f"token={secret}&x=1") as ws:
                assert await call(ws, "SUBSCRIBE", ["user"], 1) == {"result": None, "id": 1}
        finally:
            uvicorn_log.removeHandler(records)
    accepted = [line for line in records.lines if "[accepted]" in line]
    assert accepted, records.lines  # the handshake line was logged...
    assert all(secret not in line for line in records.lines)  # ...without the token
    assert "token=***&x=1" in accepted[0]
