"""The telegram tests: a fake Bot API on 127.0.0.1 (tests/fakes/telegram_server.py), the app
and the bot (`telegram_bot.app.run`) pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.config import Settings
from telegram_bot.app import run
from tests.conftest import make_settings
from tests.fakes.telegram_server import TOKEN, FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake_telegram: FakeTelegram) -> Settings:
    # the principal cache's TTL at 1 s (5 s by default): what the bot commits reaches /users/me
    # through it here, since the bot has no bus to the in-process API (embedded: no Redis)
    return make_settings(
        db_url, tmp_path, telegram_bot_token=TOKEN, telegram_api_url=fake_telegram.url,
        auth_user_cache_ttl_s=1.0,
    )  # fmt: skip


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[None]:
    """The bot process's loop, long-polling the fake (1 s polls, so it stops quickly)."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, polling_timeout_s=1, stop=stop))
    yield
    stop.set()
    assert await asyncio.wait_for(task, 15) is True
