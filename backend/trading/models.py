"""Trading tables: accounts (one per user, with a period counter), balances, orders, trades,
market marks (last price and matcher cursor per symbol) and equity snapshots."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, Money, UtcDateTime

OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")


class TradingAccount(Base):
    __tablename__ = "trading_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # A reset starts a new period; orders and trades keep the period they were made in.
    period: Mapped[int] = mapped_column(Integer, default=1)
    period_started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Bumped by every writer on SQLite to take the database write lock first (repository.py).
    lock_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Balance(Base):
    __tablename__ = "trading_balances"
    # Enforced by PostgreSQL (NUMERIC); on SQLite Money is text and the check is inert there,
    # where writers are serialized instead (see repository.BalanceRepository).
    __table_args__ = (
        UniqueConstraint("account_id", "asset"),
        CheckConstraint("free >= 0", name="free_nonnegative"),
        CheckConstraint("locked >= 0", name="locked_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("trading_accounts.id", ondelete="CASCADE"))
    asset: Mapped[str] = mapped_column(String(16))
    free: Mapped[Decimal] = mapped_column(Money())
    locked: Mapped[Decimal] = mapped_column(Money())


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("user_id", "client_order_id"),
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_status_symbol", "status", "symbol"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[int] = mapped_column(Integer)
    client_order_id: Mapped[str] = mapped_column(String(36))
    symbol: Mapped[str] = mapped_column(String(20))
    base_asset: Mapped[str] = mapped_column(String(16))
    quote_asset: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(20))
    time_in_force: Mapped[str | None] = mapped_column(String(3), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    stop_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    quantity: Mapped[Decimal] = mapped_column(Money())
    quote_quantity: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    executed_qty: Mapped[Decimal] = mapped_column(Money())
    cumulative_quote_qty: Mapped[Decimal] = mapped_column(Money())
    # The price the open remainder is reserved at (the limit price); None: nothing locked.
    reserved_price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    expiry_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    working_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The market trade that triggered a stop order (`orders.trade_key`): never a maker fill for it.
    trigger_trade: Mapped[str | None] = mapped_column(String(100), nullable=True)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty


class Trade(Base):
    __tablename__ = "trades"
    __table_args__ = (
        # One fill per (order, market trade): a replayed or re-delivered tick cannot fill twice.
        UniqueConstraint("order_id", "source_trade_id"),
        Index("ix_trades_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(4))
    price: Mapped[Decimal] = mapped_column(Money())
    qty: Mapped[Decimal] = mapped_column(Money())
    quote_qty: Mapped[Decimal] = mapped_column(Money())
    fee: Mapped[Decimal] = mapped_column(Money())
    fee_asset: Mapped[str] = mapped_column(String(16))
    is_maker: Mapped[bool] = mapped_column(Boolean)
    source_trade_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Mark(Base):
    """Last market price per symbol, as the matcher saw it (equity snapshots value with it)."""

    __tablename__ = "trading_marks"

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    price: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EquitySnapshot(Base):
    __tablename__ = "equity_snapshots"
    __table_args__ = (Index("ix_equity_snapshots_user_id_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[int] = mapped_column(Integer)
    equity: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class MatcherCheckpoint(Base):
    """How far the matcher has applied a symbol's trade stream: the last trade (market time) and
    when that was recorded (wall clock). A restart or a gap in the stream starts the candle
    catch-up here (trading/catchup.py)."""

    __tablename__ = "trading_matcher_checkpoints"

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_trade_id: Mapped[str] = mapped_column(String(64))
    last_trade_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
