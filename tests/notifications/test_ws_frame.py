"""The notification frame reaches the owner's `user` stream on `/ws` after the commit (a real
uvicorn server, MemoryBus and RedisBus), and only the owner's."""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis

from backend.db import transaction
from backend.notifications.service import notify
from tests.realtime.conftest import (  # noqa: F401 - fixtures
    Server,
    bus_kind,
    bus_ready,
    call,
    make_user,
    redis_client,
    server,
    token,
    ws_settings,
)


async def test_notification_frame_on_the_user_stream(
    server: Server,  # noqa: F811 - the fixture imported above
    redis_client: aioredis.Redis,  # noqa: F811
) -> None:
    rt = server.app.state.runtime
    alice, bob = await make_user(server, "alice"), await make_user(server, "bob")
    async with server.connect(f"token={token(rt.settings, alice)}") as ws:
        assert await call(ws, "SUBSCRIBE", ["user"], 1) == {"result": None, "id": 1}
        await bus_ready(server, f"user:{alice}", redis_client, rt.settings)
        for uid, key in ((bob, "for-bob"), (alice, "for-alice")):
            async with transaction(rt.sessionmaker) as tx:
                row = await notify(
                    tx,
                    user_id=uid,
                    kind="alert",
                    title=f"t {key}",
                    body=f"b {key}",
                    channels=["app"],
                    dedupe_key=key,
                    alert_id=3,
                )
        assert row is not None
        async with asyncio.timeout(10):  # bob's frame never comes; alice's does
            frame = json.loads(await ws.recv())
        assert frame["stream"] == "user"
        data = frame["data"]
        assert data["e"] == "notification" and isinstance(data["E"], int)
        assert {k: data[k] for k in ("id", "kind", "title", "body", "alert_id")} == {
            "id": row.id,
            "kind": "alert",
            "title": "t for-alice",
            "body": "b for-alice",
            "alert_id": 3,
        }
