"""Admin users API: admins only; list/search/page, role and block changes, unlock."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.main import create_app
from tests.admin_app import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.auth.helpers import ME, REFRESH, bearer, error_code, login, login_resp, register, signup
from tests.conftest import asgi_client, make_settings

USERS = "/api/v1/admin/users"


async def _promote(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], user_id: int, role: str
) -> httpx.Response:
    return await ac.patch(f"{USERS}/{user_id}", json={"role": role}, headers=admin_headers)


async def test_unauthenticated_is_401(ac: httpx.AsyncClient) -> None:
    for method, path in (("GET", USERS), ("PATCH", f"{USERS}/1"), ("POST", f"{USERS}/1/unlock")):
        resp = await ac.request(method, path, json={} if method == "PATCH" else None)
        assert resp.status_code == 401, (method, path)


async def test_trader_and_analyst_get_403(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    trader = await signup(ac, "trader1")
    analyst = await signup(ac, "analyst1")
    assert (await _promote(ac, admin_headers, analyst["user"]["id"], "analyst")).status_code == 200
    for grant in (trader, analyst):
        headers = bearer(grant["access_token"])
        for method, path in (
            ("GET", USERS),
            ("PATCH", f"{USERS}/{trader['user']['id']}"),
            ("POST", f"{USERS}/{trader['user']['id']}/unlock"),
        ):
            resp = await ac.request(
                method, path, headers=headers, json={"role": "admin"} if method == "PATCH" else None
            )
            assert resp.status_code == 403, (grant["user"]["username"], method, path)
            assert error_code(resp) == "insufficient_role"
    me = await ac.get(ME, headers=bearer(trader["access_token"]))
    assert me.json()["role"] == "trader"  # the attempted self-promotion did nothing


async def test_list_search_filter_and_page(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for i in range(7):
        await register(ac, f"user{i}", f"person{i}@example.org")
    await register(ac, "special", "zed@example.net")
    page1 = (await ac.get(USERS, params={"page_size": 3}, headers=admin_headers)).json()
    assert page1["total"] == 9 and page1["page"] == 1 and len(page1["items"]) == 3
    page3 = (await ac.get(USERS, params={"page_size": 3, "page": 3}, headers=admin_headers)).json()
    assert len(page3["items"]) == 3
    ids = {u["id"] for u in page1["items"]} | {u["id"] for u in page3["items"]}
    assert len(ids) == 6
    by_email = (await ac.get(USERS, params={"q": "EXAMPLE.NET"}, headers=admin_headers)).json()
    assert [u["username"] for u in by_email["items"]] == ["special"]
    by_name = (await ac.get(USERS, params={"q": "USER3"}, headers=admin_headers)).json()
    assert [u["username"] for u in by_name["items"]] == ["user3"]
    wildcard = (await ac.get(USERS, params={"q": "%"}, headers=admin_headers)).json()
    assert wildcard["total"] == 0  # LIKE wildcards are escaped
    admins = (await ac.get(USERS, params={"role": "admin"}, headers=admin_headers)).json()
    assert [u["email"] for u in admins["items"]] == [ADMIN_EMAIL]
    item = admins["items"][0]
    assert {"id", "email", "username", "role", "is_active", "created_at", "locked_until"} <= set(
        item
    )
    assert "password_hash" not in item


async def test_list_filters_by_active_state(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    blocked = await register(ac, "blocked1", "blocked1@example.org")
    await register(ac, "active1", "active1@example.org")
    resp = await ac.patch(
        f"{USERS}/{blocked['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert resp.status_code == 200
    off = (await ac.get(USERS, params={"active": "false"}, headers=admin_headers)).json()
    assert [u["username"] for u in off["items"]] == ["blocked1"] and off["total"] == 1
    on = (await ac.get(USERS, params={"active": "true"}, headers=admin_headers)).json()
    assert {u["username"] for u in on["items"]} == {"root", "active1"}
    both = (await ac.get(USERS, params={"q": "1@"}, headers=admin_headers)).json()
    assert both["total"] == 2


@pytest.mark.parametrize(
    "params", [{"page_size": 101}, {"page": 0}, {"role": "god"}, {"active": "maybe"}]
)
async def test_bad_list_params_are_422(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, object]
) -> None:
    assert (await ac.get(USERS, params=params, headers=admin_headers)).status_code == 422


async def test_role_change_applies_at_once(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    grant = await signup(ac, "alice")
    headers = bearer(grant["access_token"])
    assert (await ac.get(USERS, headers=headers)).status_code == 403
    resp = await _promote(ac, admin_headers, grant["user"]["id"], "admin")
    assert resp.status_code == 200 and resp.json()["role"] == "admin"
    # the same (old) access token now has admin rights: roles come from the database
    assert (await ac.get(USERS, headers=headers)).status_code == 200


async def test_block_stops_tokens_at_once_and_unblock_restores_login(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    grant = await signup(ac, "alice")
    uid = grant["user"]["id"]
    blocked = await ac.patch(f"{USERS}/{uid}", json={"is_active": False}, headers=admin_headers)
    assert blocked.status_code == 200 and blocked.json()["is_active"] is False
    resp = await ac.get(ME, headers=bearer(grant["access_token"]))
    assert resp.status_code == 401
    assert error_code(resp) == "account_disabled"
    assert (
        await ac.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
    ).status_code == 401
    assert error_code(await login_resp(ac, "alice")) == "account_disabled"
    await ac.patch(f"{USERS}/{uid}", json={"is_active": True}, headers=admin_headers)
    assert (await login_resp(ac, "alice")).status_code == 200
    # sessions from before the block stay revoked
    assert (
        await ac.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
    ).status_code == 401


async def test_admin_cannot_demote_or_block_self(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    me = (await ac.get(ME, headers=admin_headers)).json()
    for body in ({"role": "trader"}, {"is_active": False}, {"role": "analyst", "is_active": True}):
        resp = await ac.patch(f"{USERS}/{me['id']}", json=body, headers=admin_headers)
        assert resp.status_code == 400, body
        assert error_code(resp) == "cannot_change_self"
    assert (await ac.get(ME, headers=admin_headers)).json()["role"] == "admin"
    # a no-op on oneself is fine
    assert (
        await ac.patch(f"{USERS}/{me['id']}", json={"role": "admin"}, headers=admin_headers)
    ).status_code == 200


async def test_update_unknown_user_is_404_and_unknown_field_422(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await ac.patch(f"{USERS}/999999", json={"role": "analyst"}, headers=admin_headers)
    assert resp.status_code == 404
    assert error_code(resp) == "user_not_found"
    grant = await signup(ac, "alice")
    bad = await ac.patch(
        f"{USERS}/{grant['user']['id']}", json={"balance": "5"}, headers=admin_headers
    )
    assert bad.status_code == 422


async def test_unlock_lets_a_locked_user_in(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    user = await register(ac, "alice")
    for _ in range(5):
        await login_resp(ac, "alice", "wrong-password-x")
    assert error_code(await login_resp(ac, "alice")) == "account_locked"
    listed = (await ac.get(USERS, params={"q": "alice"}, headers=admin_headers)).json()
    assert listed["items"][0]["locked_until"] is not None
    resp = await ac.post(f"{USERS}/{user['id']}/unlock", headers=admin_headers)
    assert resp.status_code == 200
    assert resp.json()["locked_until"] is None
    assert (await login_resp(ac, "alice")).status_code == 200
    assert (await ac.post(f"{USERS}/999999/unlock", headers=admin_headers)).status_code == 404


async def test_bootstrap_is_idempotent_and_promotes(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        db_url, tmp_path, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    for _ in range(2):  # a restart must not duplicate or fail
        app = create_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            grant = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
            listed = (
                await client.get(
                    USERS, params={"role": "admin"}, headers=bearer(grant["access_token"])
                )
            ).json()
            assert listed["total"] == 1


async def test_bootstrap_refuses_a_weak_admin_password(db_url: str, tmp_path: Path) -> None:
    app = create_app(
        make_settings(db_url, tmp_path, admin_email=ADMIN_EMAIL, admin_password="admin12345")
    )
    with pytest.raises(RuntimeError, match="ADMIN_PASSWORD"):
        async with app.router.lifespan_context(app):
            pass
