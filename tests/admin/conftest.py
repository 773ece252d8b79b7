"""Admin test helpers: signed-up users of each role, audit entries (the app with a first admin,
its client `ac` and `admin_headers` are fixtures of tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.auth.helpers import signup

USERS = "/api/v1/admin/users"
AUDIT = "/api/v1/admin/audit"


async def signup_as(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], username: str, role: str
) -> dict[str, Any]:
    """A signed-up user given `role` by the admin (the token grant plus "user")."""
    grant = await signup(ac, username)
    if role != "trader":
        resp = await ac.patch(
            f"{USERS}/{grant['user']['id']}", json={"role": role}, headers=admin_headers
        )
        assert resp.status_code == 200, resp.text
    return grant


async def audit_entries(
    ac: httpx.AsyncClient, admin_headers: dict[str, str], **query: str
) -> list[dict[str, Any]]:
    resp = await ac.get(AUDIT, params={"limit": "200", **query}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items
