"""Market API shapes. Prices and quantities are decimal strings; times are UTC epoch ms."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from backend.fields import DecimalStr as _DecimalIn

_EIGHT = Decimal("0.00000001")


def _binance_text(value: Decimal) -> str:
    """Binance's form: at least 8 decimals ("0.01000000"), more only when the value has them,
    whichever store (SQLite text, PostgreSQL NUMERIC(36,18)) the number came from."""
    if value == value.quantize(_EIGHT):
        return format(value.quantize(_EIGHT), "f")
    return format(value.normalize(), "f")


DecimalStr = Annotated[
    _DecimalIn,
    PlainSerializer(_binance_text, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "examples": ["0.01000000"]}),
]


class SymbolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    base_asset_precision: int
    quote_asset_precision: int
    tick_size: DecimalStr
    min_price: DecimalStr
    max_price: DecimalStr
    step_size: DecimalStr
    min_qty: DecimalStr
    max_qty: DecimalStr
    min_notional: DecimalStr
    max_notional: DecimalStr
    order_types: list[str]
    filters: list[dict[str, Any]]


class SymbolsOut(BaseModel):
    source: str | None
    symbols: list[SymbolOut]


class TickerOut(BaseModel):
    symbol: str
    last_price: DecimalStr
    price_change: DecimalStr
    price_change_percent: DecimalStr
    weighted_avg_price: DecimalStr
    open_price: DecimalStr
    high_price: DecimalStr
    low_price: DecimalStr
    volume: DecimalStr
    quote_volume: DecimalStr
    bid_price: DecimalStr
    ask_price: DecimalStr
    open_time: int
    close_time: int
    event_time: int
    source: str | None


class TickersOut(BaseModel):
    source: str | None
    tickers: list[TickerOut]


class KlineOut(BaseModel):
    open_time: int
    open: DecimalStr
    high: DecimalStr
    low: DecimalStr
    close: DecimalStr
    volume: DecimalStr
    close_time: int
    quote_volume: DecimalStr
    trades: int
    closed: bool


class KlinesOut(BaseModel):
    symbol: str
    interval: str
    source: str | None
    klines: list[KlineOut]


class StatusOut(BaseModel):
    source: str | None
    connected: bool
    error: str | None
    ingestor: str
    replay_time: int | None
    replay_speed: float | None
    last_event_at: int | None
    symbols: list[str]
    intervals: list[str]
    # levels of the live partial book (`<symbol>@depth<N>@100ms`, MARKET_DEPTH_LEVELS); 0: none.
    # The replay source streams no book whatever this says.
    depth_levels: int
