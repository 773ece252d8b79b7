"""Fixtures of the security tests: the app on PostgreSQL (rate limits off), users of each role
with their bearer headers, and the app's routes read from `app.routes`."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import WebSocketRoute

from backend.db import transaction
from backend.main import create_app
from backend.security import Role, encode_access_token
from backend.users.models import User
from tests.conftest import asgi_client, make_settings
from tests.realtime.conftest import bus_kind, ws_settings  # noqa: F401 - the /ws fixtures, shared

_ids = itertools.count(1)
# Examples per operation, role and mode for schemathesis (and ten times that for the /ws frames);
# `make fuzz` raises it.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@pytest.fixture
def db_backend() -> str:
    # Authorization does not depend on the database; PostgreSQL is the production one.
    return "postgres"


@pytest.fixture
async def sec_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url, tmp_path, rate_limit_enabled=False, webhook_allow_private=True
    )  # webhooks to loopback listeners, as in tests/notifications
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def sc(sec_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(sec_app) as client:
        yield client


async def make_user(
    app: FastAPI, role: Role, name: str | None = None
) -> tuple[int, dict[str, str]]:
    """A user row of that role and a valid access token for it (no login round trip)."""
    name = name or f"{role.value}{next(_ids)}"
    now = datetime.now(UTC)
    async with transaction(app.state.runtime.sessionmaker) as tx:
        user = User(
            email=f"{name}@example.com", username=name, username_key=name.lower(),
            password_hash="x", role=role, is_active=True, token_version=0,
            created_at=now, updated_at=now,
        )  # fmt: skip
        tx.session.add(user)
        await tx.session.flush()
        uid = user.id
    token = encode_access_token(
        app.state.runtime.settings, user_id=uid, role=role, token_version=0, now=now
    )
    return uid, {"Authorization": f"Bearer {token}"}


def http_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every HTTP route, through included routers; HEAD left out."""
    found: set[tuple[str, str]] = set()
    for ctx in iter_route_contexts(app.routes):
        methods, path = ctx.methods, ctx.path
        if methods and isinstance(path, str):
            found.update((m, path) for m in methods if m != "HEAD")
    return found


def websocket_paths(app: FastAPI) -> set[str]:
    return {
        str(ctx.path)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, WebSocketRoute)
        or "websocket" in type(ctx.original_route).__name__.lower()
    }
