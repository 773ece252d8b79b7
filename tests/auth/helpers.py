"""Shared steps for the account tests: register, log in, bearer headers."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "Tr0ub4dor&3-horse"
REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"
WEB = {"X-Client": "web"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: httpx.AsyncClient,
    username: str = "alice",
    email: str | None = None,
    password: str = PASSWORD,
) -> dict[str, Any]:
    resp = await client.post(
        REGISTER,
        json={
            "email": email or f"{username}@example.com",
            "username": username,
            "password": password,
        },
    )
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def login_resp(
    client: httpx.AsyncClient,
    username: str = "alice",
    password: str = PASSWORD,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        LOGIN, data={"username": username, "password": password}, headers=headers
    )


async def login(
    client: httpx.AsyncClient, username: str = "alice", password: str = PASSWORD
) -> dict[str, Any]:
    resp = await login_resp(client, username, password)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def signup(client: httpx.AsyncClient, username: str = "alice") -> dict[str, Any]:
    """Register and log in; returns the token grant plus the user under "user"."""
    user = await register(client, username)
    grant = await login(client, username)
    return {**grant, "user": user}


def error_code(resp: httpx.Response) -> str:
    body = resp.json()
    assert set(body) == {"error"}, body
    return str(body["error"]["code"])
