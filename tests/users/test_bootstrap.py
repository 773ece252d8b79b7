"""ADMIN_EMAIL bootstrap: creates the first admin only while there is none; never promotes.

Issue 10 section 3: after the admin changed their email, whoever registered the old address
became admin on the next restart (or every replica crashed on the username clash).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.main import create_app
from tests.auth.helpers import ME, bearer, login, register
from tests.conftest import asgi_client, make_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"


async def _role(client: httpx.AsyncClient, name: str, password: str) -> str:
    grant = await login(client, name, password)
    me = await client.get(ME, headers=bearer(grant["access_token"]))
    return str(me.json()["role"])


async def test_a_new_holder_of_the_admin_email_is_not_promoted_on_restart(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url, tmp_path, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        grant = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        moved = await client.patch(
            ME,
            json={"email": "ops@example.com", "current_password": ADMIN_PASSWORD},
            headers=bearer(grant["access_token"]),
        )
        assert moved.status_code == 200, moved.text
        await register(client, "mallory", ADMIN_EMAIL)  # the freed address, someone else's now
    for _ in range(2):  # restarts: no promotion, no crash on the taken username "admin"
        app = create_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            assert await _role(client, "mallory", "Tr0ub4dor&3-horse") == "trader"
            assert await _role(client, "ops@example.com", ADMIN_PASSWORD) == "admin"


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_with_no_admin_an_existing_account_is_still_not_promoted(
    db_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        await register(client, "mallory", ADMIN_EMAIL)
    settings = make_settings(
        db_url, tmp_path, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:  # starts fine
        assert await _role(client, "mallory", "Tr0ub4dor&3-horse") == "trader"
