"""Shared fixtures: real SQLite and PostgreSQL databases, real Redis, the app and its client.

- PostgreSQL: a database `test_<run>_<worker>` is created and migrated once per test process
  and dropped at the end; tables are truncated after each test (tests commit for real, as the
  app does, so on_commit hooks and concurrency behave as in production).
- SQLite: a migrated template file is copied for each test.
- Redis: a per-run key prefix. A service that does not answer fails the run; nothing skips.
API tests that take `client` run once per database backend (`db_backend` param).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from backend.all_models import metadata
from backend.config import Settings
from backend.main import create_app
from tests.admin_app import admin_bearer, open_admin_app

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RUN_ID = uuid.uuid4().hex[:8]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking set-up (alembic, asyncio.run) off the test's running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def alembic_upgrade(url: str) -> None:
    in_thread(lambda: command.upgrade(alembic_config(url), "head"))


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    dbname = f"test_{RUN_ID}_{WORKER}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    in_thread(lambda: asyncio.run(admin(f'CREATE DATABASE "{dbname}"')))
    url = _pg_url(dbname)
    alembic_upgrade(url)
    yield url
    in_thread(lambda: asyncio.run(admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    alembic_upgrade(f"sqlite+aiosqlite:///{path}")
    return path


_END_LEFTOVER_BACKENDS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _truncate_sql() -> str:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    return f"TRUNCATE {tables} RESTART IDENTITY CASCADE" if tables else "SELECT 1"


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db_url(
    db_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "app.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url: str = request.getfixturevalue("pg_url")
    yield url
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            # The test's apps are shut down by now: a connection still open on this database
            # leaked (e.g. left idle in a transaction) and would block TRUNCATE for good. End it
            # so the next test starts clean, and never wait on a lock without a bound.
            await conn.execute(text(_END_LEFTOVER_BACKENDS))
            await conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            await conn.execute(text(_truncate_sql()))
    finally:
        await engine.dispose()


@pytest.fixture
def redis_prefix() -> str:
    return f"test:{RUN_ID}:{uuid.uuid4().hex[:6]}:"


def make_settings(db_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "database_url": db_url,
        "redis_url": None,
        "log_to_file": False,
        "log_level": "WARNING",
        "log_access": False,
        "web_dist_dir": tmp_path / "no-dist",
        "market_source": "replay",
        "market_replay_dir": None,
        "run_ingestor": "no",
        "market_history_import": "no",  # the tests that need it turn it on
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def asgi_client(application: FastAPI, **kwargs: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
async def admin_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """An app started with a first admin (tests/admin_app.py)."""
    async with open_admin_app(db_url, tmp_path) as application:
        yield application


@pytest.fixture
async def ac(admin_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(admin_app) as c:
        yield c


@pytest.fixture
async def admin_headers(ac: httpx.AsyncClient) -> dict[str, str]:
    return await admin_bearer(ac)
