"""The outbox delivers a notification's telegram row to the linked chat of the fake Bot API,
through a 429 (Telegram's retry_after honoured), exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.db import transaction
from backend.notifications.models import NotificationDelivery
from backend.notifications.service import notify
from backend.runtime import Runtime
from tests.conftest import make_settings
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.telegram.helpers import linked_user

pytestmark = pytest.mark.usefixtures("bot")
CHAT = 6001


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake_telegram: FakeTelegram) -> Settings:
    return make_settings(
        db_url,
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_api_url=fake_telegram.url,
        notify_poll_interval_s=0.2,
        notify_backoff_base_s=0.2,
    )


async def test_an_alert_notification_reaches_the_chat_once(
    app: FastAPI, client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    grant = await linked_user(client, fake_telegram, "alice", CHAT)
    fake_telegram.fail_next("sendMessage", 429, retry_after=1)
    rt: Runtime = app.state.runtime
    async with transaction(rt.sessionmaker) as tx:
        for _ in range(2):  # the same firing twice: one notification
            await notify(
                tx,
                user_id=grant["user"]["id"],
                kind="alert",
                title="BTCUSDT above 50000",
                body="50010",
                channels=["telegram"],
                dedupe_key="alert:1:firing:1",
                alert_id=1,
            )
    texts = await fake_telegram.wait_messages(CHAT, 2)  # the link answer, then the alert
    assert texts[1] == "BTCUSDT above 50000\n\n50010"
    sends = [p for m, p in fake_telegram.calls if m == "sendMessage" and "50010" in p["text"]]
    assert len(sends) == 2  # the 429, then the delivery
    # recorded as sent once Telegram accepted it: never sent again
    async with asyncio.timeout(10):
        while await _deliveries(rt) != [("telegram", "sent")]:
            await asyncio.sleep(0.05)
    assert len([m for m in fake_telegram.messages(CHAT) if "50010" in m]) == 1


async def _deliveries(rt: Runtime) -> list[tuple[str, str]]:
    async with transaction(rt.sessionmaker) as tx:
        rows = (await tx.session.execute(select(NotificationDelivery))).scalars().all()
        return [(r.channel, r.state) for r in rows]
