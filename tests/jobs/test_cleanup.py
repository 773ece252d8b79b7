"""maintenance.cleanup: only what passed its retention goes (expired link codes, read
notifications and finished deliveries, 1m candles, finished task runs, equity points thinned by
age), and a rerun changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import make_engine, make_sessionmaker, transaction
from backend.maintenance.tasks import cleanup_job
from backend.market.models import Candle
from backend.notifications.models import Notification, NotificationAttempt, NotificationDelivery
from backend.security import Role
from backend.tasks_admin.models import TaskRun
from backend.telegram.models import TelegramLinkCode
from backend.trading.models import EquitySnapshot
from backend.users.models import User
from tests.conftest import make_settings

NOW = datetime.now(UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# equity points every 5 minutes at three ages: within EQUITY_FULL_RETENTION_DAYS (7: all stay),
# 30 days old (one an hour stays) and 120 days old (past EQUITY_HOURLY_RETENTION_DAYS: one a day)
RECENT = (NOW - 2 * DAY).replace(minute=0, second=0, microsecond=0)
MONTH_OLD = (NOW - 30 * DAY).replace(minute=0, second=0, microsecond=0)
YEAR_OLD = (NOW - 120 * DAY).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def candle(interval: str, at: datetime, symbol: str = "BTCUSDT") -> Candle:
    ms = int(at.timestamp() * 1000) // 60_000 * 60_000
    one = Decimal(1)
    return Candle(
        symbol=symbol, interval=interval, open_time=ms, close_time=ms + 59_999, open=one,
        high=one, low=one, close=one, volume=one, quote_volume=one, trades=1,
        taker_buy_base=one, taker_buy_quote=one, source="binance",
    )  # fmt: skip


def notification(user_id: int, key: str, read_at: datetime | None) -> Notification:
    return Notification(
        user_id=user_id, kind="alert", title=key, body=key, dedupe_key=key,
        created_at=NOW - 60 * DAY, read_at=read_at,
    )  # fmt: skip


def delivery(n: Notification, state: str, finished_at: datetime | None) -> NotificationDelivery:
    return NotificationDelivery(
        notification_id=n.id, user_id=n.user_id, channel="email",
        idempotency_key=f"{n.dedupe_key}:email", state=state, attempts=1,
        next_attempt_at=NOW - 60 * DAY, created_at=NOW - 60 * DAY, finished_at=finished_at,
    )  # fmt: skip


def run(task: str, finished_at: datetime | None, outcome: str) -> TaskRun:
    return TaskRun(
        task=task, trigger="cron", attempt=1, outcome=outcome, created_at=NOW - 90 * DAY,
        started_at=NOW - 90 * DAY, finished_at=finished_at,
    )  # fmt: skip


async def populate(sm: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sm) as tx:
        s = tx.session
        user = User(
            email="u@example.com", username="u", username_key="u", password_hash="x",
            role=Role.TRADER, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        s.add(user)
        await s.flush()
        s.add_all(
            [
                TelegramLinkCode(code_hash="expired", user_id=user.id, expires_at=NOW - DAY),
                TelegramLinkCode(code_hash="valid", user_id=user.id, expires_at=NOW + DAY),
            ]
        )
        old_read = notification(user.id, "old-read", NOW - 45 * DAY)
        new_read = notification(user.id, "new-read", NOW - 2 * DAY)
        old_unread = notification(user.id, "old-unread", None)
        s.add_all([old_read, new_read, old_unread])
        await s.flush()
        gone_with_its_notification = delivery(old_read, "sent", NOW - 45 * DAY)
        old_sent = delivery(old_unread, "sent", NOW - 40 * DAY)
        s.add_all([gone_with_its_notification, old_sent])
        await s.flush()
        s.add(
            NotificationAttempt(
                delivery_id=old_sent.id, attempt=1, at=NOW - 40 * DAY, outcome="sent"
            )
        )
        for start, n in ((RECENT, 24), (MONTH_OLD, 24), (YEAR_OLD, 24 * 12 * 2)):
            # 24 points from RECENT and MONTH_OLD (two hours), two whole days from YEAR_OLD
            s.add_all(
                EquitySnapshot(
                    user_id=user.id, period=1, equity=Decimal(i), at=start + i * 5 * MINUTE
                )
                for i in range(n)
            )
        pending = NotificationDelivery(
            notification_id=new_read.id, user_id=user.id, channel="webhook",
            idempotency_key="new-read:webhook", state="pending", attempts=3,
            next_attempt_at=NOW, created_at=NOW - 60 * DAY,
        )  # fmt: skip
        s.add(pending)
        s.add_all(
            [
                candle("1m", NOW - 40 * DAY),
                candle("1m", NOW - 2 * DAY),
                candle("5m", NOW - 40 * DAY),
                # a replay's candles: old by the calendar, recent on the market's clock
                candle("1m", NOW - 400 * DAY, "ETHUSDT"),
                candle("1m", NOW - 420 * DAY, "ETHUSDT"),
                candle("1m", NOW - 440 * DAY, "ETHUSDT"),
                run("auth.prune", NOW - 40 * DAY, "succeeded"),
                run("auth.prune", NOW - 2 * DAY, "failed"),
                run("reports.daily", None, "running"),
            ]
        )


async def state(sm: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sm() as s:

        async def all_of(*cols: Any) -> list[Any]:
            return sorted(tuple(r) for r in (await s.execute(select(*cols))).all())

        return {
            "codes": await all_of(TelegramLinkCode.code_hash),
            "notifications": await all_of(Notification.dedupe_key),
            "deliveries": await all_of(NotificationDelivery.idempotency_key),
            "attempts": await all_of(NotificationAttempt.id),
            "candles": await all_of(Candle.symbol, Candle.open_time, Candle.interval),
            "runs": await all_of(TaskRun.task, TaskRun.outcome),
            "equity": await all_of(EquitySnapshot.at, EquitySnapshot.equity),
        }


async def test_cleanup_removes_what_passed_retention_once(
    sm: async_sessionmaker[AsyncSession], db_url: str, tmp_path: Path
) -> None:
    await populate(sm)
    before = await state(sm)
    ctx = {"settings": make_settings(db_url, tmp_path), "sessionmaker": sm}
    first = await cleanup_job(ctx)
    assert first == {
        "link_codes": 1, "notifications": 1, "deliveries": 1, "candles_1m": 2, "task_runs": 1,
        "equity_points": 22 + 24 * 12 * 2 - 2,
    }  # fmt: skip
    after = await state(sm)
    assert after["codes"] == [("valid",)]
    assert after["notifications"] == [("new-read",), ("old-unread",)]
    assert after["deliveries"] == [("new-read:webhook",)]  # pending stays, sent ones went
    assert after["attempts"] == []  # went with their delivery
    btc = [c for c in before["candles"] if c[0] == "BTCUSDT"]
    eth = [c for c in before["candles"] if c[0] == "ETHUSDT"]
    assert [c for c in after["candles"] if c[0] == "BTCUSDT"] == btc[1:]  # 40 days: gone
    assert [c for c in after["candles"] if c[0] == "ETHUSDT"] == eth[1:]  # 40 days before -400
    assert after["runs"] == [("auth.prune", "failed"), ("reports.daily", "running")]
    # the first point of each hour (30 days old) and of each day (120 days old), all recent ones
    assert after["equity"] == sorted(
        [(YEAR_OLD, Decimal(0)), (YEAR_OLD + DAY, Decimal(288))]
        + [(MONTH_OLD, Decimal(0)), (MONTH_OLD + HOUR, Decimal(12))]
        + [(RECENT + i * 5 * MINUTE, Decimal(i)) for i in range(24)]
    )
    second = await cleanup_job(ctx)
    assert set(second.values()) == {0}
    assert await state(sm) == after
