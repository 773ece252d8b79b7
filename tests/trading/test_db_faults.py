"""PostgreSQL drops every connection (a restart, a failover): the API answers 503 and recovers,
the matcher keeps the order and fills it on a later tick, and the ledger stays whole."""

from __future__ import annotations

from decimal import Decimal as D

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from tests.trading.conftest import make_user, tick

pytestmark = pytest.mark.parametrize("db_backend", ["postgres"])

BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}


async def _drop_connections(pg_url: str) -> int:
    """Terminate every other backend on the app's database, as a server restart would."""
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(killed)
    finally:
        await conn.close()


async def test_lost_connections_answer_503_then_recover_without_losing_money(
    tapp: FastAPI, tclient: httpx.AsyncClient, pg_url: str
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    assert (await tclient.post("/api/v1/orders", json=BUY, headers=h)).status_code == 201
    limit = {**BUY, "type": "LIMIT", "time_in_force": "GTC", "price": "59000.00"}
    resting = await tclient.post("/api/v1/orders", json=limit, headers=h)
    assert resting.status_code == 201 and resting.json()["status"] == "NEW"

    assert await _drop_connections(pg_url) >= 1  # the pool's idle connections are now dead

    failed = await tclient.post("/api/v1/orders", json=BUY, headers=h)
    assert failed.status_code == 503, failed.text
    assert failed.json()["error"]["code"] == "database_unavailable"
    assert failed.headers["Retry-After"] == "1"
    # the pool replaced its connections: the next request works
    again = await tclient.post("/api/v1/orders", json=BUY, headers=h)
    assert again.status_code == 201, again.text

    # the matcher's connections died too: a tick may fail, the order stays indexed and the
    # next tick through its price fills it, once
    await tick(tapp, "BTCUSDT", "58900")
    await tick(tapp, "BTCUSDT", "58800")
    order = (await tclient.get(f"/api/v1/orders/{resting.json()['id']}", headers=h)).json()
    assert order["status"] == "FILLED"

    trades = (await tclient.get("/api/v1/trades", headers=h)).json()
    assert len(trades) == 3  # two market buys and the limit fill; the 503 wrote nothing
    account = (await tclient.get("/api/v1/account", headers=h)).json()
    bal = {b["asset"]: (D(b["free"]), D(b["locked"])) for b in account["balances"]}
    start = tapp.state.runtime.settings.trading_start_balance
    spent = sum(D(t["quote_qty"]) for t in trades)
    got = sum(D(t["qty"]) - D(t["fee"]) for t in trades)  # BUY fees are paid in BTC
    assert bal["USDT"] == (start - spent, D(0))
    assert bal["BTC"] == (got, D(0))
