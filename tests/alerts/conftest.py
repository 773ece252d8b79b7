"""Alerts test helpers: an app whose own checker is off (the tests drive `AlertChecker`
directly), a trader, and alert creation through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.alerts.checker import AlertChecker
from backend.main import create_app
from tests.conftest import asgi_client
from tests.trading.conftest import trading_settings


@pytest.fixture
async def aapp(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(trading_settings(db_url, tmp_path, trading_run_matcher="no"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def aclient(aapp: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(aapp) as c:
        yield c


async def new_checker(app: FastAPI) -> AlertChecker:
    rt = app.state.runtime
    checker = AlertChecker(rt.sessionmaker, rt.bus, rt.settings)
    await checker.load()
    return checker


async def create(c: httpx.AsyncClient, h: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("symbol", "BTCUSDT")
    r = await c.post("/api/v1/alerts", headers=h, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def alert(c: httpx.AsyncClient, h: dict[str, str], alert_id: int) -> dict[str, Any]:
    r = await c.get(f"/api/v1/alerts/{alert_id}", headers=h)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out
