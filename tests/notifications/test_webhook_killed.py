"""A worker SIGKILLed while its outbox sender waits on a webhook that took the POST (the answer
never comes), then a new worker: the webhook gets the delivery again with the same
`Idempotency-Key` (the rule for a receiver: drop a key it has seen), the row is `sent` once, and
nothing else is sent. At-least-once with dedupe by key: the killed try's transaction rolled back,
so it left no attempt row and the delivery was due again at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.crypto import build_cipher
from backend.db import make_engine, make_sessionmaker, transaction
from backend.notifications.models import (
    NotificationAttempt,
    NotificationDelivery,
    NotificationSettings,
)
from backend.notifications.service import notify
from tests.conftest import make_settings
from tests.notifications.receiver import receiver
from tests.telegram.procs import child_env, kill, spawn, until, user_with_chat


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_worker_killed_mid_webhook_resends_with_the_same_key(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = make_settings(db_url, tmp_path)
    cipher = build_cipher(settings)
    engine = make_engine(db_url, pool_size=2)
    sm = make_sessionmaker(engine)
    procs = []
    try:
        async with receiver() as rec:
            rec.script = ["hang"]  # the first POST is taken, its answer never comes
            env = child_env(
                db_url, redis_prefix, "http://127.0.0.1:9", WEBHOOK_ALLOW_PRIVATE="true",
                WEBHOOK_TIMEOUT_S="120",
            )  # fmt: skip
            env.pop("TELEGRAM_BOT_TOKEN")
            uid = await user_with_chat(sm, cipher, settings.secret_key.get_secret_value(), None)
            now = datetime.now(UTC)
            async with transaction(sm) as tx:
                tx.session.add(
                    NotificationSettings(
                        user_id=uid, language="en", email_enabled=False, webhook_url=rec.url,
                        webhook_secret=cipher.encrypt("whsec"), updated_at=now,
                    )
                )  # fmt: skip
            async with transaction(sm) as tx:
                await notify(
                    tx, user_id=uid, kind="alert", title="BTCUSDT above 100", body="101",
                    channels=["webhook"], dedupe_key="alert:9:1",
                )  # fmt: skip
            procs.append(spawn("backend.worker", env))

            async def arrived() -> bool:
                return bool(rec.requests)

            await until(arrived, 90)
            kill(procs[0])

            async def delivery() -> NotificationDelivery:
                async with sm() as s:
                    return (await s.execute(select(NotificationDelivery))).scalar_one()

            async def pending_again() -> bool:
                row = await delivery()
                return row.state == "pending" and row.attempts == 0

            await until(pending_again, 30)
            procs.append(spawn("backend.worker", env))

            async def sent() -> bool:
                return (await delivery()).state == "sent"

            await until(sent, 90)
            keys = rec.keys()
            assert len(keys) == 2 and keys[0] == keys[1] == (await delivery()).idempotency_key
            assert (await delivery()).attempts == 1
            async with sm() as s:
                outcomes = (await s.execute(select(NotificationAttempt.outcome))).scalars().all()
            assert outcomes == ["sent"]
    finally:
        for proc in procs:
            kill(proc)
        await engine.dispose()
