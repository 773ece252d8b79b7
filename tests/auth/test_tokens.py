"""Access tokens: everything but a genuine, current HS256 token is a 401 in the error shape."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.auth.helpers import ME, bearer, error_code, signup


def _claims(app: FastAPI, user_id: int, **overrides: Any) -> dict[str, Any]:
    settings = app.state.runtime.settings
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "role": "trader",
        "ver": 0,
        "jti": "a" * 32,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(app: FastAPI, claims: dict[str, Any], key: str | None = None) -> str:
    secret = key or app.state.runtime.settings.secret_key.get_secret_value()
    return jwt.encode(claims, secret, algorithm="HS256")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers=bearer(token))


async def test_genuine_token_works(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    assert (await _me(client, _sign(app, _claims(app, grant["user"]["id"])))).status_code == 200


async def test_no_token_is_401_not_authenticated(client: httpx.AsyncClient) -> None:
    resp = await client.get(ME)
    assert resp.status_code == 401
    assert error_code(resp) == "not_authenticated"
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_401_token_expired(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    now = int(time.time())
    token = _sign(app, _claims(app, grant["user"]["id"], iat=now - 3600, exp=now - 60))
    resp = await _me(client, token)
    assert resp.status_code == 401
    assert error_code(resp) == "token_expired"


async def test_tampered_payload_is_401(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    header, payload, signature = grant["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    resp = await _me(client, f"{header}.{_b64(claims)}.{signature}")
    assert resp.status_code == 401
    assert error_code(resp) == "token_invalid"


async def test_alg_none_is_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    claims = _claims(app, grant["user"]["id"])
    for alg in ("none", "None", "NONE"):
        token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."
        resp = await _me(client, token)
        assert resp.status_code == 401, alg
        assert error_code(resp) == "token_invalid"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_other_hmac_algorithm_is_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    secret = app.state.runtime.settings.secret_key.get_secret_value()
    token = jwt.encode(_claims(app, grant["user"]["id"]), secret, algorithm="HS512")
    assert (await _me(client, token)).status_code == 401


@pytest.mark.parametrize(
    "override",
    [{"aud": "someone-else"}, {"iss": "evil-issuer"}, {"sub": "not-a-number"}, {"role": "god"}],
)
async def test_wrong_claims_are_401(
    client: httpx.AsyncClient, app: FastAPI, override: dict[str, Any]
) -> None:
    grant = await signup(client)
    resp = await _me(client, _sign(app, _claims(app, grant["user"]["id"], **override)))
    assert resp.status_code == 401
    assert error_code(resp) == "token_invalid"


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "aud", "iss", "sub", "ver"])
async def test_missing_claim_is_401(client: httpx.AsyncClient, app: FastAPI, missing: str) -> None:
    grant = await signup(client)
    resp = await _me(client, _sign(app, _claims(app, grant["user"]["id"], **{missing: None})))
    assert resp.status_code == 401


async def test_wrong_signing_key_is_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = await signup(client)
    token = _sign(app, _claims(app, grant["user"]["id"]), key="another-secret-" * 4)
    assert (await _me(client, token)).status_code == 401


async def test_token_of_unknown_user_is_401(client: httpx.AsyncClient, app: FastAPI) -> None:
    await signup(client)
    assert (await _me(client, _sign(app, _claims(app, 999_999)))).status_code == 401


@pytest.mark.parametrize(
    "value", ["Bearer", "Bearer garbage", "Basic YWxhZGRpbjpvcGVu", "Bearer a.b.c"]
)
async def test_malformed_authorization_is_401(client: httpx.AsyncClient, value: str) -> None:
    resp = await client.get(ME, headers={"Authorization": value})
    assert resp.status_code == 401
    assert set(resp.json()) == {"error"}


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    grant = await signup(client)
    assert (await _me(client, grant["refresh_token"])).status_code == 401
