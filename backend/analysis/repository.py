"""SQL of the analysis domain: closed candles as columns (no ORM objects) for the indicators and
the comparison."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.market.models import Candle

Row = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]
_COLS = (Candle.open_time, Candle.open, Candle.high, Candle.low, Candle.close, Candle.volume)


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _closed(self, symbol: str, interval: str, now_ms: int | None) -> Select[Any]:
        stmt = select(Candle.open_time).where(Candle.symbol == symbol, Candle.interval == interval)
        if now_ms is not None:
            stmt = stmt.where(Candle.close_time < now_ms)
        return stmt

    async def bounds(
        self, symbol: str, interval: str, *, end: int | None, now_ms: int | None
    ) -> tuple[int | None, int | None]:
        """Open times of the first stored and the last closed candle up to `end`."""
        base = self._closed(symbol, interval, now_ms)
        if end is not None:
            base = base.where(Candle.open_time <= end)
        # two index walks that stop at the first row (min()/max() over the filtered set would
        # read every candle of the series)
        first = await self.session.scalar(base.order_by(Candle.open_time).limit(1))
        last = await self.session.scalar(base.order_by(Candle.open_time.desc()).limit(1))
        return (
            int(first) if first is not None else None,
            int(last) if last is not None else None,
        )

    async def newest(
        self,
        symbol: str,
        interval: str,
        *,
        end: int | None,
        before: int | None = None,
        now_ms: int | None,
        limit: int | None,
    ) -> list[Row]:
        """Closed candles up to `end` (and before `before`), the newest `limit` (all when None),
        oldest first."""
        stmt = select(*_COLS).where(Candle.symbol == symbol, Candle.interval == interval)
        if now_ms is not None:
            stmt = stmt.where(Candle.close_time < now_ms)
        if end is not None:
            stmt = stmt.where(Candle.open_time <= end)
        if before is not None:
            stmt = stmt.where(Candle.open_time < before)
        stmt = stmt.order_by(Candle.open_time.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = (await self.session.execute(stmt)).all()
        return [tuple(r) for r in reversed(rows)]  # type: ignore[misc]

    async def oldest_from(
        self,
        symbol: str,
        interval: str,
        *,
        start: int,
        end: int | None,
        now_ms: int | None,
        limit: int,
    ) -> list[Row]:
        stmt = select(*_COLS).where(
            Candle.symbol == symbol, Candle.interval == interval, Candle.open_time >= start
        )
        if now_ms is not None:
            stmt = stmt.where(Candle.close_time < now_ms)
        if end is not None:
            stmt = stmt.where(Candle.open_time <= end)
        rows = (await self.session.execute(stmt.order_by(Candle.open_time).limit(limit))).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]
