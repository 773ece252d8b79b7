"""Lockout per (account, client address), the account-wide slow-down, and bursts.

Issue 10 section 3: five wrong passwords from anywhere used to lock the owner out for good, and
20 parallel wrong logins got 12 password checks against a limit of 5.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.auth import lockout
from backend.auth import service as auth_service
from backend.auth.errors import AccountLocked, InvalidCredentials, LoginSlowed
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, transaction
from backend.main import create_app
from backend.metrics import LOGINS
from backend.security import Passwords
from tests.auth.helpers import PASSWORD, error_code, login_resp, register
from tests.conftest import make_settings

WRONG = "definitely-wrong-99"


def client_at(app: FastAPI, ip: str) -> httpx.AsyncClient:
    """A client whose requests come from `ip` (the ASGI scope's client address)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def open_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app without the per-IP rate limit on login, so only the lockout answers 429."""
    app = create_app(make_settings(db_url, tmp_path, rate_limit_enabled=False))
    async with app.router.lifespan_context(app):
        yield app


async def test_the_owner_gets_in_from_another_address(open_app: FastAPI) -> None:
    async with (
        client_at(open_app, "198.51.100.7") as attacker,
        client_at(open_app, "203.0.113.20") as owner,
    ):
        await register(owner)
        statuses = [(await login_resp(attacker, "alice", WRONG)).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        locked = await login_resp(attacker, "alice")  # the right password, from the locked address
        assert locked.status_code == 429
        assert error_code(locked) == "account_locked"
        assert (await login_resp(owner)).status_code == 200  # the owner, elsewhere, gets in
        assert (await login_resp(owner, "alice@example.com")).status_code == 200
        # and the attacker's address stays locked
        assert error_code(await login_resp(attacker)) == "account_locked"


def _failures() -> float:
    return LOGINS.labels(outcome="failure")._value.get()


@pytest.mark.parametrize("db_backend", ["postgres", "sqlite"])
async def test_a_burst_is_checked_one_attempt_at_a_time(open_app: FastAPI) -> None:
    """20 wrong passwords at once: exactly LOCKOUT_THRESHOLD (5) password checks; then a burst
    with the right password in it is refused too, without a single password check."""
    async with client_at(open_app, "198.51.100.7") as c:
        await register(c)
        before = _failures()
        burst = await asyncio.gather(*(login_resp(c, "alice", WRONG) for _ in range(20)))
        assert _failures() - before == 5  # the password was checked 5 times, not 12
        codes = sorted(r.status_code for r in burst)
        assert codes == [401] * 4 + [429] * 16
        checks_before = _failures()
        mixed = await asyncio.gather(
            *(login_resp(c, "alice", PASSWORD if i % 2 else WRONG) for i in range(10))
        )
        assert [r.status_code for r in mixed] == [429] * 10
        assert {error_code(r) for r in mixed} == {"account_locked"}
        assert _failures() == checks_before


async def _attempt(
    db_url: str, settings: Settings, password: str, *, ip: str, at: datetime
) -> type[Exception] | None:
    """One login through the service at a chosen time, committed as the request would be."""
    engine = make_engine(db_url, pool_size=1)
    try:
        async with transaction(make_sessionmaker(engine)) as tx:
            try:
                await auth_service.login(
                    tx,
                    settings,
                    Passwords(fast=True),
                    identifier="alice",
                    password=password,
                    ip=ip,
                    now=at,
                )
            except (InvalidCredentials, AccountLocked, LoginSlowed) as exc:
                return type(exc)
        return None
    finally:
        await engine.dispose()


async def test_a_distributed_attack_is_slowed_not_blocked(
    db_url: str, tmp_path: Path, open_app: FastAPI
) -> None:
    """One guess from each of many addresses: past LOCKOUT_ACCOUNT_THRESHOLD failures the
    account waits 1, 2, 4 ... s between attempts; the owner gets in once the wait is over."""
    async with client_at(open_app, "203.0.113.20") as owner:
        await register(owner)
    settings = make_settings(db_url, tmp_path, lockout_account_threshold=3)
    now = datetime.now(UTC)
    for i in range(3):  # up to the threshold: no slow-down
        assert (
            await _attempt(db_url, settings, WRONG, ip=f"10.0.0.{i}", at=now) is InvalidCredentials
        )
    assert await _attempt(db_url, settings, WRONG, ip="10.0.0.3", at=now) is InvalidCredentials
    # the 4th failure (1 past the threshold): the account waits 1 s, the right password too
    assert await _attempt(db_url, settings, PASSWORD, ip="10.0.1.1", at=now) is LoginSlowed
    later = now + timedelta(seconds=2)
    assert await _attempt(db_url, settings, WRONG, ip="10.0.0.4", at=later) is InvalidCredentials
    # the 5th: 2 s now
    assert (
        await _attempt(db_url, settings, PASSWORD, ip="10.0.1.1", at=later + timedelta(seconds=1))
        is LoginSlowed
    )
    assert (
        await _attempt(db_url, settings, PASSWORD, ip="10.0.1.1", at=later + timedelta(seconds=3))
        is None
    )


def test_the_slow_down_doubles_up_to_its_cap(tmp_path: Path) -> None:
    settings = make_settings(
        "sqlite+aiosqlite://",
        tmp_path,
        lockout_account_threshold=20,
        lockout_account_delay_max_s=60,
    )
    delays = [
        lockout.backstop_delay_s(settings, n) for n in (1, 20, 21, 22, 23, 26, 27, 100, 10**6)
    ]
    assert delays == [0, 0, 1, 2, 4, 32, 60, 60, 60]


async def test_the_slow_down_answers_429_with_a_short_retry_after(
    db_url: str, tmp_path: Path
) -> None:
    app = create_app(
        make_settings(db_url, tmp_path, rate_limit_enabled=False, lockout_account_threshold=2)
    )
    async with app.router.lifespan_context(app):
        async with client_at(app, "203.0.113.20") as owner:
            await register(owner)
        for i in range(3):
            async with client_at(app, f"10.0.0.{i}") as c:
                assert (await login_resp(c, "alice", WRONG)).status_code == 401
        async with client_at(app, "203.0.113.20") as owner:
            resp = await login_resp(owner)
        assert resp.status_code == 429
        assert error_code(resp) == "login_slowed"
        assert 1 <= int(resp.headers["retry-after"]) <= 2
