"""POST /auth/login: username or email, enumeration-safe failures, disabled accounts, bcrypt upgrade."""

from __future__ import annotations

import bcrypt
import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.users.models import User
from tests.auth.helpers import ME, PASSWORD, bearer, error_code, login_resp, register


async def test_login_by_username_or_email_any_case(client: httpx.AsyncClient) -> None:
    await register(client, "Alice", "alice@example.com")
    for name in ("Alice", "alice", "ALICE@example.com", " alice@example.com "):
        resp = await login_resp(client, name)
        assert resp.status_code == 200, (name, resp.text)
        body = resp.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 15 * 60
        assert len(body["refresh_token"]) >= 43  # 256 bits, url-safe base64
        me = await client.get(ME, headers=bearer(body["access_token"]))
        assert me.json()["username"] == "Alice"


async def test_access_token_claims(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register(client)
    token = (await login_resp(client)).json()["access_token"]
    settings = app.state.runtime.settings
    claims = jwt.decode(
        token,
        settings.secret_key.get_secret_value(),
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    assert claims["sub"] == str(user["id"])
    assert claims["role"] == "trader"
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert len(claims["jti"]) == 32


def _comparable(resp: httpx.Response) -> tuple[int, str, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k not in ("x-request-id", "content-length")}
    return resp.status_code, resp.text, headers


async def test_unknown_and_known_account_failures_look_the_same(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    wrong_password = await login_resp(client, "alice", "not-the-password-1")
    unknown_user = await login_resp(client, "nobody", "not-the-password-1")
    unknown_email = await login_resp(client, "nobody@example.com", "not-the-password-1")
    assert wrong_password.status_code == 401
    assert error_code(wrong_password) == "invalid_credentials"
    assert _comparable(wrong_password) == _comparable(unknown_user) == _comparable(unknown_email)


async def test_missing_form_fields_is_422(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/v1/auth/login", data={"username": "alice"})
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"


async def test_disabled_account_cannot_log_in(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register(client)
    async with app.state.runtime.sessionmaker() as session:
        await session.execute(update(User).where(User.id == user["id"]).values(is_active=False))
        await session.commit()
    right = await login_resp(client)
    assert right.status_code == 403
    assert error_code(right) == "account_disabled"
    wrong = await login_resp(client, password="wrong-password-123")
    assert wrong.status_code == 401  # a wrong password still says nothing more
    assert error_code(wrong) == "invalid_credentials"


async def test_bcrypt_hash_is_accepted_and_upgraded_to_argon2(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    user = await register(client)
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    async with app.state.runtime.sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == user["id"]).values(password_hash=legacy)
        )
        await session.commit()
    assert (await login_resp(client)).status_code == 200
    async with app.state.runtime.sessionmaker() as session:
        stored = (
            await session.execute(select(User.password_hash).where(User.id == user["id"]))
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert (await login_resp(client)).status_code == 200  # and the new hash verifies


async def test_password_is_stored_as_argon2id(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await register(client)
    async with app.state.runtime.sessionmaker() as session:
        stored = (
            await session.execute(select(User.password_hash).where(User.id == user["id"]))
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
