"""`/api/v1/alerts`: CRUD, pause/resume, validation in the error shape, the active limit, and
another user's alert is a 404."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.alerts.conftest import alert, create
from tests.trading.conftest import make_user


async def test_create_list_edit_pause_resume_delete(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    a = await create(
        aclient, h, condition="price_above", value="70000.5", note="ATH", channels=["telegram"]
    )
    assert a["state"] == "active"
    assert a["channels"] == ["app", "telegram"]
    assert a["value"] == "70000.5" or a["value"].startswith("70000.5")
    assert a["recurring"] is False and a["firings"] == 0 and a["last_firing"] is None
    listed = (await aclient.get("/api/v1/alerts", headers=h)).json()
    assert [x["id"] for x in listed["items"]] == [a["id"]]
    assert listed["active"] == 1 and listed["max_active"] == 100

    r = await aclient.patch(
        f"/api/v1/alerts/{a['id']}", headers=h, json={"value": "71000", "recurring": True}
    )
    assert r.status_code == 200, r.text
    assert r.json()["recurring"] is True

    r = await aclient.post(f"/api/v1/alerts/{a['id']}/pause", headers=h)
    assert r.json()["state"] == "paused"
    r = await aclient.post(f"/api/v1/alerts/{a['id']}/pause", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "alert_not_active"
    r = await aclient.post(f"/api/v1/alerts/{a['id']}/resume", headers=h)
    assert r.json()["state"] == "active"

    w = await create(aclient, h, condition="change_pct", value="5", window="1h", direction="up")
    assert (w["window"], w["direction"]) == ("1h", "up")
    rsi = await create(aclient, h, condition="rsi_below", value="30")
    assert rsi["interval"] == "1h"

    assert (await aclient.delete(f"/api/v1/alerts/{a['id']}", headers=h)).status_code == 204
    assert (await aclient.get(f"/api/v1/alerts/{a['id']}", headers=h)).status_code == 404


async def test_another_users_alert_is_404(aapp: FastAPI, aclient: httpx.AsyncClient) -> None:
    _, owner = await make_user(aapp)
    _, other = await make_user(aapp)
    a = await create(aclient, owner, condition="price_below", value="100")
    for method, path in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("GET", "/firings"),
    ]:
        kw = {"json": {"note": "x"}} if method == "PATCH" else {}
        r = await aclient.request(method, f"/api/v1/alerts/{a['id']}{path}", headers=other, **kw)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "alert_not_found"
    assert (await aclient.get("/api/v1/alerts", headers=other)).json()["items"] == []
    assert (await alert(aclient, owner, a["id"]))["note"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"symbol": "NOPEUSDT", "condition": "price_above", "value": "1"}, 400, "unknown_symbol"),
        ({"condition": "price_above", "value": "0"}, 400, "invalid_alert"),
        ({"condition": "price_above", "value": "-5"}, 400, "invalid_alert"),
        ({"condition": "price_above", "value": "abc"}, 422, "validation_error"),
        ({"condition": "price_above", "value": 1.5}, 422, "validation_error"),
        ({"condition": "change_pct", "value": "5"}, 400, "invalid_alert"),  # no window
        ({"condition": "change_pct", "value": "5", "window": "30s"}, 422, "validation_error"),
        ({"condition": "change_pct", "value": "5", "window": "8d"}, 422, "validation_error"),
        ({"condition": "rsi_above", "value": "70", "interval": "1w"}, 400, "invalid_alert"),
        ({"condition": "rsi_above", "value": "150"}, 400, "invalid_alert"),
        ({"condition": "nope", "value": "1"}, 422, "validation_error"),
        ({"condition": "price_above", "value": "1", "cooldown_s": 0}, 422, "validation_error"),
    ],
)
async def test_validation_errors(
    aapp: FastAPI, aclient: httpx.AsyncClient, body: dict[str, object], status: int, code: str
) -> None:
    _, h = await make_user(aapp)
    body.setdefault("symbol", "BTCUSDT")
    r = await aclient.post("/api/v1/alerts", headers=h, json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


async def test_active_limit(db_url: str, tmp_path: object) -> None:
    from pathlib import Path

    from backend.main import create_app
    from tests.conftest import asgi_client
    from tests.trading.conftest import trading_settings

    assert isinstance(tmp_path, Path)
    app = create_app(
        trading_settings(db_url, tmp_path, trading_run_matcher="no", alerts_max_active=2)
    )
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        _, h = await make_user(app)
        first = await create(c, h, condition="price_above", value="1")
        await create(c, h, condition="price_above", value="2")
        r = await c.post(
            "/api/v1/alerts",
            headers=h,
            json={"symbol": "BTCUSDT", "condition": "price_above", "value": "3"},
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_alerts"
        await c.post(f"/api/v1/alerts/{first['id']}/pause", headers=h)
        await create(c, h, condition="price_above", value="3")  # a paused one does not count
        r = await c.post(f"/api/v1/alerts/{first['id']}/resume", headers=h)
        assert r.status_code == 409 and r.json()["error"]["code"] == "too_many_alerts"
