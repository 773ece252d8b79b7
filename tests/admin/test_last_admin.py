"""At least one active admin is always left, even when two admins remove each other at once.

Issue 10 section 3: two admins demoting (or blocking) each other at the same moment could
leave no admin at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.main import create_app
from tests.auth.helpers import bearer, error_code, login, register
from tests.conftest import asgi_client, make_settings

ROOT_EMAIL = "root@example.com"
ROOT_PASSWORD = "Sturdy-Gate-Keeper-71"
USERS = "/api/v1/admin/users"


@pytest.fixture
async def ac(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(db_url, tmp_path, admin_email=ROOT_EMAIL, admin_password=ROOT_PASSWORD)
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield client


async def _admin(
    ac: httpx.AsyncClient, root: dict[str, str], name: str
) -> tuple[int, dict[str, str]]:
    user = await register(ac, name)
    resp = await ac.patch(f"{USERS}/{user['id']}", json={"role": "admin"}, headers=root)
    assert resp.status_code == 200
    return int(user["id"]), bearer((await login(ac, name))["access_token"])


@pytest.mark.parametrize("db_backend", ["postgres"])
@pytest.mark.parametrize("attempt", range(5))  # several real races
@pytest.mark.parametrize("change", [{"role": "trader"}, {"is_active": False}])
async def test_two_admins_removing_each_other_at_once_leave_one(
    ac: httpx.AsyncClient, change: dict[str, object], attempt: int
) -> None:
    root = bearer((await login(ac, ROOT_EMAIL, ROOT_PASSWORD))["access_token"])
    anna_id, anna = await _admin(ac, root, "anna")
    bert_id, bert = await _admin(ac, root, "bert")
    root_id = (await ac.get("/api/v1/users/me", headers=root)).json()["id"]
    # root steps aside: anna and bert are the only active admins
    assert (
        await ac.patch(f"{USERS}/{root_id}", json={"is_active": False}, headers=anna)
    ).status_code == 200

    results = await asyncio.gather(
        ac.patch(f"{USERS}/{bert_id}", json=change, headers=anna),
        ac.patch(f"{USERS}/{anna_id}", json=change, headers=bert),
    )
    # One wins. The other is refused: 409 last_admin when it ran second, or, when the winner's
    # change was already committed by the time the loser's request was authorized, 403 (its
    # admin role is gone) or 401 account_disabled (its account is blocked).
    assert sorted(r.status_code for r in results)[0] == 200, [r.text for r in results]
    refused = max(results, key=lambda r: r.status_code)
    assert (refused.status_code, error_code(refused)) in {
        (409, "last_admin"),
        (403, "insufficient_role"),
        (401, "account_disabled"),
    }, refused.text
    survivor = anna if results[0].status_code == 200 else bert
    listed = await ac.get(USERS, params={"role": "admin", "active": "true"}, headers=survivor)
    assert listed.json()["total"] == 1
