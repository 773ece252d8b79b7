"""Shared steps of the observability tests: an app with a bootstrap admin, and its headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.main import create_app
from backend.runtime import Runtime
from tests.auth.helpers import bearer, login
from tests.conftest import asgi_client, make_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
LOGS = "/api/v1/admin/logs"
SUMMARY = "/api/v1/admin/metrics/summary"
HEALTH = "/api/v1/admin/health"


@asynccontextmanager
async def admin_app(db_url: str, tmp_path: Path, **overrides: object) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username="root",
        **overrides,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    grant = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    return bearer(grant["access_token"])


def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


__all__ = ["admin_app", "admin_headers", "asgi_client", "runtime"]
