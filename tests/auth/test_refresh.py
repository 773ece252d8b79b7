"""Refresh rotation, reuse detection (revokes the family), logout, the browser cookie + CSRF header."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from backend.auth import service as auth_service
from backend.db import transaction
from backend.security import TokenExpired
from tests.auth.helpers import (
    LOGOUT,
    ME,
    REFRESH,
    WEB,
    bearer,
    error_code,
    login,
    login_resp,
    signup,
)


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


async def test_refresh_rotates_and_old_token_stops_working(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    first = await _refresh(client, grant["refresh_token"])
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != grant["refresh_token"]
    assert (await client.get(ME, headers=bearer(new["access_token"]))).status_code == 200
    again = await _refresh(client, grant["refresh_token"])
    assert again.status_code == 401


async def test_reuse_of_spent_token_revokes_the_whole_family(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    second = (await _refresh(client, grant["refresh_token"])).json()
    third = (await _refresh(client, second["refresh_token"])).json()
    other_login = await login(client)  # a separate login (family) of the same user

    reuse = await _refresh(client, grant["refresh_token"])  # a thief replays a spent token
    assert reuse.status_code == 401
    assert error_code(reuse) == "token_reused"
    # the newest token of that family is dead too, even though it was never used
    latest = await _refresh(client, third["refresh_token"])
    assert latest.status_code == 401
    assert error_code(latest) == "token_invalid"
    # the other login is untouched
    assert (await _refresh(client, other_login["refresh_token"])).status_code == 200


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    await signup(client)
    resp = await _refresh(client, "x" * 43)
    assert resp.status_code == 401
    assert error_code(resp) == "token_invalid"


async def test_refresh_without_any_token_is_401(client: httpx.AsyncClient) -> None:
    resp = await client.post(REFRESH)
    assert resp.status_code == 401
    assert error_code(resp) == "token_invalid"


async def test_refresh_body_rejects_unknown_fields(client: httpx.AsyncClient) -> None:
    resp = await client.post(REFRESH, json={"refresh_token": "abc", "role": "admin"})
    assert resp.status_code == 422


async def test_logout_revokes_the_login(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    second = (await _refresh(client, grant["refresh_token"])).json()
    resp = await client.post(LOGOUT, json={"refresh_token": second["refresh_token"]})
    assert resp.status_code == 204
    assert (await _refresh(client, second["refresh_token"])).status_code == 401
    # logging out twice, or with an unknown token, is harmless
    assert (
        await client.post(LOGOUT, json={"refresh_token": second["refresh_token"]})
    ).status_code == 204
    assert (await client.post(LOGOUT, json={"refresh_token": "nope"})).status_code == 204


async def test_expired_refresh_token_is_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    later = datetime.now(UTC) + timedelta(
        seconds=app.state.runtime.settings.refresh_token_ttl_s + 60
    )
    with pytest.raises(TokenExpired):
        async with transaction(app.state.runtime.sessionmaker) as tx:
            await auth_service.refresh(
                tx, app.state.runtime.settings, refresh_token=grant["refresh_token"], now=later
            )


# --- browser clients: httpOnly cookie + X-Client: web ---


async def _web_login(client: httpx.AsyncClient) -> httpx.Response:
    await signup(client)
    resp = await login_resp(client, headers=WEB)
    assert resp.status_code == 200
    return resp


async def test_web_login_sets_hardened_cookie_and_omits_body_token(
    client: httpx.AsyncClient,
) -> None:
    resp = await _web_login(client)
    assert resp.json()["refresh_token"] is None
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("refresh_token=")
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/api/v1/auth" in lowered
    assert "secure" not in lowered  # plain http in tests; Secure behind HTTPS


async def test_cookie_is_secure_behind_https(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://demo.example") as client:
        resp = await _web_login(client)
    assert "secure" in resp.headers["set-cookie"].lower()


async def test_cookie_refresh_needs_the_csrf_header(client: httpx.AsyncClient) -> None:
    await _web_login(client)  # the client keeps the cookie
    no_header = await client.post(REFRESH)
    assert no_header.status_code == 403
    assert error_code(no_header) == "csrf_required"
    ok = await client.post(REFRESH, headers=WEB)
    assert ok.status_code == 200, ok.text
    assert ok.json()["refresh_token"] is None
    assert "refresh_token=" in ok.headers["set-cookie"]  # rotated cookie
    assert (await client.get(ME, headers=bearer(ok.json()["access_token"]))).status_code == 200


async def test_cookie_is_scoped_to_the_auth_path(client: httpx.AsyncClient) -> None:
    await _web_login(client)
    request = client.build_request("GET", "http://testserver/api/v1/users/me")
    assert "refresh_token" not in request.headers.get("cookie", "")
    request = client.build_request("POST", "http://testserver/api/v1/auth/refresh")
    assert "refresh_token=" in request.headers.get("cookie", "")


async def test_cookie_logout_needs_header_then_clears_cookie(client: httpx.AsyncClient) -> None:
    await _web_login(client)
    assert (await client.post(LOGOUT)).status_code == 403
    resp = await client.post(LOGOUT, headers=WEB)
    assert resp.status_code == 204
    assert (
        'refresh_token=""' in resp.headers["set-cookie"]
        or "max-age=0" in resp.headers["set-cookie"].lower()
    )
    assert client.cookies.get("refresh_token") is None
    assert (await client.post(REFRESH, headers=WEB)).status_code == 401


async def test_stolen_cookie_replay_after_rotation_revokes_family(
    client: httpx.AsyncClient,
) -> None:
    await _web_login(client)
    stolen = client.cookies.get("refresh_token")
    assert stolen
    assert (await client.post(REFRESH, headers=WEB)).status_code == 200
    reuse = await client.post(REFRESH, json={"refresh_token": stolen})
    assert error_code(reuse) == "token_reused"
    assert (await client.post(REFRESH, headers=WEB)).status_code == 401  # the victim's too


async def test_body_token_still_works_for_api_clients(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    resp = await client.post(REFRESH, json={"refresh_token": grant["refresh_token"]}, headers=WEB)
    assert resp.status_code == 200
    assert resp.json()["refresh_token"]  # a body token is answered in the body


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_concurrent_refresh_of_one_token_counts_as_reuse(client: httpx.AsyncClient) -> None:
    """Two refreshes racing with one token: FOR UPDATE serializes them; the second is reuse."""
    grant = await signup(client)
    results = await asyncio.gather(*(_refresh(client, grant["refresh_token"]) for _ in range(2)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 401]
    loser = next(r for r in results if r.status_code == 401)
    assert error_code(loser) == "token_reused"
    winner = next(r for r in results if r.status_code == 200).json()
    assert (await _refresh(client, winner["refresh_token"])).status_code == 401  # family revoked
