"""AUTH and SUBSCRIBE ["user"] sent back-to-back (no wait for the AUTH reply) on one connection:
the server handles a connection's frames strictly in order, so the subscription succeeds."""

from __future__ import annotations

import json

import pytest

from tests.realtime.conftest import Server, make_user, token, wait_until


@pytest.mark.parametrize("bus_kind", ["memory"])
async def test_subscribe_user_right_behind_auth_is_accepted(server: Server) -> None:
    settings = server.app.state.runtime.settings
    uid = await make_user(server, "quick")
    async with server.connect() as ws:
        auth = {"method": "AUTH", "params": [token(settings, uid)], "id": 1}
        sub = {"method": "SUBSCRIBE", "params": ["user"], "id": 2}
        await ws.send(json.dumps(auth))
        await ws.send(json.dumps(sub))
        replies = [json.loads(await ws.recv()) for _ in range(2)]
        assert replies == [{"result": None, "id": 1}, {"result": None, "id": 2}]
        await wait_until(lambda: f"user:{uid}" in server.hub.channels, "user channel")
