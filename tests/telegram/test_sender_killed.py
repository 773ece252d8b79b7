"""A worker killed (SIGKILL) while its outbox sender has a telegram delivery in flight, then a
new worker: the notification is delivered, and the row says `sent` once.

The guarantee (backend/notifications/outbox.py, backend/telegram/sender.py): a delivery is
claimed, sent and marked `sent` in one transaction. The kill drops the connection, PostgreSQL
rolls that transaction back (the killed try leaves no attempt row) and the row is due again at
once for any sender. So nothing is lost; and where Telegram had not taken the message before
the kill, it arrives exactly once. Where it had (only the answer was lost), it arrives twice:
the Bot API takes no idempotency key, so delivery to Telegram is at-least-once, with the
duplicate window between Telegram's accepting and our commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from backend.crypto import build_cipher
from backend.db import make_engine, make_sessionmaker, transaction
from backend.notifications.models import NotificationAttempt, NotificationDelivery
from backend.notifications.service import notify
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.procs import child_env, kill, spawn, until, user_with_chat

CHAT = 7301
TEXT = "BTCUSDT above 100\n\nPrice: 101"


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("accepted", [False, True], ids=["before-telegram-took-it", "after"])
async def test_worker_killed_mid_delivery_delivers_after_restart(
    db_url: str, tmp_path: Path, redis_prefix: str, fake_telegram: FakeTelegram, accepted: bool
) -> None:
    settings = make_settings(db_url, tmp_path)
    engine = make_engine(db_url, pool_size=2)
    sm = make_sessionmaker(engine)
    env = child_env(db_url, redis_prefix, fake_telegram.url)
    procs = []
    try:
        uid = await user_with_chat(
            sm, build_cipher(settings), settings.secret_key.get_secret_value(), CHAT
        )
        async with transaction(sm) as tx:  # no sender in this process: the worker's deliver
            await notify(
                tx, user_id=uid, kind="alert", title="BTCUSDT above 100", body="Price: 101",
                channels=["telegram"], dedupe_key="alert:1:1",
            )  # fmt: skip
        fake_telegram.stall_next("sendMessage", accepted=accepted)
        procs.append(spawn("backend.worker", env))
        await fake_telegram.wait_stalled(1)  # the worker's sender waits on Telegram's answer
        kill(procs[0])

        async def delivery() -> NotificationDelivery:
            async with sm() as s:
                return (await s.execute(select(NotificationDelivery))).scalar_one()

        async def pending_again() -> bool:  # PostgreSQL saw the connection drop
            row = await delivery()
            return row.state == "pending" and row.attempts == 0

        await until(pending_again, 30)
        procs.append(spawn("backend.worker", env))

        async def sent() -> bool:
            return (await delivery()).state == "sent"

        await until(sent, 90)
        sends = [p for m, p in fake_telegram.calls if m == "sendMessage"]
        assert len(sends) == 2  # the killed try, then the new worker's
        assert fake_telegram.messages(CHAT) == [TEXT] * (2 if accepted else 1)
        row = await delivery()
        assert row.attempts == 1 and row.finished_at is not None
        async with sm() as s:
            outcomes = (await s.execute(select(NotificationAttempt.outcome))).scalars().all()
        assert outcomes == ["sent"]
    finally:
        for proc in procs:
            kill(proc)
        await engine.dispose()
