"""Fixtures of the forecast tests: the app with an admin, an analyst's and a trader's headers,
real BTCUSDT 1h candles from ../shared/data loaded into the test database, and job polling."""

from __future__ import annotations

import asyncio
import csv
import gzip
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.main import create_app
from backend.market.repository import CandleRepository
from tests.auth.helpers import bearer, login, signup
from tests.conftest import SHARED, asgi_client, make_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
BTC_1H = SHARED / "data" / "binance" / "1h" / "BTCUSDT.csv.gz"
HOUR_MS = 3_600_000
API = "/api/v1/forecast"


def read_btc_1h(count: int, skip: int = 0) -> list[dict[str, Any]]:
    """`count` recorded BTCUSDT 1h candles (from 2022-01-01 + `skip` hours) as candle rows."""
    rows: list[dict[str, Any]] = []
    with gzip.open(BTC_1H, "rt") as fh:
        for i, rec in enumerate(csv.DictReader(fh)):
            if i < skip:
                continue
            if len(rows) == count:
                break
            open_time = int(rec["open_time_ms"])
            rows.append(
                {
                    "symbol": "BTCUSDT",
                    "interval": "1h",
                    "open_time": open_time,
                    "close_time": open_time + HOUR_MS - 1,
                    "open": Decimal(rec["open"]),
                    "high": Decimal(rec["high"]),
                    "low": Decimal(rec["low"]),
                    "close": Decimal(rec["close"]),
                    "volume": Decimal(rec["volume"]),
                    "quote_volume": Decimal(0),
                    "trades": 0,
                    "taker_buy_base": Decimal(0),
                    "taker_buy_quote": Decimal(0),
                    "source": "import",
                }
            )
    return rows


async def load_candles(app: FastAPI, rows: list[dict[str, Any]]) -> None:
    async with transaction(app.state.runtime.sessionmaker) as tx:
        await CandleRepository(tx.session).insert_candles(rows)


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "ml_models"


@pytest.fixture
async def fapp(db_url: str, tmp_path: Path, models_dir: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username="root",
        forecast_models_dir=models_dir,
        torch_device="cpu",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def fc(fapp: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(fapp) as client:
        yield client


async def user_headers(fc: httpx.AsyncClient, username: str, role: str) -> dict[str, str]:
    grant = await signup(fc, username)
    if role != "trader":
        admin = bearer((await login(fc, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
        resp = await fc.patch(
            f"/api/v1/admin/users/{grant['user']['id']}", json={"role": role}, headers=admin
        )
        assert resp.status_code == 200, resp.text
        grant = await login(fc, username)  # a token with the new role
    return bearer(grant["access_token"])


@pytest.fixture
async def analyst(fc: httpx.AsyncClient) -> dict[str, str]:
    return await user_headers(fc, "ana", "analyst")


async def wait_job(fc: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    """Poll until the job finishes (the suite's timeout bounds it)."""
    while True:
        resp = await fc.get(f"{API}/jobs/{job_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        if body["state"] in ("succeeded", "failed"):
            return body
        await asyncio.sleep(0.1)
