"""Real symbol rules from ../shared/binance/samples (Binance mainnet exchangeInfo snapshot)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.trading.rules import SymbolRules, rules_by_symbol
from tests.conftest import SHARED

SAMPLES = SHARED / "binance" / "samples"


def exchange_info() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "rest_exchangeInfo_real.json").read_text())
    return data


def real_rules() -> dict[str, SymbolRules]:
    return rules_by_symbol(exchange_info()["symbols"])


@pytest.fixture(scope="session")
def rules() -> dict[str, SymbolRules]:
    return real_rules()


def sample_error(name: str) -> tuple[int, str]:
    body = json.loads((SAMPLES / f"rest_error_{name}.json").read_text())
    return int(body["code"]), str(body["msg"])


# --- app-level helpers: users, tokens, market ticks -------------------------------------------

import itertools  # noqa: E402
import json as _json  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from backend.config import Settings  # noqa: E402
from backend.db import transaction  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.security import Role, encode_access_token  # noqa: E402
from backend.users.models import User  # noqa: E402
from tests.conftest import asgi_client, make_settings  # noqa: E402

_ids = itertools.count(1)
_trade_ids = itertools.count(1_000_000)


def trading_settings(db_url: str, tmp_path: Path, **kw: object) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        rate_limit_enabled=False,
        **kw,
    )


@pytest.fixture
async def tapp(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(trading_settings(db_url, tmp_path))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def tclient(tapp: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(tapp) as c:
        yield c


async def make_user(app: FastAPI, name: str | None = None) -> tuple[int, dict[str, str]]:
    """A trader row and a bearer header for it (auth itself is tested in tests/auth)."""
    n = next(_ids)
    name = name or f"trader{n}"
    now = datetime.now(UTC)
    async with transaction(app.state.runtime.sessionmaker) as tx:
        user = User(
            email=f"{name}@example.com", username=name, username_key=name.lower(),
            password_hash="x", role=Role.TRADER, is_active=True, token_version=0,
            created_at=now, updated_at=now,
        )  # fmt: skip
        tx.session.add(user)
        await tx.session.flush()
        uid = user.id
    token = encode_access_token(
        app.state.runtime.settings, user_id=uid, role=Role.TRADER, token_version=0, now=now
    )
    return uid, {"Authorization": f"Bearer {token}"}


def trade_frame(symbol: str, price: str, qty: str = "1000", trade_id: int | None = None) -> bytes:
    tid = trade_id if trade_id is not None else next(_trade_ids)
    ms = int(datetime.now(UTC).timestamp() * 1000)
    data = {"e": "trade", "E": ms, "s": symbol, "t": tid, "p": price, "q": qty, "T": ms, "m": False}
    return _json.dumps(
        {"stream": f"{symbol.lower()}@trade", "data": data, "source": "test"}
    ).encode()


async def tick(
    app: FastAPI, symbol: str, price: str, qty: str = "1000", trade_id: int | None = None
) -> None:
    """Publish one market trade on the bus and wait until the matcher has applied it."""
    await app.state.runtime.bus.publish(
        f"{symbol.lower()}@trade", trade_frame(symbol, price, qty, trade_id)
    )
    await app.state.runtime.trading_matcher.drain()
