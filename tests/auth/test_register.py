"""POST /auth/register: validation, policy, uniqueness; role and unknown fields never applied."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import PASSWORD, REGISTER, error_code, login, register


async def test_register_returns_trader(client: httpx.AsyncClient) -> None:
    user = await register(client, "alice", "Alice@Example.COM")
    assert user["role"] == "trader"
    assert user["email"] == "alice@example.com"
    assert user["username"] == "alice"
    assert user["is_active"] is True
    assert "password" not in str(user) and "hash" not in str(user)


@pytest.mark.parametrize("field", [{"role": "admin"}, {"balance": "1000000"}, {"is_active": False}])
async def test_register_with_extra_field_is_422_and_not_applied(
    client: httpx.AsyncClient, field: dict[str, object]
) -> None:
    body = {"email": "eve@example.com", "username": "eve", "password": PASSWORD, **field}
    resp = await client.post(REGISTER, json=body)
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"
    # nothing was created: the same registration without the field still works
    assert (
        await client.post(REGISTER, json={k: body[k] for k in ("email", "username", "password")})
    ).status_code == 201
    me = await login(client, "eve")
    assert me["access_token"]


async def test_duplicate_email_is_409_email_taken(client: httpx.AsyncClient) -> None:
    await register(client, "alice", "alice@example.com")
    resp = await client.post(
        REGISTER, json={"email": "ALICE@example.com", "username": "alice2", "password": PASSWORD}
    )
    assert resp.status_code == 409
    assert error_code(resp) == "email_taken"


async def test_duplicate_username_case_insensitive_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "Alice", "a1@example.com")
    resp = await client.post(
        REGISTER, json={"email": "a2@example.com", "username": "aLICE", "password": PASSWORD}
    )
    assert resp.status_code == 409
    assert error_code(resp) == "username_taken"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "too_short"),
        ("Xq7-horse-b", "too_short"),  # 11 characters: ASVS 2.1.1 asks for 12
        ("x" * 129 + "Ab1", "too_long"),
        ("Password123!", "too_common"),
        ("qwertyuiop", "too_common"),
        ("aaaaaaaaaaaa", "too_common"),
        ("my-bob-the-builder-9", "contains_username"),
        ("robert.smith-horse-77", "contains_email"),
    ],
)
async def test_weak_password_is_422_weak_password(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    resp = await client.post(
        REGISTER,
        json={
            "email": "robert.smith@example.com",
            "username": "bob-the-builder",
            "password": password,
        },
    )
    assert resp.status_code == 422, resp.text
    assert error_code(resp) == "weak_password"
    assert reason in resp.json()["error"]["details"]["reasons"]
    assert password not in resp.text


@pytest.mark.parametrize("username", ["ab", "a" * 33, "bad name", "émile", "x@y", "semi;colon"])
async def test_bad_username_is_422(client: httpx.AsyncClient, username: str) -> None:
    resp = await client.post(
        REGISTER, json={"email": "u@example.com", "username": username, "password": PASSWORD}
    )
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
async def test_bad_email_is_422(client: httpx.AsyncClient, email: str) -> None:
    resp = await client.post(
        REGISTER, json={"email": email, "username": "someone", "password": PASSWORD}
    )
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"
