"""Observability tables: `metric_samples` (one row per process per minute, kept 48 h: the
dashboard's 24 h series and each process's heartbeat) and `health_states` (the last state the
health-check job saw per component, so a transition notifies admins once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime


class MetricSample(Base):
    __tablename__ = "metric_samples"
    __table_args__ = (
        Index("ix_metric_samples_at", "at"),
        Index("ix_metric_samples_instance_at", "instance", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process: Mapped[str] = mapped_column(String(16))  # api | worker | ingestor | bot
    instance: Mapped[str] = mapped_column(String(128))  # <host>:<pid>
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    ws_connections: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer)  # HTTP requests since the previous sample
    interval_s: Mapped[float] = mapped_column(Float)  # seconds since the previous sample
    latency_p50_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    latency_p99_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    cpu_percent: Mapped[float] = mapped_column(Float)  # of one core, since the previous sample
    rss_bytes: Mapped[int] = mapped_column(BigInteger)
    db_pool_in_use: Mapped[int] = mapped_column(Integer)
    # {"feed_lag_ms": {symbol: ms | null}, "leases": {name: token}}
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class HealthState(Base):
    __tablename__ = "health_states"

    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))  # green | amber | red
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
