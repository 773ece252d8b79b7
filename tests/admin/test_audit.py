"""The audit log: every admin action and the security events are recorded (who, what, target,
client address, the X-Request-ID of the request); newest first with cursor paging and filters;
nothing can change or delete an entry, through the API or (triggers) through SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from fastapi import FastAPI
from sqlalchemy import text

from tests.admin.conftest import AUDIT, USERS, audit_entries
from tests.admin_app import ADMIN_EMAIL
from tests.auth.helpers import (
    PASSWORD,
    REFRESH,
    bearer,
    error_code,
    login,
    login_resp,
    signup,
)


def _actions(entries: list[dict[str, Any]]) -> list[str]:
    return [e["action"] for e in entries]


async def test_every_admin_action_is_recorded_with_actor_target_and_request_id(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    uid = int((await signup(ac, "alice"))["user"]["id"])
    admin_id = int((await ac.get("/api/v1/users/me", headers=admin_headers)).json()["id"])
    steps: list[tuple[str, str, dict[str, Any] | None, str, dict[str, Any] | None]] = [
        ("PATCH", f"{USERS}/{uid}", {"role": "analyst"}, "user.role_changed",
         {"old": "trader", "new": "analyst"}),
        ("PATCH", f"{USERS}/{uid}", {"is_active": False}, "user.blocked", None),
        ("PATCH", f"{USERS}/{uid}", {"is_active": True}, "user.unblocked", None),
        ("POST", f"{USERS}/{uid}/unlock", None, "auth.unlocked", None),
        ("POST", f"{USERS}/{uid}/revoke-sessions", None, "user.sessions_revoked", None),
    ]  # fmt: skip
    for n, (method, path, body, _, _) in enumerate(steps):
        headers = {**admin_headers, "X-Request-ID": f"admin-step-{n}"}
        resp = await ac.request(method, path, json=body, headers=headers)
        assert resp.status_code == 200, resp.text
    entries = await audit_entries(ac, admin_headers, actor=str(admin_id), target=f"user:{uid}")
    assert _actions(entries) == [s[3] for s in reversed(steps)]  # newest first
    for n, (entry, step) in enumerate(zip(reversed(entries), steps, strict=True)):
        assert entry["actor_id"] == admin_id and entry["actor_username"] == "root"
        assert (entry["target_type"], entry["target_id"]) == ("user", str(uid))
        assert entry["request_id"] == f"admin-step-{n}"
        assert entry["client_address"] == "127.0.0.1"
        assert entry["details"] == step[4]
        assert datetime.fromisoformat(entry["at"]) > datetime.now(UTC) - timedelta(minutes=1)


async def test_a_refused_admin_change_leaves_no_entry(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    me = (await ac.get("/api/v1/users/me", headers=admin_headers)).json()["id"]
    resp = await ac.patch(f"{USERS}/{me}", json={"is_active": False}, headers=admin_headers)
    assert resp.status_code == 400
    assert "user.blocked" not in _actions(await audit_entries(ac, admin_headers))


async def test_security_events_are_recorded(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], admin_app: FastAPI
) -> None:
    grant = await signup(ac, "bob")  # registration and a login
    uid = int(grant["user"]["id"])
    assert (await login_resp(ac, "bob", "not-the-password")).status_code == 401
    assert (await login_resp(ac, "nobody-here", "whatever-it-is")).status_code == 401
    # refresh-token reuse: the spent token comes back
    assert (await ac.post(REFRESH, json={"refresh_token": grant["refresh_token"]})).is_success
    reused = await ac.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
    assert error_code(reused) == "token_reused"
    fresh = bearer((await login(ac, "bob"))["access_token"])
    wrong = await ac.post(
        "/api/v1/users/me/password",
        json={"current_password": "wrong-one-here", "new_password": "Quiet-Harbor-Lantern-42"},
        headers=fresh,
    )
    assert wrong.status_code == 400
    changed = await ac.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "Quiet-Harbor-Lantern-42"},
        headers=fresh,
    )
    assert changed.status_code == 204, changed.text
    mine = await audit_entries(ac, admin_headers, target=f"user:{uid}")
    assert _actions(mine) == [
        "user.password_changed",
        "user.password_change_failed",
        "auth.login_succeeded",
        "auth.refresh_reuse",
        "auth.login_failed",
        "auth.login_succeeded",
        "auth.registered",
    ]
    failed = next(e for e in mine if e["action"] == "auth.login_failed")
    assert failed["actor_id"] is None and failed["client_address"] == "127.0.0.1"
    assert all(e["actor_id"] == uid for e in mine if e["action"] != "auth.login_failed")
    unknown = await audit_entries(ac, admin_headers, action="auth.login_failed")
    assert {e["target_type"] for e in unknown} == {"user", "account"}  # no name stored in clear
    assert not any("nobody" in str(e) for e in unknown)


async def test_lockout_and_unlock_are_recorded(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], admin_app: FastAPI
) -> None:
    uid = int((await signup(ac, "carol"))["user"]["id"])
    threshold = admin_app.state.runtime.settings.lockout_threshold
    for _ in range(threshold):
        await login_resp(ac, "carol", "not-the-password")
    assert error_code(await login_resp(ac, "carol")) == "account_locked"
    assert (await ac.post(f"{USERS}/{uid}/unlock", headers=admin_headers)).status_code == 200
    actions = _actions(await audit_entries(ac, admin_headers, target=f"user:{uid}"))
    assert actions[:2] == ["auth.unlocked", "auth.lockout"]
    assert actions.count("auth.login_failed") == threshold


async def test_cursor_paging_newest_first_and_filters(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for n in range(7):
        await signup(ac, f"user{n}")  # auth.registered + auth.login_succeeded each
    registered = await audit_entries(ac, admin_headers, action="auth.registered")
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {
            "action": "auth.registered",
            "limit": "3",
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await ac.get(AUDIT, params=params, headers=admin_headers)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in registered] and seen == sorted(seen, reverse=True)
    assert len(seen) == 8  # seven users and the start-up admin
    prefix = await audit_entries(ac, admin_headers, action="auth")
    assert set(_actions(prefix)) == {"auth.registered", "auth.login_succeeded"}
    assert await audit_entries(ac, admin_headers, action="aut") == []  # a prefix is a segment
    by_name = await audit_entries(ac, admin_headers, actor="user3")
    assert _actions(by_name) == ["auth.login_succeeded", "auth.registered"]
    assert await audit_entries(ac, admin_headers, actor="no-such-user") == []
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert await audit_entries(ac, admin_headers, since=future) == []
    assert len(await audit_entries(ac, admin_headers, since="2020-01-01T00:00:00Z")) == 16
    bad = await ac.get(AUDIT, params={"cursor": "abc"}, headers=admin_headers)
    assert bad.status_code == 400 and error_code(bad) == "bad_cursor"
    naive = await ac.get(AUDIT, params={"since": "2020-01-01T00:00:00"}, headers=admin_headers)
    assert naive.status_code == 422


async def test_no_route_changes_or_deletes_entries(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await audit_entries(ac, admin_headers)
    entry = before[0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        resp = await ac.request(method, AUDIT, json={"action": "x"}, headers=admin_headers)
        assert resp.status_code == 405, (method, resp.text)
        one = await ac.request(method, f"{AUDIT}/{entry}", json={}, headers=admin_headers)
        assert one.status_code in (404, 405), (method, one.text)
    assert await audit_entries(ac, admin_headers) == before


async def test_the_database_refuses_update_and_delete(
    admin_app: FastAPI, ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Below the API: the migration's triggers refuse both (PostgreSQL and SQLite)."""
    before = await audit_entries(ac, admin_headers)
    engine = admin_app.state.runtime.engine
    for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql))
    assert await audit_entries(ac, admin_headers) == before
    assert before and before[-1]["action"] == "auth.registered"
    assert ADMIN_EMAIL  # the start-up admin's registration is the first entry


async def test_the_client_address_is_the_one_behind_a_trusted_proxy(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The entry takes the address backend/client_address.py resolved (the test client's peer,
    127.0.0.1, is a trusted proxy by default), not the proxy's."""
    uid = int((await signup(ac, "frank"))["user"]["id"])
    forwarded = {**admin_headers, "X-Forwarded-For": "198.51.100.23"}  # a header, no traffic
    resp = await ac.post(f"{USERS}/{uid}/unlock", headers=forwarded)
    assert resp.status_code == 200
    [entry] = await audit_entries(ac, admin_headers, action="auth.unlocked")
    assert entry["client_address"] == "198.51.100.23"
