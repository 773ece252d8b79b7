"""SQL of the observability package: its own tables, and read-only aggregates over the others.

The dashboard reads counts across domains (users, refresh tokens, orders, trades, alert
firings, notification deliveries, task runs). It only counts rows and never writes or applies
rules to them, so it reads their tables here instead of adding a counting function to each
domain's service (style guide 2.12's reason, each domain keeping its invariants, is untouched).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, column, delete, func, select, table, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import AlertFiring
from backend.auth.models import RefreshToken
from backend.db import UtcDateTime
from backend.notifications.models import NotificationDelivery
from backend.observability.models import HealthState, MetricSample
from backend.security import Role
from backend.trading.models import Order, Trade
from backend.users.models import User

# Helper E's table (backend/tasks_admin); named here, not imported: only two columns are read.
_TASK_RUNS = table("task_runs", column("outcome", String(16)), column("finished_at", UtcDateTime()))
_MAX_ROWS = 200_000  # a bound on the per-hour bucketing reads (24 h of rows)


class SampleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, values: dict[str, Any]) -> None:
        self.session.add(MetricSample(**values))

    async def delete_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(delete(MetricSample).where(MetricSample.at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def since(self, cutoff: datetime) -> Sequence[MetricSample]:
        stmt = (
            select(MetricSample)
            .where(MetricSample.at >= cutoff)
            .order_by(MetricSample.at, MetricSample.id)
        )
        return (await self.session.scalars(stmt)).all()


class HealthStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, HealthState]:
        rows = (await self.session.scalars(select(HealthState))).all()
        return {row.component: row for row in rows}

    def add(self, row: HealthState) -> None:
        self.session.add(row)


class SummaryRepository:
    """Counts for `/admin/metrics/summary` (read only)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _count(self, stmt: Any) -> int:
        return int((await self.session.execute(stmt)).scalar_one() or 0)

    async def users(self) -> int:
        return await self._count(select(func.count()).select_from(User))

    async def admin_ids(self) -> list[int]:
        stmt = select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True))
        return list((await self.session.scalars(stmt.order_by(User.id))).all())

    async def active_sessions(self, now: datetime) -> int:
        """Logins whose current refresh token is still usable (one per token family)."""
        live = select(func.count(func.distinct(RefreshToken.family_id))).where(
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
            RefreshToken.family_expires_at > now,
        )
        return await self._count(live)

    async def orders_by_status(self) -> dict[str, int]:
        stmt = select(Order.status, func.count()).group_by(Order.status)
        return {r[0]: int(r[1]) for r in (await self.session.execute(stmt)).all()}

    async def fills(self) -> int:
        return await self._count(select(func.count()).select_from(Trade))

    async def order_times(self, since: datetime) -> list[datetime]:
        stmt = select(Order.created_at).where(Order.created_at >= since).limit(_MAX_ROWS)
        return list((await self.session.scalars(stmt)).all())

    async def trades_since(self, since: datetime) -> list[tuple[datetime, str, Decimal]]:
        """(time, symbol, quote quantity) of each fill; summed in Python (Money is text on
        SQLite, so no SQL SUM)."""
        stmt = (
            select(Trade.created_at, Trade.symbol, Trade.quote_qty)
            .where(Trade.created_at >= since)
            .limit(_MAX_ROWS)
        )
        return [(r[0], r[1], r[2]) for r in (await self.session.execute(stmt)).all()]

    async def firing_times(self, since: datetime) -> list[datetime]:
        stmt = select(AlertFiring.fired_at).where(AlertFiring.fired_at >= since).limit(_MAX_ROWS)
        return list((await self.session.scalars(stmt)).all())

    async def deliveries_by_state(self) -> dict[tuple[str, str], int]:
        """(channel, state) -> deliveries in the outbox (pending, sent, failed)."""
        stmt = select(
            NotificationDelivery.channel, NotificationDelivery.state, func.count()
        ).group_by(NotificationDelivery.channel, NotificationDelivery.state)
        return {(r[0], r[1]): int(r[2]) for r in (await self.session.execute(stmt)).all()}

    async def failed_deliveries_since(self, channel: str, since: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(NotificationDelivery)
            .where(
                NotificationDelivery.channel == channel,
                NotificationDelivery.state == "failed",
                NotificationDelivery.finished_at >= since,
            )
        )
        return await self._count(stmt)

    async def task_runs_since(self, since: datetime) -> list[tuple[str, datetime]] | None:
        """(outcome, finished_at) of the task runs finished since; None without the table."""
        stmt = select(_TASK_RUNS.c.outcome, _TASK_RUNS.c.finished_at).where(
            _TASK_RUNS.c.finished_at >= since
        )
        try:
            async with self.session.begin_nested():
                rows = (await self.session.execute(stmt.limit(_MAX_ROWS))).all()
        except (OperationalError, ProgrammingError, DBAPIError):
            return None
        return [(str(r[0]), r[1]) for r in rows]

    async def running_task_runs(self) -> int | None:
        stmt = select(func.count()).select_from(_TASK_RUNS).where(_TASK_RUNS.c.outcome == "running")
        try:
            async with self.session.begin_nested():
                return await self._count(stmt)
        except (OperationalError, ProgrammingError, DBAPIError):
            return None

    async def database_bytes(self) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            return await self._count(text("SELECT pg_database_size(current_database())"))
        pages = await self._count(text("PRAGMA page_count"))
        size = await self._count(text("PRAGMA page_size"))
        return pages * size
