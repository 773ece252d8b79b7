"""Telegram answering 429 (with retry_after) and 5xx for a while, and the SMTP server down (its
port closed) and then up, under the app's outbox senders on PostgreSQL: one alert notification on
both channels arrives late and exactly once on each. Every try before the delivery is recorded as
a `retry` (none `failed` while tries remain), and the try after a 429 comes no sooner than the
retry_after Telegram asked for. The single-fault cases are in tests/telegram/test_sender.py,
tests/telegram/test_outbox.py and tests/notifications/test_email.py; here the faults last."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select

from backend.db import transaction
from backend.main import create_app
from backend.notifications.models import NotificationAttempt, NotificationDelivery
from backend.runtime import Runtime
from backend.telegram import service
from tests.conftest import asgi_client, make_settings
from tests.core.redis_proc import free_port
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.faults.outage_clients import until
from tests.notifications.helpers import send, user, wait_delivered
from tests.notifications.test_email import Inbox

CHAT = 7702
# what Telegram answers to the first sendMessage calls: (status, retry_after)
TELEGRAM_SCRIPT: list[tuple[int, int | None]] = [(429, 2), (500, None), (502, None), (429, 1)]
SMTP_DOWN_TRIES = 3  # the mail server comes up after this many failed tries


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def link_chat(rt: Runtime, user_id: int) -> None:
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        code = await service.create_code(tx, user_id, now)
        secret = rt.settings.secret_key.get_secret_value()
        linked = await service.link_chat(
            tx, rt.cipher, secret, code=code.code, chat_id=CHAT, language="en", now=now
        )
        assert linked == user_id


async def tries(rt: Runtime, channel: str) -> list[NotificationAttempt]:
    async with rt.sessionmaker() as session:
        rows = await session.scalars(
            select(NotificationAttempt)
            .join(NotificationDelivery, NotificationDelivery.id == NotificationAttempt.delivery_id)
            .where(NotificationDelivery.channel == channel)
            .order_by(NotificationAttempt.attempt)
        )
        return list(rows)


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_telegram_429_and_5xx_and_smtp_down_deliver_late_and_once(
    db_url: str, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    smtp_port = free_port()  # nothing listens there yet: connection refused
    box = Inbox()
    smtp = Controller(box, hostname="127.0.0.1", port=smtp_port)
    settings = make_settings(
        db_url, tmp_path, telegram_bot_token=TOKEN, telegram_api_url=fake_telegram.url,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}", smtp_from="Alerts <a@test.local>",
        notify_poll_interval_s=0.2, notify_backoff_base_s=0.2, notify_backoff_max_s=5.0,
    )  # fmt: skip
    app: FastAPI = create_app(settings)
    rt: Runtime = app.state.runtime
    try:
        async with app.router.lifespan_context(app), asgi_client(app) as c:
            uid, auth = await user(c, "alice")
            r = await c.patch(
                "/api/v1/notifications/settings", json={"email_enabled": True}, headers=auth
            )
            assert r.status_code == 200, r.text
            await link_chat(rt, uid)
            fake_telegram.fail_sequence("sendMessage", TELEGRAM_SCRIPT)
            await send(app, uid, "alert:1:firing:1", ("telegram", "email"), title="BTCUSDT up")

            async def smtp_tried() -> bool:
                return len(await tries(rt, "email")) >= SMTP_DOWN_TRIES

            await until(smtp_tried, f"{SMTP_DOWN_TRIES} tries at the closed SMTP port")
            smtp.start()
            await wait_delivered(app, "email", 1, timeout=30)
            await wait_delivered(app, "telegram", 1, timeout=30)
    finally:
        if getattr(smtp, "_thread", None) is not None:
            smtp.stop()

    assert fake_telegram.messages(CHAT) == ["BTCUSDT up\n\nbody alert:1:firing:1"]
    sends = [m for m, _ in fake_telegram.calls if m == "sendMessage"]
    assert len(sends) == len(TELEGRAM_SCRIPT) + 1  # every fault was met, then one delivery
    assert len(box.mails) == 1 and box.mails[0]["Subject"] == "BTCUSDT up"

    telegram = await tries(rt, "telegram")
    assert [t.outcome for t in telegram] == ["retry"] * len(TELEGRAM_SCRIPT) + ["sent"]
    for (_, after), this, following in zip(TELEGRAM_SCRIPT, telegram, telegram[1:], strict=False):
        if after is not None:  # a 429: the next try waited at least what Telegram asked for
            assert following.at - this.at >= timedelta(seconds=after), (this.at, following.at)
    email = await tries(rt, "email")
    assert [t.outcome for t in email] == ["retry"] * (len(email) - 1) + ["sent"]
    assert len(email) > SMTP_DOWN_TRIES
    async with rt.sessionmaker() as session:
        states = (await session.scalars(select(NotificationDelivery.state))).all()
    assert sorted(states) == ["sent", "sent"]
