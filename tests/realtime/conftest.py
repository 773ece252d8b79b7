"""`/ws` fixtures: the real app served by uvicorn on port 0 in this event loop, over MemoryBus
and RedisBus, and `websockets` clients connected to it."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from backend.config import Settings
from backend.db import transaction
from backend.main import create_app
from backend.realtime.hub import Hub
from backend.realtime.limits import ConnectionLimits
from backend.realtime.session import Snapshot
from backend.security import Role, encode_access_token
from backend.server_options import uvicorn_options
from backend.users.models import User
from tests.conftest import REDIS_URL, make_settings


class Server:
    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.base = f"ws://127.0.0.1:{port}"
        # the combined endpoint (`{"stream","data"}` frames, as the web app gets them); the
        # raw `/ws` shapes have their own tests (test_binance_shapes.py)
        self.url = f"{self.base}/stream"

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.runtime.hub
        return hub

    @property
    def limits(self) -> ConnectionLimits:
        limits: ConnectionLimits = self.app.state.runtime.ws_limits
        return limits

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self.app.state.runtime.stream_snapshot = snapshot

    async def publish(self, channel: str, data: bytes) -> None:
        await self.app.state.runtime.bus.publish(channel, data)

    def connect(self, query: str = "", **kwargs: Any) -> Any:
        url = self.url + (f"?{query}" if query else "")
        return connect(url, compression=None, open_timeout=10, **kwargs)


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[Server]:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_config=None,
        loop="none",
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(app, port)
    finally:
        server.should_exit = True
        await task


WsSettings = Callable[..., Settings]


@pytest.fixture(params=["memory", "redis"])
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ws_settings(
    bus_kind: str, tmp_path: Path, redis_prefix: str, sqlite_template: Path
) -> WsSettings:
    """Settings factory for this test's bus; all app instances of a test share the prefix and a
    migrated SQLite file (other domains' start-up hooks read their tables)."""
    db = tmp_path / "app.db"
    shutil.copyfile(sqlite_template, db)

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "redis_url": REDIS_URL if bus_kind == "redis" else None,
            "redis_prefix": redis_prefix,
            "jobs_inline": True,
            "ws_max_msgs_per_s": 1000,  # only the rate-limit test runs at Binance's 5/s
            "market_symbols": ["BTCUSDT", "ETHUSDT"],
            "market_intervals": ["1m", "1h"],
        }
        values.update(overrides)
        return make_settings(f"sqlite+aiosqlite:///{db}", tmp_path, **values)

    return build


@pytest.fixture
async def server(ws_settings: WsSettings) -> AsyncIterator[Server]:
    async with serve(ws_settings()) as srv:
        yield srv


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


async def wait_until(cond: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Poll until cond holds; fails (never passes silently) after 10 s. Not a timing assertion."""
    for _ in range(1000):
        value = cond()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def bus_ready(srv: Server, channel: str, redis: aioredis.Redis, settings: Settings) -> None:
    """The hub holds `channel` and, on Redis, Redis has registered the subscription."""
    await wait_until(lambda: channel in srv.hub.channels, f"hub subscribed to {channel}")
    if settings.redis_url:

        async def registered() -> bool:
            counts = await redis.pubsub_numsub(settings.redis_prefix + channel)
            return bool(counts[0][1] >= 1)

        await wait_until(registered, f"redis subscription {channel}")


async def call(ws: ClientConnection, method: str, params: Any = None, id_: Any = 1) -> Any:
    body: dict[str, Any] = {"method": method, "id": id_}
    if params is not None:
        body["params"] = params
    await ws.send(json.dumps(body))
    return json.loads(await ws.recv())


def event(stream: str, n: int, pad: int = 0) -> bytes:
    data = {
        "e": "24hrTicker",
        "E": 1700000000000 + n,
        "s": "BTCUSDT",
        "c": f"{n}.00",
        "x": "x" * pad,
    }
    return json.dumps({"stream": stream, "data": data, "source": "replay"}).encode()


def token(
    settings: Settings, user_id: int, *, now: datetime | None = None, version: int = 0
) -> str:
    return encode_access_token(
        settings,
        user_id=user_id,
        role=Role.TRADER,
        token_version=version,
        now=now or datetime.now(UTC),
    )


async def make_user(srv: Server, name: str, *, active: bool = True) -> int:
    """A user row (token version 0); registration itself is tested in tests/auth."""
    now = datetime.now(UTC)
    async with transaction(srv.app.state.runtime.sessionmaker) as tx:
        user = User(
            email=f"{name}@example.com",
            username=name,
            username_key=name.lower(),
            password_hash="x",
            role=Role.TRADER,
            is_active=active,
            token_version=0,
            created_at=now,
            updated_at=now,
        )
        tx.session.add(user)
        await tx.session.flush()
        return int(user.id)


def small_rcvbuf_socket(url: str) -> socket.socket:
    """A connected socket with a tiny receive buffer, so a client that stops reading fills up
    the path quickly."""
    host, port = url.removeprefix("ws://").split("/")[0].split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return sock
