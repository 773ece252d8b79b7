"""Object-level access: another user's orders, trades, account periods, portfolio, webhook and
Telegram link are invisible (404 for an id, absent from lists) and untouched by their requests.

Covered elsewhere and not repeated here: alerts (tests/alerts/test_api.py
test_another_users_alert_is_404), notifications (tests/notifications/test_api.py
test_another_users_notification_is_404), forecast trainings and evaluations
(tests/security/test_forecast_access.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.main import create_app
from backend.security import Role
from backend.telegram import service as telegram
from tests.conftest import asgi_client, make_settings
from tests.security.conftest import make_user
from tests.trading.conftest import tick

API = "/api/v1"
LIMIT = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "quantity": "0.1",
    "price": "59000",
    "time_in_force": "GTC",
}
MARKET = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}


@pytest.fixture
async def oapp(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(db_url, tmp_path, rate_limit_enabled=False, webhook_allow_private=True)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def oc(oapp: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(oapp) as client:
        yield client


async def _ok(resp: httpx.Response, status: int = 200) -> object:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


async def test_trading_objects_of_another_user_are_404_or_absent(
    oapp: FastAPI, oc: httpx.AsyncClient
) -> None:
    _, alice = await make_user(oapp, Role.TRADER)
    _, bob = await make_user(oapp, Role.TRADER)
    await tick(oapp, "BTCUSDT", "60000", qty="0.01")
    filled = await _ok(await oc.post(f"{API}/orders", json=MARKET, headers=alice), 201)
    resting = await _ok(await oc.post(f"{API}/orders", json=LIMIT, headers=alice), 201)
    assert isinstance(filled, dict) and isinstance(resting, dict)
    assert filled["status"] == "FILLED" and resting["status"] == "NEW"
    # Alice starts a second account period: her first one's trades stay hers
    await _ok(await oc.post(f"{API}/account/reset", headers=alice))
    for oid in (filled["id"], resting["id"]):
        for method in ("GET", "DELETE"):
            resp = await oc.request(method, f"{API}/orders/{oid}", headers=bob)
            assert resp.status_code == 404, (method, resp.text)
            assert resp.json()["error"]["code"] == "order_not_found"
    assert await _ok(await oc.get(f"{API}/orders", headers=bob)) == []
    for period in (None, 1, 2):
        params = {} if period is None else {"period": period}
        assert await _ok(await oc.get(f"{API}/trades", params=params, headers=bob)) == []
    alice_trades = await _ok(await oc.get(f"{API}/trades", params={"period": 1}, headers=alice))
    assert isinstance(alice_trades, list) and len(alice_trades) == 1
    account = await _ok(await oc.get(f"{API}/account", headers=bob))
    assert isinstance(account, dict) and account["period"] == 1
    assert [
        (b["asset"], Decimal(b["free"]), Decimal(b["locked"])) for b in account["balances"]
    ] == [("USDT", Decimal(10000), Decimal(0))]
    portfolio = await _ok(await oc.get(f"{API}/portfolio", headers=bob))
    assert "BTC" not in str(portfolio), portfolio
    equity = await _ok(await oc.get(f"{API}/portfolio/equity", headers=bob))
    assert isinstance(equity, dict | list)
    # Bob's attempts changed nothing of Alice's: her resting order was reset away by her, and
    # the filled one is still hers and filled
    mine = await _ok(await oc.get(f"{API}/orders/{filled['id']}", headers=alice))
    assert isinstance(mine, dict) and mine["status"] == "FILLED"


async def test_another_users_webhook_and_telegram_link_are_out_of_reach(
    oapp: FastAPI, oc: httpx.AsyncClient
) -> None:
    alice_id, alice = await make_user(oapp, Role.TRADER)
    bob_id, bob = await make_user(oapp, Role.TRADER)
    url = "http://127.0.0.1:9/alice-hook"
    await _ok(await oc.put(f"{API}/webhook", json={"url": url}, headers=alice))
    rt = oapp.state.runtime
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        code = await telegram.create_code(tx, alice_id, now)
        secret = rt.settings.secret_key.get_secret_value()
        linked = await telegram.link_chat(
            tx, rt.cipher, secret, code=code.code, chat_id=4242, language="en", now=now
        )
        assert linked == alice_id

    bob_settings = await _ok(await oc.get(f"{API}/notifications/settings", headers=bob))
    assert isinstance(bob_settings, dict) and bob_settings["webhook"] is None
    assert (await oc.delete(f"{API}/webhook", headers=bob)).status_code in (204, 404)
    assert (await oc.delete(f"{API}/telegram/link", headers=bob)).status_code in (204, 404)
    test_hook = await oc.post(f"{API}/webhook/test", headers=bob)
    assert "alice-hook" not in test_hook.text
    bob_me = await _ok(await oc.get(f"{API}/users/me", headers=bob))
    assert isinstance(bob_me, dict) and bob_me["id"] == bob_id and not bob_me["telegram_linked"]

    alice_settings = await _ok(await oc.get(f"{API}/notifications/settings", headers=alice))
    assert isinstance(alice_settings, dict) and alice_settings["webhook"] == {"url": url}
    alice_me = await _ok(await oc.get(f"{API}/users/me", headers=alice))
    assert isinstance(alice_me, dict) and alice_me["telegram_linked"] is True
