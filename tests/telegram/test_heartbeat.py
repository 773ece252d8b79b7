"""The bot process beats: a `metric_samples` row as `bot` when it starts (then every minute)
counting the updates it handled, so health shows `process:bot` and the telegram row says whether
a bot is running at all."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.observability.models import MetricSample
from telegram_bot.app import run
from tests.fakes.telegram_server import FakeTelegram
from tests.observability.helpers import HEALTH, admin_app, admin_headers, asgi_client
from tests.telegram.helpers import ask


async def _beats(settings: Settings) -> list[MetricSample]:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as s:
            stmt = (
                select(MetricSample).where(MetricSample.process == "bot").order_by(MetricSample.id)
            )
            return list((await s.scalars(stmt)).all())
    finally:
        await engine.dispose()


async def _telegram_health(settings: Settings, tmp_path: Path) -> dict[str, object]:
    async with admin_app(
        settings.database_url, tmp_path, telegram_bot_token=settings.telegram_bot_token
    ) as app, asgi_client(app) as ac:  # fmt: skip
        body = (await ac.get(HEALTH, headers=await admin_headers(ac))).json()
    return {c["name"]: c for c in body["components"]}


async def test_the_running_bot_beats_and_health_sees_it(
    settings: Settings, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    before = await _telegram_health(settings, tmp_path)
    assert (before["telegram"]["status"], before["telegram"]["reason"]) == ("amber", "bot_silent")
    assert "process:bot" not in before

    stop = asyncio.Event()
    bot = asyncio.create_task(run(settings, polling_timeout_s=1, stop=stop, heartbeat_s=0.5))
    try:
        assert "Commands:" in await ask(fake_telegram, 8101, "/help")
        for _ in range(100):  # the beat after the update carries it
            if sum(b.requests for b in await _beats(settings)) >= 1:
                break
            await asyncio.sleep(0.2)
        beats = await _beats(settings)
        assert beats, "no heartbeat row from the bot"
        assert sum(b.requests for b in beats) == 1  # the one /help update
        assert beats[0].rss_bytes > 0
        during = await _telegram_health(settings, tmp_path)
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 15) is True
    assert (during["telegram"]["status"], during["telegram"]["reason"]) == ("green", "ok")
    assert during["telegram"]["details"]["bot_heartbeat"] is not None
    assert during["process:bot"]["status"] == "green"
