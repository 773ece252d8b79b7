"""GET /admin/users/{id}: profile, demo account summary, alerts count, Telegram link and the
user's recent security events from the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from fastapi import FastAPI

from backend.db import transaction
from backend.runtime import Runtime
from backend.telegram import service as telegram_service
from tests.admin.conftest import USERS
from tests.auth.helpers import bearer, error_code, signup


async def _link_telegram(rt: Runtime, user_id: int) -> None:
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        code = await telegram_service.create_code(tx, user_id, now)
    async with transaction(rt.sessionmaker) as tx:
        linked = await telegram_service.link_chat(
            tx, rt.cipher, "secret", code=code.code, chat_id=4242, language=None, now=now
        )
    assert linked == user_id


async def test_user_page_shows_account_alerts_telegram_and_events(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], admin_app: FastAPI
) -> None:
    rt: Runtime = admin_app.state.runtime
    grant = await signup(ac, "dora")
    uid = int(grant["user"]["id"])
    headers = bearer(grant["access_token"])

    before = (await ac.get(f"{USERS}/{uid}", headers=admin_headers)).json()
    assert before["account"] is None  # viewing does not open a demo account
    assert before["alerts"] == {"total": 0, "active": 0}
    assert before["telegram_linked"] is False

    account = (await ac.get("/api/v1/account", headers=headers)).json()
    alert = {"symbol": "BTCUSDT", "condition": "price_above", "value": "9999999"}
    for _ in range(2):
        created = await ac.post("/api/v1/alerts", json=alert, headers=headers)
        assert created.status_code == 201, created.text
    paused = await ac.patch(
        f"/api/v1/alerts/{created.json()['id']}", json={"state": "paused"}, headers=headers
    )
    await _link_telegram(rt, uid)
    await ac.patch(f"{USERS}/{uid}", json={"role": "analyst"}, headers=admin_headers)

    resp = await ac.get(f"{USERS}/{uid}", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page["user"]["username"] == "dora" and page["user"]["role"] == "analyst"
    assert page["user"]["locked_until"] is None
    assert page["account"]["equity_asset"] == account["equity_asset"]
    assert Decimal(page["account"]["equity"]) == Decimal(account["equity"])
    assert page["account"]["balances"] == account["balances"]
    assert page["alerts"] == {
        "total": 2,
        "active": 1 if paused.status_code == 200 else 2,
    }
    assert page["telegram_linked"] is True
    actions = [e["action"] for e in page["recent_events"]]
    assert actions == [
        "user.role_changed",
        "telegram.linked",
        "auth.login_succeeded",
        "auth.registered",
    ]
    assert page["recent_events"][0]["actor_username"] == "root"


async def test_unknown_user_is_404(ac: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    resp = await ac.get(f"{USERS}/999999", headers=admin_headers)
    assert resp.status_code == 404 and error_code(resp) == "user_not_found"
