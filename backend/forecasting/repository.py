"""SQL of the forecasting domain: candles read as arrays, jobs and models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.forecasting.models import ForecastJob, ForecastModel
from backend.market.models import Candle

Series = tuple[NDArray[np.int64], NDArray[np.float64]]  # open times (ms), closes


def _series(rows: Sequence[Any]) -> Series:
    times = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
    closes = np.fromiter((float(r[1]) for r in rows), dtype=np.float64, count=len(rows))
    return times, closes


async def closes(
    session: AsyncSession,
    symbol: str,
    interval: str,
    *,
    start: int | None = None,
    end: int | None = None,
) -> Series:
    """Stored (closed) candles with start <= open_time <= end, oldest first."""
    stmt = select(Candle.open_time, Candle.close).where(
        Candle.symbol == symbol, Candle.interval == interval
    )
    if start is not None:
        stmt = stmt.where(Candle.open_time >= start)
    if end is not None:
        stmt = stmt.where(Candle.open_time <= end)
    rows = (await session.execute(stmt.order_by(Candle.open_time))).all()
    return _series(rows)


async def closes_before(
    session: AsyncSession, symbol: str, interval: str, *, before: int, count: int
) -> Series:
    """The last `count` stored candles opened before `before`, oldest first."""
    stmt = (
        select(Candle.open_time, Candle.close)
        .where(Candle.symbol == symbol, Candle.interval == interval, Candle.open_time < before)
        .order_by(Candle.open_time.desc())
        .limit(count)
    )
    rows = list(reversed((await session.execute(stmt)).all()))
    return _series(rows)


async def last_open_time(session: AsyncSession, symbol: str, interval: str) -> int | None:
    stmt = (
        select(Candle.open_time)
        .where(Candle.symbol == symbol, Candle.interval == interval)
        .order_by(Candle.open_time.desc())
        .limit(1)
    )
    value = await session.scalar(stmt)
    return int(value) if value is not None else None


async def get_job(session: AsyncSession, job_id: str) -> ForecastJob | None:
    return await session.get(ForecastJob, job_id)


async def readable_job(
    session: AsyncSession, job_id: str, *, reader_id: int | None, shared_kinds: Sequence[str]
) -> ForecastJob | None:
    """The job `job_id` if its reader may see it: one the reader started, or one of
    `shared_kinds`; `reader_id` None reads any job. Someone else's job reads as missing."""
    stmt = select(ForecastJob).where(ForecastJob.id == job_id)
    if reader_id is not None:
        stmt = stmt.where(
            or_(ForecastJob.user_id == reader_id, ForecastJob.kind.in_(tuple(shared_kinds)))
        )
    return await session.scalar(stmt)


async def active_job(session: AsyncSession, dedupe_key: str) -> ForecastJob | None:
    """A queued or running job for the same work."""
    stmt = (
        select(ForecastJob)
        .where(
            ForecastJob.dedupe_key == dedupe_key,
            ForecastJob.state.in_(("queued", "running")),
        )
        .order_by(ForecastJob.created_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def latest_job(session: AsyncSession, dedupe_key: str) -> ForecastJob | None:
    stmt = (
        select(ForecastJob)
        .where(ForecastJob.dedupe_key == dedupe_key)
        .order_by(ForecastJob.created_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def update_job(session: AsyncSession, job_id: str, **values: Any) -> None:
    await session.execute(update(ForecastJob).where(ForecastJob.id == job_id).values(**values))


async def get_model(session: AsyncSession, model_id: str) -> ForecastModel | None:
    return await session.get(ForecastModel, model_id)


async def list_models(
    session: AsyncSession, *, symbol: str | None = None, interval: str | None = None
) -> list[ForecastModel]:
    stmt = select(ForecastModel)
    if symbol is not None:
        stmt = stmt.where(ForecastModel.symbol == symbol)
    if interval is not None:
        stmt = stmt.where(ForecastModel.interval == interval)
    rows = await session.scalars(stmt.order_by(ForecastModel.created_at.desc()))
    return list(rows)


async def latest_model(session: AsyncSession, symbol: str, interval: str) -> ForecastModel | None:
    models = await list_models(session, symbol=symbol, interval=interval)
    return models[0] if models else None


def new_model(
    model_id: str, card: dict[str, Any], *, created_at: datetime, data_start: int, data_end: int
) -> ForecastModel:
    return ForecastModel(
        id=model_id,
        symbol=card["symbol"],
        interval=card["interval"],
        created_at=created_at,
        data_start=data_start,
        data_end=data_end,
        card=card,
    )
