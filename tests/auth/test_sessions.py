"""Sessions (issue 10 section 3): a login's absolute lifetime, sign out everywhere, token
responses never cached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from backend.auth import service as auth_service
from backend.auth.sessions import TokenPair
from backend.db import make_engine, make_sessionmaker, transaction
from backend.security import Passwords, TokenExpired
from tests.auth.helpers import (
    LOGIN,
    ME,
    PASSWORD,
    REFRESH,
    WEB,
    bearer,
    error_code,
    login,
    register,
    signup,
)
from tests.conftest import make_settings

LOGOUT_ALL = "/api/v1/auth/logout-all"
DAY = timedelta(days=1)


async def test_rotation_never_extends_a_login_past_its_absolute_lifetime(
    client: httpx.AsyncClient, db_url: str, tmp_path: Path
) -> None:
    """REFRESH_TOKEN_TTL_S is 30 days and the login's absolute end 90: a token refreshed every
    20 days would live for ever without the absolute end."""
    await register(client)
    settings = make_settings(db_url, tmp_path)
    assert settings.refresh_token_absolute_ttl_s == 90 * 24 * 3600
    engine = make_engine(db_url, pool_size=1)
    sessionmaker = make_sessionmaker(engine)
    start = datetime.now(UTC)
    try:
        async with transaction(sessionmaker) as tx:
            pair: TokenPair = await auth_service.login(
                tx,
                settings,
                Passwords(fast=True),
                identifier="alice",
                password=PASSWORD,
                ip="127.0.0.1",
                now=start,
            )
        assert pair.refresh_expires_in == 30 * 24 * 3600
        for day in (20, 40, 60, 80):
            async with transaction(sessionmaker) as tx:
                pair = await auth_service.refresh(
                    tx, settings, refresh_token=pair.refresh_token, now=start + day * DAY
                )
        # the last one lives 10 days, to the login's end, not 30 (the web cookie's Max-Age too)
        assert pair.refresh_expires_in == 10 * 24 * 3600
        refused: Exception | None = None
        async with transaction(sessionmaker) as tx:
            try:
                await auth_service.refresh(
                    tx, settings, refresh_token=pair.refresh_token, now=start + 91 * DAY
                )
            except TokenExpired as exc:
                refused = exc
        assert refused is not None  # 91 days after the login: over, though rotated 11 days ago
    finally:
        await engine.dispose()


async def test_sign_out_everywhere_ends_every_login_and_access_token(
    client: httpx.AsyncClient,
) -> None:
    phone = await signup(client)
    laptop = await login(client)
    web = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD}, headers=WEB)
    assert web.status_code == 200
    resp = await client.post(LOGOUT_ALL, headers=bearer(laptop["access_token"]))
    assert resp.status_code == 204
    assert "refresh_token=" in resp.headers.get("set-cookie", "")  # the cookie is cleared
    for grant in (phone, laptop):
        # access tokens die at once, not at their expiry
        me = await client.get(ME, headers=bearer(grant["access_token"]))
        assert me.status_code == 401
        again = await client.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
        assert again.status_code == 401
        assert error_code(again) == "token_invalid"
    # a new login works
    fresh = await login(client)
    assert (await client.get(ME, headers=bearer(fresh["access_token"]))).status_code == 200


async def test_sign_out_everywhere_needs_a_valid_access_token(client: httpx.AsyncClient) -> None:
    assert (await client.post(LOGOUT_ALL)).status_code == 401
    assert (await client.post(LOGOUT_ALL, headers=bearer("nope"))).status_code == 401


async def test_token_responses_are_never_cached(client: httpx.AsyncClient) -> None:
    await register(client)
    logged_in = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD})
    refreshed = await client.post(
        REFRESH, json={"refresh_token": logged_in.json()["refresh_token"]}
    )
    web = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD}, headers=WEB)
    for resp in (logged_in, refreshed, web):
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-store"
        assert resp.headers["pragma"] == "no-cache"
