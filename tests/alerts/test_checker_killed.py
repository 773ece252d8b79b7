"""The checker killed between firing and sending, for real: a worker process (`python -m
backend.worker`, PostgreSQL + Redis) holds the checker's lease, a trade on the bus fires an alert
with a telegram channel, and the worker is SIGKILLed while its sender waits on `sendMessage`.
A new worker takes the lease and the outbox row over: the message reaches the chat once, and the
same trades seen again fire nothing more (the alert is triggered; the firing's state change is
the guard)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.alerts.models import Alert, AlertFiring
from backend.bus import RedisBus
from backend.crypto import build_cipher
from backend.db import make_engine, make_sessionmaker, transaction
from backend.notifications.models import Notification, NotificationDelivery
from tests.conftest import REDIS_URL, make_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.procs import child_env, kill, spawn, until, user_with_chat
from tests.trading.conftest import trade_frame

CHAT = 7601


@pytest.fixture
async def fake_telegram() -> Any:
    async with FakeTelegram() as fake:
        yield fake


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_worker_killed_between_firing_and_sending(
    db_url: str, tmp_path: Path, redis_prefix: str, fake_telegram: FakeTelegram
) -> None:
    settings = make_settings(db_url, tmp_path)
    engine = make_engine(db_url, pool_size=2)
    sm = make_sessionmaker(engine)
    env = child_env(db_url, redis_prefix, fake_telegram.url, LEASE_TTL_S="1.0")
    bus = RedisBus(REDIS_URL, prefix=redis_prefix)
    await bus.start()
    procs = []

    async def count(model: Any) -> int:
        async with sm() as s:
            return int((await s.execute(select(func.count()).select_from(model))).scalar_one())

    async def trade_until(cond: Any, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s):
            while not await cond():
                await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "101"))
                await asyncio.sleep(0.1)

    try:
        uid = await user_with_chat(
            sm, build_cipher(settings), settings.secret_key.get_secret_value(), CHAT
        )
        now = datetime.now(UTC)
        async with transaction(sm) as tx:
            tx.session.add(
                Alert(
                    user_id=uid, symbol="BTCUSDT", condition="price_above", value=Decimal(100),
                    recurring=False, cooldown_s=60, channels=["app", "telegram"],
                    state="active", version=1, firings=0, created_at=now, updated_at=now,
                )
            )  # fmt: skip
        fake_telegram.stall_next("sendMessage", accepted=False)
        procs.append(spawn("backend.worker", env))

        async def stalled() -> bool:
            return bool(fake_telegram.stalled)

        await trade_until(stalled, 90)  # fired, committed; the send waits on Telegram
        kill(procs[0])
        assert await count(AlertFiring) == 1 and await count(Notification) == 1

        async def pending_again() -> bool:
            async with sm() as s:
                row = (await s.execute(select(NotificationDelivery))).scalar_one()
            return row.state == "pending" and row.attempts == 0

        await until(pending_again, 30)
        procs.append(spawn("backend.worker", env))

        async def sent() -> bool:
            async with sm() as s:
                row = (await s.execute(select(NotificationDelivery))).scalar_one()
            return row.state == "sent"

        await trade_until(sent, 90)  # the new worker sees the same trades: nothing fires
        texts = fake_telegram.messages(CHAT)
        assert len(texts) == 1 and "BTCUSDT" in texts[0], texts
        assert await count(AlertFiring) == 1 and await count(Notification) == 1
        async with sm() as s:
            alert = (await s.execute(select(Alert))).scalar_one()
        assert (alert.state, alert.firings) == ("triggered", 1)
    finally:
        for proc in procs:
            kill(proc)
        await bus.close()
        await engine.dispose()
