"""SQL of the notification tables: insert-once by dedupe key, pages, read marks, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.notifications.models import (
    PENDING,
    Notification,
    NotificationAttempt,
    NotificationDelivery,
    NotificationSettings,
)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def insert_once(self, values: dict[str, Any]) -> int | None:
        """Insert the row unless its dedupe_key exists (even concurrently); its id, or None."""
        if self._postgres():
            pg = postgresql.insert(Notification).values(**values)
            stmt: Any = pg.on_conflict_do_nothing(index_elements=["dedupe_key"])
        else:
            lite = sqlite.insert(Notification).values(**values)
            stmt = lite.on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await self.session.execute(stmt.returning(Notification.id))
        return result.scalar_one_or_none()

    async def get(self, notification_id: int) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    async def page(
        self, user_id: int, *, unread_only: bool, before_id: int | None, limit: int
    ) -> list[Notification]:
        stmt = select(Notification).where(Notification.user_id == user_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        if before_id is not None:
            stmt = stmt.where(Notification.id < before_id)
        stmt = stmt.order_by(Notification.id.desc()).limit(limit)
        return list((await self.session.scalars(stmt)).all())

    async def unread_count(self, user_id: int) -> int:
        stmt = select(func.count()).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def mark_read(self, user_id: int, notification_id: int | None, now: datetime) -> int:
        """Mark one (or, with None, every) unread notification of the user read; rows changed."""
        stmt = (
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=now)
        )
        if notification_id is not None:
            stmt = stmt.where(Notification.id == notification_id)
        result: Any = await self.session.execute(stmt)
        return int(result.rowcount or 0)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, delivery: NotificationDelivery) -> None:
        self.session.add(delivery)

    async def claim_due(
        self, now: datetime, limit: int, *, channels: Sequence[str]
    ) -> Sequence[NotificationDelivery]:
        """Due pending deliveries of `channels`, locked for this transaction (skipped by other
        senders on PostgreSQL)."""
        stmt = (
            select(NotificationDelivery)
            .where(NotificationDelivery.state == PENDING)
            .where(NotificationDelivery.channel.in_(channels))
            .where(NotificationDelivery.next_attempt_at <= now)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return (await self.session.scalars(stmt)).all()

    async def next_due_at(self, channels: Sequence[str]) -> datetime | None:
        stmt = select(func.min(NotificationDelivery.next_attempt_at)).where(
            NotificationDelivery.state == PENDING, NotificationDelivery.channel.in_(channels)
        )
        value: datetime | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return value

    def record_attempt(
        self, delivery_id: int, attempt: int, at: datetime, outcome: str, detail: str | None
    ) -> None:
        self.session.add(
            NotificationAttempt(
                delivery_id=delivery_id, attempt=attempt, at=at, outcome=outcome, detail=detail
            )
        )

    async def attempts(self, delivery_id: int) -> list[NotificationAttempt]:
        stmt = (
            select(NotificationAttempt)
            .where(NotificationAttempt.delivery_id == delivery_id)
            .order_by(NotificationAttempt.id)
        )
        return list((await self.session.scalars(stmt)).all())


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> NotificationSettings | None:
        return await self.session.get(NotificationSettings, user_id)

    async def get_or_create(self, user_id: int, now: datetime) -> NotificationSettings:
        row = await self.get(user_id)
        if row is not None:
            return row
        values = {"user_id": user_id, "language": "en", "email_enabled": False, "updated_at": now}
        if self.session.get_bind().dialect.name == "postgresql":
            stmt: Any = postgresql.insert(NotificationSettings).values(**values)
        else:
            stmt = sqlite.insert(NotificationSettings).values(**values)
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
        row = await self.get(user_id)
        assert row is not None
        return row
