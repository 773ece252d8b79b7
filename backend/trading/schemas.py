"""Trading request/response shapes. Money travels as decimal strings (DecimalStr)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from backend.fields import DecimalStr, Symbol
from backend.trading.rules import OrderType, Side, TimeInForce


def _d8(value: Decimal) -> str:
    return f"{value:.8f}"


# Out amounts as Binance prints them: 8-decimal strings ("0.00100000"), the same on PostgreSQL
# (NUMERIC(36, 18) would otherwise show 18 places) and SQLite. Assets on Binance have 8 decimals;
# derived values (average cost, PnL) are rounded half-even to 8 for display only.
Amount = Annotated[
    Decimal,
    PlainSerializer(_d8, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "examples": ["0.00100000"]}),
]


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
    price: Amount | None
    stop_price: Amount | None
    quantity: Amount
    quote_quantity: Amount | None
    executed_qty: Amount
    cumulative_quote_qty: Amount
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
    price: Amount
    qty: Amount
    quote_qty: Amount
    fee: Amount
    fee_asset: str
    is_maker: bool
    period: int
    created_at: datetime


class BalanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    asset: str
    free: Amount
    locked: Amount


class AccountOut(BaseModel):
    period: int
    period_started_at: datetime
    balances: list[BalanceOut]
    equity: Amount
    equity_asset: str


class PositionOut(BaseModel):
    symbol: str
    asset: str
    quantity: Amount
    average_cost: Amount
    cost_basis: Amount
    last_price: Amount | None
    market_value: Amount | None
    unrealized_pnl: Amount | None
    realized_pnl: Amount
    allocation: Amount | None


class PortfolioOut(BaseModel):
    period: int
    equity: Amount
    cash: Amount
    realized_pnl: Amount
    unrealized_pnl: Amount
    positions: list[PositionOut]
    allocation: dict[str, Amount]


class EquityPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    equity: Amount


OrderStatusFilter = Literal["open", "closed", "all"]
