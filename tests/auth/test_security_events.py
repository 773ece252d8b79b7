"""Security events go to their own log stream, and never carry a password or a token."""

from __future__ import annotations

import json
from pathlib import Path

from loguru import logger

from backend.main import create_app
from tests.auth.helpers import REFRESH, login, login_resp, register
from tests.conftest import asgi_client, make_settings

SECRET_TRY = "Wr0ng-but-Secret-Guess-77"


async def test_security_events_are_logged_without_secrets(db_url: str, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    app = create_app(
        make_settings(db_url, tmp_path, log_to_file=True, log_dir=log_dir, log_level="INFO")
    )
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        await register(client)
        for _ in range(5):
            await login_resp(client, "alice", SECRET_TRY)
        await login_resp(client, "nobody", SECRET_TRY)
    await logger.complete()
    lines = (log_dir / "security.log").read_text().splitlines()
    events = [json.loads(line)["record"] for line in lines]
    names = [e["message"] for e in events]
    assert "auth.registered" in names
    assert names.count("auth.login_failed") == 6
    assert "auth.lockout" in names
    assert all(e["extra"].get("security") for e in events)
    text = "\n".join(lines)
    assert SECRET_TRY not in text and "nobody" not in text  # unknown names are hashed
    general = (log_dir / "api.log").read_text()
    assert "auth.login_failed" not in general  # a stream of its own


async def test_refresh_reuse_is_a_security_event(db_url: str, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    app = create_app(
        make_settings(db_url, tmp_path, log_to_file=True, log_dir=log_dir, log_level="INFO")
    )
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        await register(client)
        grant = await login(client)
        await client.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
        await client.post(REFRESH, json={"refresh_token": grant["refresh_token"]})
    await logger.complete()
    text = (log_dir / "security.log").read_text()
    assert "auth.refresh_reuse" in text
    assert grant["refresh_token"] not in text and grant["access_token"] not in text
