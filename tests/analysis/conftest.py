"""Fixtures of the analysis tests: the app, users of each role, and the real recorded candles of
../shared/data/binance loaded into the test database."""

from __future__ import annotations

import csv
import gzip
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.integrations.binance.schemas import INTERVAL_MS
from backend.main import create_app
from backend.market.repository import CandleRepository
from backend.security import Role, encode_access_token
from backend.users.models import User
from tests.conftest import SHARED, asgi_client, make_settings

DATA = SHARED / "data" / "binance"
_ids = itertools.count(1)
Row = tuple[int, str, str, str, str, str]


@cache
def recorded(symbol: str, interval: str) -> tuple[Row, ...]:
    """The recorded candles (open_time, open, high, low, close, volume), oldest first."""
    with gzip.open(DATA / interval / f"{symbol}.csv.gz", "rt") as f:
        reader = csv.reader(f)
        next(reader)
        return tuple((int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in reader)


def arrays(rows: tuple[Row, ...] | list[Row]) -> dict[str, np.ndarray]:
    cols = list(zip(*rows, strict=True))
    names = ("open_time", "open", "high", "low", "close", "volume")
    return {n: np.array([float(x) for x in c]) for n, c in zip(names, cols, strict=True)}


def candle(symbol: str, interval: str, r: Row) -> dict[str, Any]:
    step = INTERVAL_MS[interval]
    return {
        "symbol": symbol, "interval": interval, "open_time": r[0], "close_time": r[0] + step - 1,
        "open": Decimal(r[1]), "high": Decimal(r[2]), "low": Decimal(r[3]),
        "close": Decimal(r[4]), "volume": Decimal(r[5]), "quote_volume": Decimal(0),
        "trades": 1, "taker_buy_base": Decimal(0), "taker_buy_quote": Decimal(0),
        "source": "import",
    }  # fmt: skip


async def store(
    app: FastAPI, symbol: str, interval: str, rows: tuple[Row, ...] | list[Row]
) -> None:
    items = [candle(symbol, interval, r) for r in rows]
    async with transaction(app.state.runtime.sessionmaker) as tx:
        repo = CandleRepository(tx.session)
        for i in range(0, len(items), 5000):
            await repo.insert_candles(items[i : i + 5000])


async def user_headers(app: FastAPI, role: Role) -> dict[str, str]:
    n = next(_ids)
    name = f"{role.value}{n}"
    now = datetime.now(UTC)
    async with transaction(app.state.runtime.sessionmaker) as tx:
        user = User(
            email=f"{name}@example.com", username=name, username_key=name, password_hash="x",
            role=role, is_active=True, token_version=0, created_at=now, updated_at=now,
        )  # fmt: skip
        tx.session.add(user)
        await tx.session.flush()
        uid = user.id
    settings = app.state.runtime.settings
    token = encode_access_token(settings, user_id=uid, role=role, token_version=0, now=now)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def aapp(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(db_url, tmp_path, rate_limit_enabled=False))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def aclient(aapp: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(aapp) as c:
        yield c


@pytest.fixture
async def trader(aapp: FastAPI) -> dict[str, str]:
    return await user_headers(aapp, Role.TRADER)


@pytest.fixture
async def analyst(aapp: FastAPI) -> dict[str, str]:
    return await user_headers(aapp, Role.ANALYST)
