"""Backup and restore round trip on SQLite and PostgreSQL: a database populated through the API
(users, orders, trades, balances, alerts) is backed up, restored into a fresh database, and every
row of every table, and what the API shows each user, is found equal there."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.all_models import metadata
from backend.backup import service
from backend.backup.errors import BackupError
from backend.main import create_app
from tests.conftest import PG_ADMIN_URL, _pg_url, asgi_client
from tests.trading.conftest import tick, trading_settings

PASSWORD = "correct horse battery staple"  # test account
USERS = ("alice", "bob")
VIEWS = ("/api/v1/account", "/api/v1/orders", "/api/v1/trades", "/api/v1/alerts")


async def _admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
async def fresh_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same kind: a new file, or a new PostgreSQL database (dropped)."""
    if db_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'app.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def login(c: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await c.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def populate(app: FastAPI, c: httpx.AsyncClient) -> None:
    for name in USERS:
        r = await c.post(
            "/api/v1/auth/register",
            json={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
    alice, bob = [await login(c, name) for name in USERS]
    await tick(app, "BTCUSDT", "60000", qty="1")
    await tick(app, "ETHUSDT", "3000", qty="10")
    orders = [
        (alice, {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}),
        (bob, {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.5"}),
        (  # rests: locks USDT until it fills
            alice,
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "quantity": "0.02",
                "price": "59000",
                "time_in_force": "GTC",
            },
        ),
        (
            bob,
            {
                "symbol": "ETHUSDT",
                "side": "SELL",
                "type": "LIMIT",
                "quantity": "0.2",
                "price": "3100",
                "time_in_force": "GTC",
            },
        ),
    ]
    for headers, body in orders:
        r = await c.post("/api/v1/orders", headers=headers, json=body)
        assert r.status_code == 201, r.text
    await tick(app, "ETHUSDT", "3100.5", qty="0.1")  # bob's sell fills in part
    for headers, body in [
        (alice, {"symbol": "BTCUSDT", "condition": "price_above", "value": "70000.5"}),
        (alice, {"symbol": "ETHUSDT", "condition": "price_below", "value": "2500", "note": "dip"}),
        (bob, {"symbol": "BTCUSDT", "condition": "price_below", "value": "50000"}),
    ]:
        r = await c.post("/api/v1/alerts", headers=headers, json=body)
        assert r.status_code == 201, r.text


async def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the database (the app's and alembic's), in key order."""
    engine = create_async_engine(url, poolclass=NullPool)
    reflected = MetaData()
    rows: dict[str, list[dict[str, Any]]] = {}
    try:
        async with engine.connect() as conn:
            await conn.run_sync(reflected.reflect)
            for table in reflected.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                result = await conn.execute(table.select().order_by(*order))
                rows[table.name] = [dict(r._mapping) for r in result]
    finally:
        await engine.dispose()
    return rows


async def api_views(url: str, tmp_path: Path) -> dict[str, Any]:
    """What each user sees, logging in with the password (the hashes came back too)."""
    application = create_app(trading_settings(url, tmp_path, trading_run_matcher="no"))
    seen: dict[str, Any] = {}
    async with application.router.lifespan_context(application), asgi_client(application) as c:
        for name in USERS:
            headers = await login(c, name)
            for path in VIEWS:
                r = await c.get(path, headers=headers)
                assert r.status_code == 200, r.text
                seen[f"{name} {path}"] = r.json()
    return seen


async def test_backup_restores_every_row_into_a_fresh_database(
    db_url: str, fresh_url: str, tmp_path: Path
) -> None:
    application = create_app(trading_settings(db_url, tmp_path))
    async with application.router.lifespan_context(application), asgi_client(application) as c:
        await populate(application, c)
    backup = await service.backup(db_url, tmp_path / "backups", datetime.now(UTC))
    assert backup.stat().st_mode & 0o077 == 0  # password hashes inside: owner only
    before = await table_rows(db_url)
    assert set(before) >= {m.name for m in metadata.sorted_tables} | {"alembic_version"}
    for table, least in {"users": 2, "orders": 4, "trades": 3, "alerts": 3}.items():
        assert len(before[table]) >= least, table
    locked = [Decimal(str(r["locked"])) for r in before["trading_balances"]]
    assert any(amount > 0 for amount in locked)  # the resting orders' funds

    assert await service.is_empty(fresh_url)
    await service.restore(fresh_url, backup)

    assert await table_rows(fresh_url) == before
    # both sides log in again (a refresh token each), then show every user the same
    assert await api_views(fresh_url, tmp_path / "b") == await api_views(db_url, tmp_path / "a")


async def test_restore_refuses_a_database_with_tables_unless_forced(
    db_url: str, fresh_url: str, tmp_path: Path
) -> None:
    application = create_app(trading_settings(db_url, tmp_path))
    async with application.router.lifespan_context(application), asgi_client(application) as c:
        await populate(application, c)
    backup = await service.backup(db_url, tmp_path / "backups", datetime.now(UTC))
    await service.restore(fresh_url, backup)
    # the restored database is no longer empty: a second restore needs --force
    with pytest.raises(BackupError, match="not empty"):
        await service.restore(fresh_url, backup)
    engine = create_async_engine(fresh_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM alerts"))
    finally:
        await engine.dispose()
    await service.restore(fresh_url, backup, force=True)
    assert await table_rows(fresh_url) == await table_rows(db_url)


async def test_restore_refuses_another_databases_kind_and_foreign_files(
    db_url: str, tmp_path: Path
) -> None:
    backup = await service.backup(db_url, tmp_path / "backups", datetime.now(UTC))
    other = (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/none"
        if db_url.startswith("sqlite")
        else f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    )
    with pytest.raises(BackupError, match="backup; the database is"):
        await service.restore(other, backup)
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(BackupError, match="neither"):
        await service.restore(db_url, junk)
    if not db_url.startswith("sqlite"):  # a database that does not exist: said, no traceback
        with pytest.raises(BackupError, match="cannot reach"):
            await service.restore(_pg_url(f"missing_{uuid.uuid4().hex[:8]}"), backup)
    assert not await asyncio.to_thread((tmp_path / "x.db").exists)
