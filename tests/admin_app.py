"""An app with a first admin (the ADMIN_* start-up settings) and that admin's bearer headers:
the start of every admin API test (admin, tasks, observability, backup). The `admin_app`,
`ac` and `admin_headers` fixtures in tests/conftest.py are built on these."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.main import create_app
from tests.auth.helpers import bearer, login

ADMIN_EMAIL = "root@example.com"
ADMIN_USERNAME = "root"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"


@asynccontextmanager
async def open_admin_app(
    db_url: str, tmp_path: Path, **overrides: object
) -> AsyncIterator[FastAPI]:
    from tests.conftest import make_settings

    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username=ADMIN_USERNAME,
        **overrides,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def admin_bearer(client: httpx.AsyncClient) -> dict[str, str]:
    grant = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    return bearer(grant["access_token"])
