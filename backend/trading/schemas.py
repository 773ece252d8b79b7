"""Trading request/response shapes. Money travels as decimal strings (DecimalStr)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.fields import DecimalStr, Symbol
from backend.trading.rules import OrderType, Side, TimeInForce


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: Symbol
    side: Side
    type: OrderType
    quantity: DecimalStr | None = None
    quote_quantity: DecimalStr | None = None
    price: DecimalStr | None = None
    stop_price: DecimalStr | None = None
    time_in_force: TimeInForce | None = None
    # Binance's legal range (PROTOCOL.md §5.4)
    client_order_id: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9\-_]{1,36}$")


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    time_in_force: str | None
    status: str
    price: DecimalStr | None
    stop_price: DecimalStr | None
    quantity: DecimalStr
    quote_quantity: DecimalStr | None
    executed_qty: DecimalStr
    cumulative_quote_qty: DecimalStr
    is_working: bool
    expiry_reason: str | None
    period: int
    created_at: datetime
    updated_at: datetime


class TradeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    symbol: str
    side: str
    price: DecimalStr
    qty: DecimalStr
    quote_qty: DecimalStr
    fee: DecimalStr
    fee_asset: str
    is_maker: bool
    period: int
    created_at: datetime


class BalanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    asset: str
    free: DecimalStr
    locked: DecimalStr


class AccountOut(BaseModel):
    period: int
    period_started_at: datetime
    balances: list[BalanceOut]
    equity: DecimalStr
    equity_asset: str


class PositionOut(BaseModel):
    symbol: str
    asset: str
    quantity: DecimalStr
    average_cost: DecimalStr
    cost_basis: DecimalStr
    last_price: DecimalStr | None
    market_value: DecimalStr | None
    unrealized_pnl: DecimalStr | None
    realized_pnl: DecimalStr
    allocation: DecimalStr | None


class PortfolioOut(BaseModel):
    period: int
    equity: DecimalStr
    cash: DecimalStr
    realized_pnl: DecimalStr
    unrealized_pnl: DecimalStr
    positions: list[PositionOut]
    allocation: dict[str, DecimalStr]


class EquityPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    equity: DecimalStr


OrderStatusFilter = Literal["open", "closed", "all"]
