"""reports.daily: each user's PnL and alerts of yesterday in their language, the admins' system
report, nothing before the report hour, and a second run the same day changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts.models import Alert, AlertFiring
from backend.db import make_engine, make_sessionmaker, transaction
from backend.notifications.models import Notification, NotificationSettings
from backend.reports.daily import send_daily_reports
from backend.security import Role
from backend.trading.models import EquitySnapshot
from backend.users.models import User

TODAY_8 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
YESTERDAY = TODAY_8.replace(hour=0) - timedelta(days=1)  # 2026-12-05 00:00
H = timedelta(hours=1)


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def user(name: str, role: Role, created: datetime) -> User:
    return User(
        email=f"{name}@example.com", username=name, username_key=name, password_hash="x",
        role=role, created_at=created, updated_at=created,
    )  # fmt: skip


def alert(user_id: int, state: str) -> Alert:
    return Alert(
        user_id=user_id, symbol="BTCUSDT", condition="price_above", value=Decimal(50000),
        recurring=True, cooldown_s=60, channels=[], state=state, version=1, firings=0,
        created_at=YESTERDAY, updated_at=YESTERDAY,
    )  # fmt: skip


async def populate(sm: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with transaction(sm) as tx:
        s = tx.session
        trader = user("ivan", Role.TRADER, YESTERDAY - 10 * H)
        admin = user("root", Role.ADMIN, YESTERDAY + 3 * H)
        idle = user("idle", Role.TRADER, YESTERDAY + 4 * H)
        newcomer = user("newcomer", Role.ADMIN, TODAY_8 - H)  # no yesterday to report
        s.add_all([trader, admin, idle, newcomer])
        await s.flush()
        s.add(NotificationSettings(user_id=trader.id, language="ru", updated_at=YESTERDAY))
        s.add_all(
            [
                EquitySnapshot(user_id=trader.id, period=1, equity=Decimal("10000"), at=YESTERDAY - H),
                EquitySnapshot(user_id=trader.id, period=1, equity=Decimal("9990.5"), at=YESTERDAY + H),
                EquitySnapshot(user_id=trader.id, period=1, equity=Decimal("10150.25"), at=YESTERDAY + 20 * H),
                EquitySnapshot(user_id=trader.id, period=1, equity=Decimal("1"), at=TODAY_8 - H),
                # the admin reset the account during the day: measured from the new period
                EquitySnapshot(user_id=admin.id, period=1, equity=Decimal("500"), at=YESTERDAY - H),
                EquitySnapshot(user_id=admin.id, period=2, equity=Decimal("10000"), at=YESTERDAY + 5 * H),
                EquitySnapshot(user_id=admin.id, period=2, equity=Decimal("9900"), at=YESTERDAY + 6 * H),
            ]
        )  # fmt: skip
        fired, quiet = alert(trader.id, "active"), alert(trader.id, "triggered")
        s.add_all([fired, quiet])
        await s.flush()
        s.add_all(
            [
                AlertFiring(alert_id=fired.id, firing_no=n, price=Decimal(50001), market_ms=0,
                            late=False, fired_at=YESTERDAY + n * H)
                for n in (1, 2)
            ]
            + [AlertFiring(alert_id=quiet.id, firing_no=1, price=Decimal(1), market_ms=0,
                           late=False, fired_at=YESTERDAY - 2 * H)]
        )  # fmt: skip
        return trader.id, admin.id, idle.id


async def notes(sm: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    async with sm() as s:
        stmt = select(
            Notification.user_id, Notification.kind, Notification.title, Notification.body
        )
        return sorted(tuple(r) for r in (await s.execute(stmt)).all())


async def test_daily_reports_once_per_day_in_each_users_language(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    trader, admin, idle = await populate(sm)
    early = await send_daily_reports(sm, None, now=TODAY_8 - 2 * H, hour=7)
    assert early["due"] is False and await notes(sm) == []

    first = await send_daily_reports(sm, None, now=TODAY_8, hour=7)
    assert first == {"due": True, "day": "2026-12-05", "user_reports": 3, "system_reports": 1}
    by = {(u, k): (t, b) for u, k, t, b in await notes(sm)}
    title, body = by[(trader, "daily_report")]
    assert title == "Ежедневный отчёт за 2026-12-05"
    assert "+150.25 USDT" in body and "10\u202f150.25" in body
    assert "Сработало оповещений: 2; активных: 1" in body
    title, body = by[(admin, "daily_report")]
    assert title == "Daily report for 2026-12-05" and "PnL: -100.00 USDT" in body
    assert "No equity recorded" in by[(idle, "daily_report")][1]
    title, body = by[(admin, "system_report")]
    assert title == "System report for 2026-12-05"
    assert body.startswith("Users: 3 (2 new).") and "Alerts fired: 2." in body
    assert (trader, "system_report") not in by
    assert {u for u, _ in by} == {trader, admin, idle}  # not the one who joined today

    after = await notes(sm)
    second = await send_daily_reports(sm, None, now=TODAY_8 + 3 * H, hour=7)
    assert second["user_reports"] == 0 and second["system_reports"] == 0
    assert await notes(sm) == after
