"""The app core: one error shape for every failure, request ids, headers, health, metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from backend.config import Settings
from backend.errors import Conflict
from backend.main import create_app
from tests.conftest import asgi_client, make_settings


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _probe_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/probe")

    @router.post("/echo")
    async def echo(body: Body) -> Body:
        return body

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @router.get("/conflict")
    async def conflict() -> None:
        raise Conflict("Already there", code="already_there", details={"id": 7})

    return router


@pytest.fixture
async def probe(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}))
    app.include_router(_probe_router())
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield client


def _error(resp: httpx.Response) -> dict[str, object]:
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


async def test_unknown_route_is_json_404(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/api/v1/nope")
    assert resp.status_code == 404
    assert _error(resp)["code"] == "not_found"


async def test_wrong_method_is_json_405(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/api/v1/probe/echo")
    assert resp.status_code == 405
    assert _error(resp)["code"] == "method_not_allowed"


async def test_validation_error_is_422_with_field_details(probe: httpx.AsyncClient) -> None:
    resp = await probe.post("/api/v1/probe/echo", json={"name": 5, "role": "admin"})
    assert resp.status_code == 422
    err = _error(resp)
    assert err["code"] == "validation_error"
    locs = {tuple(d["loc"]) for d in err["details"]}  # type: ignore[union-attr]
    assert ("body", "name") in locs and ("body", "role") in locs


async def test_malformed_json_is_422(probe: httpx.AsyncClient) -> None:
    resp = await probe.post(
        "/api/v1/probe/echo", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422
    assert _error(resp)["code"] == "validation_error"


async def test_oversized_body_is_413(probe: httpx.AsyncClient) -> None:
    resp = await probe.post("/api/v1/probe/echo", json={"name": "x" * 5000})
    assert resp.status_code == 413
    assert _error(resp)["code"] == "payload_too_large"


async def test_oversized_chunked_body_is_413(probe: httpx.AsyncClient) -> None:
    async def chunks():  # no Content-Length: the limit is enforced while streaming
        for _ in range(10):
            yield b"x" * 512

    resp = await probe.post(
        "/api/v1/probe/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413


async def test_unexpected_exception_is_500_with_request_id_only(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/api/v1/probe/boom", headers={"X-Request-ID": "req-123"})
    assert resp.status_code == 500
    err = _error(resp)
    assert err["code"] == "internal_error"
    assert err["details"] == {"request_id": "req-123"}
    assert "secret internals" not in resp.text and "Traceback" not in resp.text
    assert resp.headers["x-request-id"] == "req-123"


async def test_app_error_keeps_code_and_details(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/api/v1/probe/conflict")
    assert resp.status_code == 409
    assert _error(resp) == {
        "code": "already_there",
        "message": "Already there",
        "details": {"id": 7},
    }


async def test_request_id_is_minted_and_bad_ones_replaced(probe: httpx.AsyncClient) -> None:
    minted = await probe.get("/health/live")
    assert len(minted.headers["x-request-id"]) == 32
    bad = await probe.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert bad.headers["x-request-id"] != "bad id\twith spaces"


async def test_security_headers(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/health/live")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in resp.headers  # only behind HTTPS


async def test_hsts_when_public_url_is_https(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path, public_url="https://demo.example"))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        resp = await client.get("/health/live")
    assert resp.headers["strict-transport-security"].startswith("max-age=")


async def test_health_ready_reports_database_and_bus(client: httpx.AsyncClient) -> None:
    resp = await client.get("/health/ready")
    assert resp.status_code == 200
    checks = resp.json()["checks"]
    assert checks["database"]["ok"] and checks["bus"]["ok"]


async def test_health_ready_503_when_database_down(db_url: str, tmp_path: Path) -> None:
    bad = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    app = create_app(make_settings(bad, tmp_path))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        resp = await client.get("/health/ready")
    assert resp.status_code == 503
    err = _error(resp)
    assert err["code"] == "not_ready"
    assert err["details"]["checks"]["database"]["ok"] is False  # type: ignore[index]


def _sample(text: str, name: str, labels: str) -> float:
    line = next((ln for ln in text.splitlines() if ln.startswith(f"{name}{{{labels}}} ")), None)
    return 0.0 if line is None else float(line.rsplit(" ", 1)[1])


async def test_metrics_exposed(client: httpx.AsyncClient) -> None:
    symbols = 'handler="/api/v1/market/symbols",method="GET",status="2xx"'
    order = 'handler="/api/v1/orders/{order_id}",method="GET",status="4xx"'
    unmatched = 'handler="none",method="GET",status="4xx"'
    before = (await client.get("/metrics")).text
    await client.get("/health/live")  # probes are not counted
    await client.get("/api/v1/market/symbols")
    await client.get("/api/v1/orders/12345")  # 401: the template, never the raw path
    await client.get("/api/v1/no/such/route")
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert "cd_registrations_total" in resp.text
    for labels in (symbols, order, unmatched):
        assert _sample(resp.text, "http_requests_total", labels) == (
            _sample(before, "http_requests_total", labels) + 1
        )
    assert "12345" not in resp.text
    assert 'http_request_duration_seconds_count{handler="/health/live"' not in resp.text


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.")
    assert (await client.get("/docs")).status_code == 200
