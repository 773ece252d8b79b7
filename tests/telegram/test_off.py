"""No TELEGRAM_BOT_TOKEN: the bot and the telegram channel are off, everything else works."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from backend.notifications.channels import TELEGRAM, sender_for
from telegram_bot.app import run
from tests.auth.helpers import ME, bearer, error_code, signup
from tests.conftest import make_settings
from tests.telegram.helpers import LINK


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)  # no token


async def test_without_a_token_telegram_is_off(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    assert settings.telegram_bot_token is None
    assert sender_for(TELEGRAM) is None
    grant = await signup(client, "alice")
    resp = await client.post(LINK, headers=bearer(grant["access_token"]))
    assert resp.status_code == 409
    assert error_code(resp) == "telegram_disabled"
    me = await client.get(ME, headers=bearer(grant["access_token"]))
    assert me.status_code == 200 and me.json()["telegram_linked"] is False
    assert await run(settings) is False  # the bot process exits at once


def test_an_empty_token_is_no_token(db_url: str, tmp_path: Path) -> None:
    """compose passes TELEGRAM_BOT_TOKEN through; set but empty, Telegram is off."""
    assert make_settings(db_url, tmp_path, telegram_bot_token="").telegram_bot_token is None
