"""Security headers on every kind of answer, and CORS: closed by default; with CORS_ORIGINS only
the listed origins, for every method the API uses (PUT included)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.main import create_app
from tests.conftest import asgi_client, make_settings
from tests.security.access_table import ACCESS

GOOD = "https://app.example"
EVIL = "https://evil.example"


@pytest.fixture
async def cors_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(db_url, tmp_path, cors_origins=[GOOD]))
    async with application.router.lifespan_context(application):
        yield application


def _secure(resp: httpx.Response) -> None:
    assert resp.headers["x-content-type-options"] == "nosniff", resp
    assert resp.headers["x-frame-options"] == "DENY", resp
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"], resp


async def test_every_kind_of_answer_carries_the_security_headers(sc: httpx.AsyncClient) -> None:
    answers = [
        await sc.get("/health/live"),  # 200
        await sc.get("/api/v1/users/me"),  # 401
        await sc.get("/api/v1/nowhere"),  # 404
        await sc.put("/api/v1/market/symbols"),  # 405
        await sc.get("/api/v1/market/klines", params={"symbol": "???"}),  # 422
        await sc.post("/api/v1/auth/register", content=b"x" * (2 << 20)),  # 413
        await sc.get("/openapi.json"),
    ]
    assert [r.status_code for r in answers] == [200, 401, 404, 405, 422, 413, 200]
    for resp in answers:
        _secure(resp)


async def test_no_cross_origin_access_by_default(sc: httpx.AsyncClient) -> None:
    resp = await sc.get("/api/v1/market/symbols", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in resp.headers
    pre = await sc.options(
        "/api/v1/orders",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in pre.headers


async def test_only_listed_origins_pass_for_every_method_the_api_uses(
    cors_app: FastAPI,
) -> None:
    methods = sorted({m for m, _ in ACCESS})
    async with asgi_client(cors_app) as c:
        for method in methods:
            ask = {"Access-Control-Request-Method": method}
            ask["Access-Control-Request-Headers"] = "authorization,content-type,x-client"
            good = await c.options("/api/v1/webhook", headers={"Origin": GOOD, **ask})
            assert good.status_code == 200, (method, good.text)
            assert good.headers["access-control-allow-origin"] == GOOD
            evil = await c.options("/api/v1/webhook", headers={"Origin": EVIL, **ask})
            assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
        resp = await c.get("/api/v1/market/symbols", headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in resp.headers
