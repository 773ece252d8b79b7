"""Forecasting tables: `forecast_models` (one row per trained artifact, its card as JSON) and
`forecast_jobs` (train / evaluate / forecast jobs: state, progress, result, reason), so any API
process answers for a job that any worker runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime


class ForecastModel(Base):
    __tablename__ = "forecast_models"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(20), index=True)
    interval: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data_start: Mapped[int] = mapped_column(BigInteger)  # first candle's open time (epoch ms)
    data_end: Mapped[int] = mapped_column(BigInteger)  # last candle's open time (epoch ms)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)


ACTIVE = text("state IN ('queued', 'running')")


class ForecastJob(Base):
    __tablename__ = "forecast_jobs"
    # at most one queued or running job per piece of work, even for concurrent requests
    __table_args__ = (
        Index(
            "uq_forecast_jobs_active",
            "dedupe_key",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # train | evaluate | forecast
    # the same work asked twice while one is queued or running gets that one (service.submit)
    dedupe_key: Mapped[str] = mapped_column(String(200), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | failed
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
