"""Alert tables: `alerts` (one row per alert, its state and firing counter), `alert_firings`
(one row per firing, unique `(alert_id, firing_no)`) and `alert_checkpoints` (per symbol, the
market time the checker last checked: where a gap catch-up starts)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, Money, UtcDateTime

ACTIVE = "active"
PAUSED = "paused"
TRIGGERED = "triggered"
EXPIRED = "expired"
STATES: tuple[str, ...] = (ACTIVE, PAUSED, TRIGGERED, EXPIRED)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_user_id_id", "user_id", "id"),
        Index("ix_alerts_state_symbol", "state", "symbol"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    symbol: Mapped[str] = mapped_column(String(20))
    condition: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Money())
    interval: Mapped[str | None] = mapped_column(String(4), nullable=True)  # rsi_*
    window_s: Mapped[int | None] = mapped_column(Integer, nullable=True)  # change_pct
    direction: Mapped[str | None] = mapped_column(String(4), nullable=True)  # change_pct
    recurring: Mapped[bool] = mapped_column(Boolean)
    cooldown_s: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    # Bumped by every edit and firing: a firing's UPDATE names the version it saw (the guard).
    version: Mapped[int] = mapped_column(Integer)
    firings: Mapped[int] = mapped_column(Integer)
    last_fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # market time of the tick (or candle) of the last firing: a replayed one cannot fire again
    fired_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertFiring(Base):
    __tablename__ = "alert_firings"
    __table_args__ = (UniqueConstraint("alert_id", "firing_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    firing_no: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money())
    market_ms: Mapped[int] = mapped_column(BigInteger)  # the tick's (or candle's) market time
    late: Mapped[bool] = mapped_column(Boolean)  # found by a gap catch-up from the candles
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertCheckpoint(Base):
    __tablename__ = "alert_checkpoints"

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    checked_ms: Mapped[int] = mapped_column(BigInteger)  # market time of the last checked tick
    price: Mapped[Decimal] = mapped_column(Money())  # its price (a crossing's "other side")
