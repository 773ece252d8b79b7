"""Admin test fixtures: an app with a first admin (the ADMIN_* start-up settings), its client,
the admin's bearer headers, and signed-up users of each role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.main import create_app
from tests.auth.helpers import bearer, login, signup
from tests.conftest import asgi_client, make_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
USERS = "/api/v1/admin/users"
AUDIT = "/api/v1/admin/audit"


@pytest.fixture
async def admin_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username="root",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def ac(admin_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(admin_app) as client:
        yield client


@pytest.fixture
async def admin_headers(ac: httpx.AsyncClient) -> dict[str, str]:
    grant = await login(ac, ADMIN_EMAIL, ADMIN_PASSWORD)
    return bearer(grant["access_token"])


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
