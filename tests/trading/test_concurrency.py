"""PostgreSQL under concurrency: an order storm never overdraws; one client order id, one order.

Cancel versus fill is test_cancel_fill_race.py (both backends)."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI

from tests.trading.conftest import make_user, tick

pytestmark = pytest.mark.committing


@pytest.fixture
def db_backend() -> str:
    return "postgres"  # SQLite serializes writers; the race is only real on PostgreSQL


async def _balances(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, tuple[D, D]]:
    r = await client.get("/api/v1/account", headers=h)
    return {b["asset"]: (D(b["free"]), D(b["locked"])) for b in r.json()["balances"]}


async def test_storm_of_200_limit_orders_accepts_exactly_the_affordable(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await _balances(tclient, h)  # the account exists before the storm
    body = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.002",
            "price": "50000", "time_in_force": "GTC"}  # fmt: skip  # reserves 100 USDT each
    rs = await asyncio.gather(
        *(tclient.post("/api/v1/orders", headers=h, json=body) for _ in range(200))
    )
    codes = [r.status_code for r in rs]
    assert codes.count(201) == 100 and codes.count(400) == 100, codes
    assert {r.json()["error"]["details"]["binance_code"] for r in rs if r.status_code == 400} == {
        -2010
    }
    assert await _balances(tclient, h) == {"USDT": (D("0"), D("10000"))}
    opened = (await tclient.get("/api/v1/orders?status=open", headers=h)).json()
    assert len(opened) == 100


async def test_storm_of_market_orders_never_goes_negative(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000", qty="0.001")
    await _balances(tclient, h)
    body = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    rs = await asyncio.gather(
        *(tclient.post("/api/v1/orders", headers=h, json=body) for _ in range(220))
    )
    filled = [r.json() for r in rs if r.status_code == 201]
    cost = D(filled[0]["cumulative_quote_qty"])
    assert all(D(o["cumulative_quote_qty"]) == cost for o in filled)  # no tick between: one price
    assert len(filled) == int(D("10000") / cost)
    b = await _balances(tclient, h)
    assert b["USDT"] == (D("10000") - cost * len(filled), D("0"))
    assert b["USDT"][0] >= 0 and b["USDT"][0] < cost
    assert b["BTC"] == (D("0.000999") * len(filled), D("0"))


async def test_concurrent_repeats_of_one_client_order_id_make_one_order(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await _balances(tclient, h)
    body = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
            "price": "59000", "time_in_force": "GTC", "client_order_id": "same-id"}  # fmt: skip
    rs = await asyncio.gather(
        *(tclient.post("/api/v1/orders", headers=h, json=body) for _ in range(30))
    )
    assert {r.status_code for r in rs} == {201}
    assert len({r.json()["id"] for r in rs}) == 1
    assert await _balances(tclient, h) == {"USDT": (D("9410"), D("590"))}
