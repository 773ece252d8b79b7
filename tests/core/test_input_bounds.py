"""Inputs PostgreSQL cannot take are refused with a 4xx in the error shape before any query.

A NUL character in text, an INTEGER above 2^31 - 1, a BIGINT above 2^63 - 1, a timestamp past
year 9999 and an OFFSET past BIGINT each ended the request as a 500 on PostgreSQL. Two registrations
racing for one email: the loser gets 409, not the 500 of the unique index.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.main import create_app
from tests.auth.helpers import LOGIN, REGISTER, bearer, login, signup
from tests.conftest import asgi_client, make_settings

pytestmark = pytest.mark.parametrize("db_backend", ["postgres"])

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
INT32_OVER = 2**31
INT64_OVER = 2**63


@pytest.fixture
async def app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username="root",
        rate_limit_enabled=False,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


def _assert_refused(resp: httpx.Response, what: str) -> None:
    assert 400 <= resp.status_code < 500, (what, resp.status_code, resp.text)
    body = resp.json()
    assert set(body) == {"error"}, (what, body)
    assert {"code", "message", "details"} <= set(body["error"]), (what, body)


Case = tuple[str, str, dict[str, Any]]
USERS = "/api/v1/admin/users"
KLINES = "/api/v1/market/klines"

TRADER_CASES: dict[str, Case] = {
    "order_id_int32": ("GET", f"/api/v1/orders/{INT32_OVER}", {}),
    "order_id_int64": ("GET", f"/api/v1/orders/{INT64_OVER}", {}),
    "orders_symbol_nul": ("GET", "/api/v1/orders", {"params": {"symbol": "BTC\x00USDT"}}),
    "trades_symbol_nul": ("GET", "/api/v1/trades", {"params": {"symbol": "\x00"}}),
    "trades_period_int32": ("GET", "/api/v1/trades", {"params": {"period": INT32_OVER}}),
    "klines_start_int64": (
        "GET",
        KLINES,
        {"params": {"symbol": "BTCUSDT", "interval": "1m", "start_time": INT64_OVER}},
    ),
    "klines_end_past_9999": (
        "GET",
        KLINES,
        {"params": {"symbol": "BTCUSDT", "interval": "1m", "end_time": 2**62}},
    ),
}

ADMIN_CASES: dict[str, Case] = {
    "search_nul": ("GET", USERS, {"params": {"q": "ali\x00ce"}}),
    "page_past_bigint_offset": ("GET", USERS, {"params": {"page": 2**62}}),
    "user_id_int32": ("PATCH", f"{USERS}/{INT32_OVER}", {"json": {"is_active": False}}),
    "unlock_user_id_int32": ("POST", f"{USERS}/{INT32_OVER}/unlock", {}),
}


@pytest.mark.parametrize("case", TRADER_CASES)
async def test_trader_routes_refuse_what_postgres_cannot_take(
    client: httpx.AsyncClient, case: str
) -> None:
    trader = await signup(client, "trader1")
    method, path, kw = TRADER_CASES[case]
    resp = await client.request(method, path, headers=bearer(trader["access_token"]), **kw)
    _assert_refused(resp, f"{method} {path} {kw}")


@pytest.mark.parametrize("case", ADMIN_CASES)
async def test_admin_routes_refuse_what_postgres_cannot_take(
    client: httpx.AsyncClient, case: str
) -> None:
    admin = bearer((await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
    method, path, kw = ADMIN_CASES[case]
    resp = await client.request(method, path, headers=admin, **kw)
    _assert_refused(resp, f"{method} {path} {kw}")
    # within the bounds the same route answers as usual
    assert (await client.get(USERS, params={"q": "root", "page": 1}, headers=admin)).is_success


async def test_login_refuses_a_nul_in_the_name(client: httpx.AsyncClient) -> None:
    form = {"username": "root\x00", "password": "whatever-123"}
    _assert_refused(await client.post(LOGIN, data=form), "login name with NUL")


async def test_racing_registrations_for_one_email_get_201_and_409(
    client: httpx.AsyncClient,
) -> None:
    async def register(username: str) -> httpx.Response:
        body = {"email": "twin@example.com", "username": username, "password": ADMIN_PASSWORD}
        return await client.post(REGISTER, json=body)

    for attempt in range(5):  # each round is a real race on the unique index
        email = f"twin{attempt}@example.com"

        async def one(username: str, email: str = email) -> httpx.Response:
            body = {"email": email, "username": username, "password": ADMIN_PASSWORD}
            return await client.post(REGISTER, json=body)

        a, b = await asyncio.gather(one(f"twin{attempt}a"), one(f"twin{attempt}b"))
        assert sorted([a.status_code, b.status_code]) == [201, 409], (a.text, b.text)
    # the plain duplicate (no race) is still the service's own 409
    assert (await register("twin-x")).status_code == 201
    again = await register("twin-y")
    assert again.status_code == 409 and again.json()["error"]["code"] == "email_taken"
