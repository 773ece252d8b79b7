"""Market tables: `candles` (closed candles, one row per symbol+interval+open time) and `symbols`
(the exchangeInfo trading rules of every configured symbol, parsed columns + the raw object)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, Money, UtcDateTime


class Candle(Base):
    """A closed candle. The primary key is Binance's identity of a candle, so re-delivery of the
    same candle (stream replay, REST backfill, a second import) can never add a row. Times are
    Binance's epoch milliseconds (UTC), the unit the API and the streams speak."""

    __tablename__ = "candles"

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    interval: Mapped[str] = mapped_column(String(4), primary_key=True)
    open_time: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    close_time: Mapped[int] = mapped_column(BigInteger)
    open: Mapped[Decimal] = mapped_column(Money())
    high: Mapped[Decimal] = mapped_column(Money())
    low: Mapped[Decimal] = mapped_column(Money())
    close: Mapped[Decimal] = mapped_column(Money())
    volume: Mapped[Decimal] = mapped_column(Money())
    quote_volume: Mapped[Decimal] = mapped_column(Money())
    trades: Mapped[int] = mapped_column(Integer)
    taker_buy_base: Mapped[Decimal] = mapped_column(Money())
    taker_buy_quote: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(String(8))  # binance | replay | import | backfill


class Symbol(Base):
    """Trading rules per symbol (PROTOCOL.md §4). Zero means "this part of the filter is off",
    as Binance sends it; `filters` keeps every filter object verbatim for the trading engine."""

    __tablename__ = "symbols"

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    base_asset: Mapped[str] = mapped_column(String(16))
    quote_asset: Mapped[str] = mapped_column(String(16))
    base_asset_precision: Mapped[int] = mapped_column(Integer)
    quote_asset_precision: Mapped[int] = mapped_column(Integer)
    tick_size: Mapped[Decimal] = mapped_column(Money())
    min_price: Mapped[Decimal] = mapped_column(Money())
    max_price: Mapped[Decimal] = mapped_column(Money())
    step_size: Mapped[Decimal] = mapped_column(Money())
    min_qty: Mapped[Decimal] = mapped_column(Money())
    max_qty: Mapped[Decimal] = mapped_column(Money())
    market_min_qty: Mapped[Decimal] = mapped_column(Money())
    market_max_qty: Mapped[Decimal] = mapped_column(Money())
    market_step_size: Mapped[Decimal] = mapped_column(Money())
    min_notional: Mapped[Decimal] = mapped_column(Money())
    max_notional: Mapped[Decimal] = mapped_column(Money())
    apply_min_to_market: Mapped[bool] = mapped_column(Boolean)
    apply_max_to_market: Mapped[bool] = mapped_column(Boolean)
    bid_multiplier_up: Mapped[Decimal] = mapped_column(Money())
    bid_multiplier_down: Mapped[Decimal] = mapped_column(Money())
    ask_multiplier_up: Mapped[Decimal] = mapped_column(Money())
    ask_multiplier_down: Mapped[Decimal] = mapped_column(Money())
    avg_price_mins: Mapped[int] = mapped_column(Integer)
    max_num_orders: Mapped[int] = mapped_column(Integer)
    max_num_algo_orders: Mapped[int] = mapped_column(Integer)
    order_types: Mapped[list[str]] = mapped_column(JSON)
    filters: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))  # binance | snapshot
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
