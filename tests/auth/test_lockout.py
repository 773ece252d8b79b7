"""Lockout: 5 failures in 15 minutes lock an account for 15 minutes, in the DB (all replicas)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.auth import service as auth_service
from backend.auth.errors import AccountLocked, InvalidCredentials
from backend.db import transaction
from backend.main import create_app
from backend.metrics import LOCKOUTS
from tests.auth.helpers import PASSWORD, error_code, login_resp, register
from tests.conftest import asgi_client, make_settings

WRONG = "definitely-wrong-99"


async def _fail(
    client: httpx.AsyncClient, name: str = "alice", times: int = 1
) -> list[httpx.Response]:
    return [await login_resp(client, name, WRONG) for _ in range(times)]


async def test_fifth_failure_locks_even_the_right_password(client: httpx.AsyncClient) -> None:
    await register(client)
    before = LOCKOUTS._value.get()
    first_four = await _fail(client, times=4)
    assert [r.status_code for r in first_four] == [401] * 4
    fifth = (await _fail(client))[0]
    assert fifth.status_code == 429
    assert error_code(fifth) == "account_locked"
    right = await login_resp(client)
    assert right.status_code == 429
    assert error_code(right) == "account_locked"
    retry = int(right.headers["retry-after"])
    assert 14 * 60 < retry <= 15 * 60 + 1
    assert right.json()["error"]["details"]["retry_after_s"] == retry
    assert LOCKOUTS._value.get() == before + 1


async def test_username_and_email_count_for_the_same_account(client: httpx.AsyncClient) -> None:
    await register(client, "alice", "alice@example.com")
    await _fail(client, "alice", 2)
    await _fail(client, "ALICE@example.com", 2)
    await _fail(client, "Alice", 1)
    assert (await login_resp(client, "alice@example.com")).status_code == 429


async def test_success_resets_the_failure_count(client: httpx.AsyncClient) -> None:
    await register(client)
    await _fail(client, times=4)
    assert (await login_resp(client)).status_code == 200
    assert [r.status_code for r in await _fail(client, times=4)] == [401] * 4


async def test_unknown_names_lock_like_real_accounts(client: httpx.AsyncClient) -> None:
    await register(client)
    real = await _fail(client, "alice", 5)
    ghost = await _fail(client, "ghost", 5)
    assert [r.status_code for r in real] == [r.status_code for r in ghost]
    assert error_code(real[-1]) == error_code(ghost[-1]) == "account_locked"
    assert real[-1].json()["error"]["message"] == ghost[-1].json()["error"]["message"]


async def test_lock_ends_after_duration_and_old_failures_expire(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await register(client)
    settings, passwords = app.state.runtime.settings, app.state.runtime.passwords
    now = datetime.now(UTC)

    async def attempt(password: str, at: datetime) -> type[Exception] | None:
        # caught inside the transaction: its writes commit (db.transaction also commits them
        # for an error marked keeps_writes, as a request does)
        async with transaction(app.state.runtime.sessionmaker) as tx:
            try:
                await auth_service.login(
                    tx,
                    settings,
                    passwords,
                    identifier="alice",
                    password=password,
                    ip="1.2.3.4",
                    now=at,
                )
            except (InvalidCredentials, AccountLocked) as exc:
                return type(exc)
        return None

    for _ in range(4):  # four failures, then the window passes
        assert await attempt(WRONG, now - timedelta(minutes=20)) is InvalidCredentials
    assert await attempt(WRONG, now) is InvalidCredentials  # only this one counts now
    for _ in range(3):
        assert await attempt(WRONG, now) is InvalidCredentials
    assert await attempt(WRONG, now) is AccountLocked
    assert await attempt(PASSWORD, now + timedelta(minutes=14)) is AccountLocked
    assert await attempt(PASSWORD, now + timedelta(minutes=16)) is None  # lock over


@pytest.fixture
async def two_replicas(
    db_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two app instances (as two API processes would be) on one PostgreSQL database."""
    apps = [create_app(make_settings(db_url, tmp_path / str(i))) for i in range(2)]
    async with (
        apps[0].router.lifespan_context(apps[0]),
        apps[1].router.lifespan_context(apps[1]),
        asgi_client(apps[0]) as a,
        asgi_client(apps[1]) as b,
    ):
        yield a, b


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_lockout_is_shared_by_two_app_instances(
    two_replicas: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = two_replicas
    await register(a)
    for client in (a, b, a, b):
        assert (await _fail(client))[0].status_code == 401
    assert (await _fail(b))[0].status_code == 429  # the fifth, counted across both
    for client in (a, b):
        resp = await login_resp(client)
        assert resp.status_code == 429
        assert error_code(resp) == "account_locked"
