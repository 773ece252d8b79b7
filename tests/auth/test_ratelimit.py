"""Rate limits: per IP on login/register, per user on the API; memory, Redis, and Redis down."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from backend.main import create_app
from tests.auth.helpers import (
    ME,
    PASSWORD,
    REGISTER,
    bearer,
    error_code,
    login_resp,
    register,
    signup,
)
from tests.conftest import REDIS_URL, asgi_client, make_settings

TINY = {
    "rate_limit_login": "3/minute",
    "rate_limit_register": "2/minute",
    "rate_limit_default": "5/minute",
}


async def _started(
    settings_kw: dict[str, Any], db_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(db_url, tmp_path, **settings_kw))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield client


@pytest.fixture
async def limited(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _started(TINY, db_url, tmp_path):
        yield client


async def _assert_429(resp: httpx.Response) -> None:
    assert resp.status_code == 429, resp.text
    assert error_code(resp) == "rate_limited"
    retry = int(resp.headers["retry-after"])
    assert 1 <= retry <= 61
    assert resp.json()["error"]["details"]["retry_after_s"] == retry


async def _exercise_login_limit(client: httpx.AsyncClient) -> None:
    codes = [(await login_resp(client, "nobody", "whatever-123")).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    await _assert_429(await login_resp(client, "nobody", "whatever-123"))


async def test_login_is_limited_per_ip(limited: httpx.AsyncClient) -> None:
    await _exercise_login_limit(limited)


async def test_register_is_limited_per_ip(limited: httpx.AsyncClient) -> None:
    await register(limited, "user1")
    await register(limited, "user2")
    resp = await limited.post(
        REGISTER, json={"email": "user3@example.com", "username": "user3", "password": PASSWORD}
    )
    await _assert_429(resp)


async def test_other_ips_are_not_limited(app: FastAPI, db_url: str, tmp_path: Path) -> None:
    application = create_app(make_settings(db_url, tmp_path, **TINY))
    async with application.router.lifespan_context(application):
        for ip in ("10.0.0.1", "10.0.0.2"):
            transport = httpx.ASGITransport(app=application, client=(ip, 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                name = f"nobody{ip[-1]}"  # one name would hit the account lockout instead
                codes = [(await login_resp(c, name, "whatever-123")).status_code for _ in range(3)]
                assert codes == [401] * 3, ip


async def test_default_limit_is_per_user_not_per_ip(limited: httpx.AsyncClient) -> None:
    alice = await signup(limited, "alice")
    codes = [
        (await limited.get(ME, headers=bearer(alice["access_token"]))).status_code for _ in range(5)
    ]
    assert codes == [200] * 5
    await _assert_429(await limited.get(ME, headers=bearer(alice["access_token"])))
    bob = await signup(limited, "bob")  # same IP, another user: a bucket of its own
    assert (await limited.get(ME, headers=bearer(bob["access_token"]))).status_code == 200
    assert (await limited.get("/health/live")).status_code == 200  # health is never limited


async def test_limits_can_be_switched_off(db_url: str, tmp_path: Path) -> None:
    async for client in _started({**TINY, "rate_limit_enabled": False}, db_url, tmp_path):
        codes = [
            (await login_resp(client, f"nobody{i}", "whatever-1")).status_code for i in range(6)
        ]
        assert codes == [401] * 6


# --- Redis storage, shared by replicas ---


@pytest.fixture
async def redis_keys(redis_prefix: str) -> AsyncIterator[str]:
    yield redis_prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"*{redis_prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_redis_counters_are_shared_by_replicas(
    db_url: str, tmp_path: Path, redis_keys: str
) -> None:
    kw = {**TINY, "redis_url": REDIS_URL, "redis_prefix": redis_keys, "jobs_inline": True}
    a_app = create_app(make_settings(db_url, tmp_path / "a", **kw))
    b_app = create_app(make_settings(db_url, tmp_path / "b", **kw))
    async with (
        a_app.router.lifespan_context(a_app),
        b_app.router.lifespan_context(b_app),
        asgi_client(a_app) as a,
        asgi_client(b_app) as b,
    ):
        codes = [(await login_resp(c, "nobody", "whatever-123")).status_code for c in (a, b, a)]
        assert codes == [401] * 3
        await _assert_429(await login_resp(b, "nobody", "whatever-123"))
    probe = aioredis.Redis.from_url(REDIS_URL)
    try:
        assert [k async for k in probe.scan_iter(match=f"*{redis_keys}*")]  # really in Redis
    finally:
        await probe.aclose()


# --- Redis down or hung: requests go on, counted in memory ---


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A port that accepts TCP connections and never answers (a hung Redis)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    finally:
        sock.close()


def _closed_port() -> str:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize("kind", ["closed", "hung"])
async def test_redis_down_falls_back_to_memory(
    db_url: str, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    url = _closed_port() if kind == "closed" else request.getfixturevalue("hung_redis")
    kw = {**TINY, "rate_limit_storage_url": url, "redis_socket_timeout_s": 0.2}
    async for client in _started(kw, db_url, tmp_path):
        alice = await signup(client, "alice")  # register + login answered despite Redis
        codes = [
            (await client.get(ME, headers=bearer(alice["access_token"]))).status_code
            for _ in range(5)
        ]
        assert codes == [200] * 5
        await _assert_429(
            await client.get(ME, headers=bearer(alice["access_token"]))
        )  # still limited
        # one login used by signup: two more pass, the fourth is limited (in memory)
        assert (await login_resp(client)).status_code == 200
        assert (await login_resp(client)).status_code == 200
        await _assert_429(await login_resp(client))
