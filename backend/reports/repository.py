"""What the daily report reads: equity at the day's edges, alert and trade counts, system
figures of the day (all for a half-open UTC window [start, end))."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from backend.alerts.models import ACTIVE, Alert, AlertFiring
from backend.notifications.models import FAILED, NotificationDelivery
from backend.security import Role
from backend.tasks_admin.models import FAILED as RUN_FAILED
from backend.tasks_admin.models import TaskRun
from backend.trading.models import EquitySnapshot, Order, Trade
from backend.users.models import User

Point = tuple[int, Decimal]  # (period, equity)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_users(self, created_before: datetime) -> list[tuple[int, Role]]:
        stmt = (
            select(User.id, User.role)
            .where(User.is_active.is_(True), User.created_at < created_before)
            .order_by(User.id)
        )
        return [(int(i), r) for i, r in (await self.session.execute(stmt)).all()]

    async def _edge(
        self, *, after: datetime | None, before: datetime, newest: bool
    ) -> dict[int, Point]:
        order = EquitySnapshot.at.desc() if newest else EquitySnapshot.at.asc()
        rn = func.row_number().over(partition_by=EquitySnapshot.user_id, order_by=order)
        inner = select(
            EquitySnapshot.user_id, EquitySnapshot.period, EquitySnapshot.equity, rn.label("rn")
        ).where(EquitySnapshot.at < before)
        if after is not None:
            inner = inner.where(EquitySnapshot.at >= after)
        sub = inner.subquery()
        stmt = select(sub.c.user_id, sub.c.period, sub.c.equity).where(sub.c.rn == 1)
        rows = (await self.session.execute(stmt)).all()
        return {int(u): (int(p), Decimal(str(e))) for u, p, e in rows}

    async def equity_edges(
        self, start: datetime, end: datetime
    ) -> dict[int, tuple[Point | None, Point | None, Point]]:
        """Per user with a snapshot in the window: (last before it, first in it, last in it)."""
        last_in = await self._edge(after=start, before=end, newest=True)
        first_in = await self._edge(after=start, before=end, newest=False)
        before = await self._edge(after=None, before=start, newest=True)
        return {u: (before.get(u), first_in.get(u), p) for u, p in last_in.items()}

    async def _per_user(self, stmt: Select[int, int]) -> dict[int, int]:
        return {int(u): int(n) for u, n in (await self.session.execute(stmt)).all()}

    async def alerts_fired(self, start: datetime, end: datetime) -> dict[int, int]:
        stmt = (
            select(Alert.user_id, func.count(AlertFiring.id))
            .join(Alert, Alert.id == AlertFiring.alert_id)
            .where(AlertFiring.fired_at >= start, AlertFiring.fired_at < end)
            .group_by(Alert.user_id)
        )
        return await self._per_user(stmt)

    async def active_alerts(self) -> dict[int, int]:
        stmt = select(Alert.user_id, func.count(Alert.id)).where(Alert.state == ACTIVE)
        return await self._per_user(stmt.group_by(Alert.user_id))

    async def trades(self, start: datetime, end: datetime) -> dict[int, int]:
        stmt = (
            select(Trade.user_id, func.count(Trade.id))
            .where(Trade.created_at >= start, Trade.created_at < end)
            .group_by(Trade.user_id)
        )
        return await self._per_user(stmt)

    async def _count(self, stmt: Select[int]) -> int:
        return int((await self.session.execute(stmt)).scalar_one())

    async def system_figures(self, start: datetime, end: datetime) -> dict[str, int]:
        def window(col: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
            return and_(col >= start, col < end)

        return {
            "users_total": await self._count(
                select(func.count(User.id)).where(User.created_at < end)
            ),
            "users_new": await self._count(
                select(func.count(User.id)).where(window(User.created_at))
            ),
            "orders": await self._count(
                select(func.count(Order.id)).where(window(Order.created_at))
            ),
            "trades": await self._count(
                select(func.count(Trade.id)).where(window(Trade.created_at))
            ),
            "alerts_fired": await self._count(
                select(func.count(AlertFiring.id)).where(window(AlertFiring.fired_at))
            ),
            "deliveries_failed": await self._count(
                select(func.count(NotificationDelivery.id)).where(
                    NotificationDelivery.state == FAILED,
                    window(NotificationDelivery.finished_at),
                )
            ),
            "task_runs_failed": await self._count(
                select(func.count(TaskRun.id)).where(
                    TaskRun.outcome == RUN_FAILED, window(TaskRun.created_at)
                )
            ),
        }
