"""Migrations: upgrade to head on empty SQLite and PostgreSQL, and models == migrations.

Compares every table in backend.all_models (all domains), so a model change without its
migration (or the reverse) fails here.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from backend.all_models import metadata
from tests.conftest import PG_ADMIN_URL, alembic_config, alembic_upgrade, in_thread


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(
        conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
    )
    return list(compare_metadata(ctx, metadata))


async def _diff_and_tables(url: str) -> tuple[list[Any], set[str], str | None]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        await engine.dispose()
    return diff, tables, version


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def _check_migrated(url: str) -> None:
    diff, tables, version = await _diff_and_tables(url)
    assert diff == [], f"models and migrations differ: {diff}"
    assert {t.name for t in metadata.sorted_tables} <= tables
    assert {"users", "refresh_tokens", "login_failures", "login_locks"} <= tables
    assert version == _head()


async def test_sqlite_upgrade_head_matches_models(sqlite_template: Path) -> None:
    await _check_migrated(f"sqlite+aiosqlite:///{sqlite_template}")


async def test_postgres_upgrade_head_matches_models(pg_url: str) -> None:
    await _check_migrated(pg_url)


def _downgrade(url: str) -> None:
    in_thread(lambda: command.downgrade(alembic_config(url), "base"))


async def test_sqlite_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    alembic_upgrade(url)
    _downgrade(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            left = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert left <= {"alembic_version"}
    alembic_upgrade(url)
    await _check_migrated(url)


async def _admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.mark.timeout(120)
async def test_postgres_empty_database_upgrade_downgrade_upgrade() -> None:
    name = f"test_mig_{uuid.uuid4().hex[:10]}"
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        alembic_upgrade(url)
        await _check_migrated(url)
        _downgrade(url)
        alembic_upgrade(url)
        await _check_migrated(url)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
