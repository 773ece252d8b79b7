"""GET/PATCH /users/me and POST /users/me/password."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import (
    ME,
    PASSWORD,
    REFRESH,
    bearer,
    error_code,
    login_resp,
    register,
    signup,
)

NEW_PASSWORD = "a-much-better-secret-42"


async def test_me_requires_authentication(client: httpx.AsyncClient) -> None:
    resp = await client.get(ME)
    assert resp.status_code == 401
    assert error_code(resp) == "not_authenticated"


async def test_read_me(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.get(ME, headers=bearer(grant["access_token"]))
    assert resp.status_code == 200
    assert resp.json() == {**grant["user"], "telegram_linked": False}


async def test_update_username_and_email(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.patch(
        ME,
        json={"username": "Alice.B", "email": "New@Example.com", "current_password": PASSWORD},
        headers=bearer(grant["access_token"]),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["username"] == "Alice.B"
    assert resp.json()["email"] == "new@example.com"
    assert (await login_resp(client, "alice.b")).status_code == 200
    assert (await login_resp(client, "new@example.com")).status_code == 200


@pytest.mark.parametrize("current", [None, "not-my-password-77"])
async def test_changing_the_email_needs_the_current_password(
    client: httpx.AsyncClient, current: str | None
) -> None:
    """A stolen access token alone must not move the account to the thief's address."""
    grant = await signup(client, "alice")
    body: dict[str, object] = {"email": "thief@example.com"}
    if current is not None:
        body["current_password"] = current
    resp = await client.patch(ME, json=body, headers=bearer(grant["access_token"]))
    assert resp.status_code == 400
    assert error_code(resp) == "wrong_password"
    me = await client.get(ME, headers=bearer(grant["access_token"]))
    assert me.json()["email"] == "alice@example.com"
    # the same address in another case is no change, and a username alone needs no password
    same = await client.patch(
        ME,
        json={"email": "ALICE@example.com", "username": "alice2"},
        headers=bearer(grant["access_token"]),
    )
    assert same.status_code == 200, same.text


async def test_update_to_own_name_in_other_case_is_allowed(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.patch(ME, json={"username": "ALICE"}, headers=bearer(grant["access_token"]))
    assert resp.status_code == 200
    assert resp.json()["username"] == "ALICE"


async def test_update_to_taken_name_or_email_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "bob")
    grant = await signup(client, "alice")
    headers = bearer(grant["access_token"])
    taken_name = await client.patch(ME, json={"username": "BOB"}, headers=headers)
    assert taken_name.status_code == 409
    assert error_code(taken_name) == "username_taken"
    taken_email = await client.patch(
        ME, json={"email": "bob@example.com", "current_password": PASSWORD}, headers=headers
    )
    assert error_code(taken_email) == "email_taken"


@pytest.mark.parametrize(
    "body",
    [
        {"role": "admin"},
        {"balance": "1000000"},
        {"is_active": True},
        {"username": "alice2", "role": "admin"},
        {"password_hash": "x"},
        {"id": 99},
    ],
)
async def test_privileged_or_unknown_fields_are_422_and_never_applied(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    grant = await signup(client, "alice")
    headers = bearer(grant["access_token"])
    resp = await client.patch(ME, json=body, headers=headers)
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"
    me = (await client.get(ME, headers=headers)).json()
    assert me == {**grant["user"], "telegram_linked": False}  # unchanged: role trader, name, id


async def test_change_password_ends_every_session(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    other = (await login_resp(client)).json()  # a second device
    resp = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(grant["access_token"]),
    )
    assert resp.status_code == 204, resp.text
    for session in (grant, other):
        assert (await client.get(ME, headers=bearer(session["access_token"]))).status_code == 401
        refreshed = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
        assert refreshed.status_code == 401
    assert (await login_resp(client, password=PASSWORD)).status_code == 401
    fresh = await login_resp(client, password=NEW_PASSWORD)
    assert fresh.status_code == 200
    assert (await client.get(ME, headers=bearer(fresh.json()["access_token"]))).status_code == 200


async def test_change_password_with_wrong_current_is_400(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.post(
        f"{ME}/password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=bearer(grant["access_token"]),
    )
    assert resp.status_code == 400
    assert error_code(resp) == "wrong_password"
    assert (await client.get(ME, headers=bearer(grant["access_token"]))).status_code == 200


async def test_change_to_weak_password_is_422(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers=bearer(grant["access_token"]),
    )
    assert resp.status_code == 422
    assert error_code(resp) == "weak_password"
    assert (await login_resp(client)).status_code == 200  # old password still valid


async def test_password_change_body_forbids_extra_fields(client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    resp = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"},
        headers=bearer(grant["access_token"]),
    )
    assert resp.status_code == 422
