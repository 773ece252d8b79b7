"""The "telegram" outbox channel against the fake Bot API: delivered to the linked chat, 429
honoured with Telegram's retry_after, 5xx and a down API retried later, no chat: permanent."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.notifications.channels import (
    TELEGRAM,
    ChannelSender,
    Delivery,
    PermanentFailure,
    RetryLater,
    sender_for,
)
from backend.runtime import Runtime
from backend.telegram import service
from backend.telegram.sender import backoff_s
from backend.users.models import User
from tests.fakes.telegram_server import TOKEN, FakeTelegram

CHAT = 9001


async def _user_with_chat(rt: Runtime, chat_id: int | None) -> int:
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        user = User(
            email="tg@example.com",
            username="tg",
            username_key="tg",
            password_hash="x",
            created_at=now,
            updated_at=now,
        )
        tx.session.add(user)
        await tx.session.flush()
        if chat_id is not None:
            code = await service.create_code(tx, user.id, now)
            secret = rt.settings.secret_key.get_secret_value()
            linked = await service.link_chat(
                tx, rt.cipher, secret, code=code.code, chat_id=chat_id, language="en", now=now
            )
            assert linked == user.id
        return user.id


def _delivery(user_id: int, attempt: int = 1) -> Delivery:
    return Delivery(
        id=1,
        notification_id=1,
        user_id=user_id,
        channel=TELEGRAM,
        idempotency_key="n1-telegram",
        kind="alert",
        title="BTCUSDT above 50000",
        body="Price 50010 reached your level 50000",
        alert_id=3,
        data={},
        attempt=attempt,
    )


def _sender() -> ChannelSender:
    sender = sender_for(TELEGRAM)
    assert sender is not None, "the telegram.sender part registers it when a token is set"
    return sender


async def test_delivers_to_the_linked_chat(app: FastAPI, fake_telegram: FakeTelegram) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    await _sender().send(_delivery(user_id))
    assert fake_telegram.messages(CHAT) == [
        "BTCUSDT above 50000\n\nPrice 50010 reached your level 50000"
    ]


async def test_429_retries_after_telegrams_retry_after(
    app: FastAPI, fake_telegram: FakeTelegram
) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    fake_telegram.fail_next("sendMessage", 429, retry_after=17)
    with pytest.raises(RetryLater) as caught:
        await _sender().send(_delivery(user_id))
    assert caught.value.after_s == 17
    assert fake_telegram.messages(CHAT) == []
    await _sender().send(_delivery(user_id, attempt=2))
    assert len(fake_telegram.messages(CHAT)) == 1


@pytest.mark.parametrize("status", [500, 502])
async def test_5xx_is_retried_with_backoff(
    app: FastAPI, fake_telegram: FakeTelegram, status: int
) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    fake_telegram.fail_next("sendMessage", status, count=2)
    for attempt in (1, 2):
        with pytest.raises(RetryLater) as caught:
            await _sender().send(_delivery(user_id, attempt))
        assert caught.value.after_s == backoff_s(attempt)
    await _sender().send(_delivery(user_id, attempt=3))
    assert len(fake_telegram.messages(CHAT)) == 1


async def test_api_down_is_retried(app: FastAPI, fake_telegram: FakeTelegram) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    await fake_telegram.stop()  # 127.0.0.1: connection refused
    with pytest.raises(RetryLater):
        await _sender().send(_delivery(user_id))


async def test_no_linked_chat_is_permanent(app: FastAPI, fake_telegram: FakeTelegram) -> None:
    user_id = await _user_with_chat(app.state.runtime, None)
    with pytest.raises(PermanentFailure):
        await _sender().send(_delivery(user_id))
    assert fake_telegram.calls == []


async def test_a_blocked_bot_is_permanent(app: FastAPI, fake_telegram: FakeTelegram) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    fake_telegram.fail_next("sendMessage", 403)
    with pytest.raises(PermanentFailure):
        await _sender().send(_delivery(user_id))


async def test_the_token_stays_out_of_the_logs(app: FastAPI, fake_telegram: FakeTelegram) -> None:
    """httpx logs each request's URL at INFO; a Bot API URL carries the token."""
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    std = logging.getLogger("httpx")
    level = std.level
    std.addHandler(handler)
    std.setLevel(logging.INFO)
    try:
        await _sender().send(_delivery(user_id))
    finally:
        std.removeHandler(handler)
        std.setLevel(level)
    assert any("sendMessage" in r for r in records), records
    assert not [r for r in records if TOKEN in r]
