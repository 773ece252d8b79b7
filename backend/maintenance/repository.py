"""The cleanup's deletes, one method per kind of expired row (returns how many went)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, SQLColumnExpression, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.market.models import Candle
from backend.notifications.models import FAILED, SENT, Notification, NotificationDelivery
from backend.telegram.models import TelegramLinkCode
from backend.trading.models import EquitySnapshot


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class CleanupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def expired_link_codes(self, now: datetime) -> int:
        stmt = delete(TelegramLinkCode).where(TelegramLinkCode.expires_at < now)
        return _count(await self.session.execute(stmt))

    async def read_notifications(self, read_before: datetime) -> int:
        """Read notifications (their deliveries and attempts go with them: ON DELETE CASCADE)."""
        stmt = delete(Notification).where(
            Notification.read_at.is_not(None), Notification.read_at < read_before
        )
        return _count(await self.session.execute(stmt))

    async def finished_deliveries(self, finished_before: datetime) -> int:
        stmt = delete(NotificationDelivery).where(
            NotificationDelivery.state.in_((SENT, FAILED)),
            NotificationDelivery.finished_at.is_not(None),
            NotificationDelivery.finished_at < finished_before,
        )
        return _count(await self.session.execute(stmt))

    async def candles_1m(self, keep_ms: int) -> int:
        """1m candles opened more than `keep_ms` before their symbol's newest 1m candle (the
        market's clock, not the wall clock: a replay's candles are months old by the calendar)."""
        newer = aliased(Candle)
        newest = (
            select(func.max(newer.open_time))
            .where(newer.symbol == Candle.symbol, newer.interval == "1m")
            .scalar_subquery()
        )
        stmt = delete(Candle).where(Candle.interval == "1m", Candle.open_time < newest - keep_ms)
        return _count(await self.session.execute(stmt))

    async def equity_thinned(self, before: datetime, bucket_s: int) -> int:
        """Equity points taken before `before`: only the first of each `bucket_s` bucket per
        account period stays (the curve keeps its shape at a coarser step; a rerun deletes
        nothing, since every bucket already holds one point)."""
        bucket = self._epoch_s(EquitySnapshot.at) // bucket_s
        rn = func.row_number().over(
            partition_by=(EquitySnapshot.user_id, EquitySnapshot.period, bucket),
            order_by=(EquitySnapshot.at, EquitySnapshot.id),
        )
        ranked = (
            select(EquitySnapshot.id, rn.label("rn")).where(EquitySnapshot.at < before).subquery()
        )
        extra = select(ranked.c.id).where(ranked.c.rn > 1)
        stmt = (
            delete(EquitySnapshot)
            .where(EquitySnapshot.id.in_(extra))
            .execution_options(synchronize_session=False)
        )
        return _count(await self.session.execute(stmt))

    def _epoch_s(self, column: SQLColumnExpression[datetime]) -> ColumnElement[int]:
        """Whole seconds since the epoch, in SQL (integer division then buckets by time)."""
        if self.session.get_bind().dialect.name == "sqlite":
            return cast(func.strftime("%s", column), Integer)
        return cast(func.floor(func.extract("epoch", column)), Integer)
