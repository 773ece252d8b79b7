"""A Redis that stops answering (a private redis-server paused with SIGSTOP) never stalls the
process: while a rate-limit check waits on it, the event loop serves other requests, and once
the budget (REDIS_SOCKET_TIMEOUT_S) is spent the check counts in local memory instead.

The witness is the number of other requests the loop completes while one API request is held
up in the rate limiter: a blocking Redis client freezes the loop for that whole time (none).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from backend.main import create_app
from tests.conftest import asgi_client, make_settings
from tests.core.redis_proc import RedisProcess

API = "/api/v1/users/me"  # answered 401 without a token, before any query; counted by the limit
BUDGET_S = 1.0


@pytest.fixture
def db_backend() -> str:
    return "sqlite"  # the limit is counted before any query: one backend is enough


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None:
            server.proc.send_signal(signal.SIGCONT)
        server.stop()


async def _keys(url: str) -> list[bytes]:
    client = aioredis.Redis.from_url(url)
    try:
        return [k async for k in client.scan_iter(match="*rl*")]
    finally:
        await client.aclose()


async def test_a_paused_redis_neither_stalls_the_loop_nor_the_limit(
    private_redis: RedisProcess, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url,
        tmp_path,
        rate_limit_storage_url=private_redis.url,
        redis_socket_timeout_s=BUDGET_S,
        rate_limit_default="5/minute",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        assert (await client.get(API)).status_code == 401  # counted in Redis (1 of 5)
        assert await _keys(private_redis.url)

        assert private_redis.proc is not None
        private_redis.proc.send_signal(signal.SIGSTOP)

        held = asyncio.create_task(client.get(API))  # waits on the paused Redis ...
        served = 0
        while not held.done():  # ... while the loop keeps answering everyone else
            await asyncio.sleep(0)  # (an in-process request alone may never yield to the loop)
            assert (await client.get("/health/live")).status_code == 200
            served += 1
        assert served >= 5, served
        # The budget spent, the request went on with a local count (1 of 5 there) ...
        assert held.result().status_code == 401

        # ... and the limit still holds, counted in memory without waiting on Redis again.
        codes = [(await client.get(API)).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 401, 429], codes
