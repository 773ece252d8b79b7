"""With Redis, what the bot process commits reaches the API's principal cache at once: the bot
announces `users:invalidate` after linking or /unlink, as the API does for its own changes, so
/users/me's `telegram_linked` (served from the cache, no database read) flips well inside the
cache's TTL (30 s here, so only the announcement can explain it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from tests.auth.helpers import ME, bearer, signup
from tests.conftest import REDIS_URL, make_settings
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.telegram.helpers import LINK, ask

pytestmark = pytest.mark.usefixtures("bot")
CHAT = 7301
WITHIN_S = 3.0  # far below the TTL


@pytest.fixture
def settings(
    db_url: str, tmp_path: Path, fake_telegram: FakeTelegram, redis_prefix: str
) -> Settings:
    return make_settings(
        db_url, tmp_path, telegram_bot_token=TOKEN, telegram_api_url=fake_telegram.url,
        redis_url=REDIS_URL, redis_prefix=redis_prefix, auth_user_cache_ttl_s=30.0,
    )  # fmt: skip


async def _flips_to(client: httpx.AsyncClient, token: str, expect: bool) -> float | None:
    """Seconds until /users/me says `expect`, or None if it did not within WITHIN_S."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while loop.time() - start < WITHIN_S:
        resp = await client.get(ME, headers=bearer(token))
        assert resp.status_code == 200, resp.text
        if resp.json()["telegram_linked"] is expect:
            return loop.time() - start
        await asyncio.sleep(0.05)
    return None


async def test_the_bots_link_and_unlink_reach_the_api_cache_at_once(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    grant = await signup(client, "carol")
    token = grant["access_token"]
    assert await _flips_to(client, token, False) is not None  # cached: not linked
    code = (await client.post(LINK, headers=bearer(token))).json()["code"]
    assert "carol" in await ask(fake_telegram, CHAT, f"/start {code}")
    assert await _flips_to(client, token, True) is not None, "the bot's link never reached /me"
    assert "unlinked" in await ask(fake_telegram, CHAT, "/unlink")
    assert await _flips_to(client, token, False) is not None, "the /unlink never reached /me"
