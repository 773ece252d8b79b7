"""Market API shapes. Prices and quantities are decimal strings; times are UTC epoch ms."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer, WithJsonSchema

from backend.fields import DecimalStr as _DecimalIn
from backend.market.filters import (
    ZERO,
    LotFilter,
    NotionalFilter,
    PercentPrice,
    PriceFilter,
    SymbolRules,
)

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


class PriceFilterOut(BaseModel):
    """PRICE_FILTER: each bound and the tick test is off when its value is 0."""

    min_price: DecimalStr
    max_price: DecimalStr
    tick_size: DecimalStr


class LotSizeOut(BaseModel):
    """LOT_SIZE or MARKET_LOT_SIZE (the latter for MARKET orders only); 0 = off."""

    min_qty: DecimalStr
    max_qty: DecimalStr
    step_size: DecimalStr


class PercentPriceOut(BaseModel):
    """PERCENT_PRICE_BY_SIDE, or PERCENT_PRICE (`by_side` false: both sides alike). A non-MARKET
    BUY's price must lie within last x bid_multiplier_down .. last x bid_multiplier_up, a SELL's
    within the ask ones, both ends allowed (the server uses the last price as the average)."""

    bid_multiplier_up: DecimalStr
    bid_multiplier_down: DecimalStr
    ask_multiplier_up: DecimalStr
    ask_multiplier_down: DecimalStr
    avg_price_mins: int
    by_side: bool


class NotionalOut(BaseModel):
    """NOTIONAL, or the older MIN_NOTIONAL (`legacy`: max 0 = off, never applied to MARKET)."""

    min_notional: DecimalStr
    max_notional: DecimalStr
    apply_min_to_market: bool
    apply_max_to_market: bool
    legacy: bool


class SymbolOut(BaseModel):
    """A symbol's trading rules as the server enforces them (parsed from exchangeInfo once, by
    the market domain). A filter the symbol does not have is null. The flat `tick_size` ..
    `max_notional` repeat the filters' values with 0 for "off" (handy for formatting)."""

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
    quote_order_qty_market_allowed: bool
    # the symbol's filter types in its own order: the server checks them in this order and
    # reports the first that fails
    filter_order: list[str]
    price_filter: PriceFilterOut | None
    lot_size: LotSizeOut | None
    market_lot_size: LotSizeOut | None
    percent_price: PercentPriceOut | None
    notional: NotionalOut | None
    max_num_orders: int | None
    max_num_algo_orders: int | None
    rules_source: str  # binance (live exchangeInfo) | snapshot (the bundled one)

    @classmethod
    def of(cls, r: SymbolRules, origin: str) -> SymbolOut:
        price, lot, notional = r.price_filter, r.lot_size, r.notional
        listed = [t for t in ORDER_TYPES_SHOWN if t in r.order_types]
        return cls(
            symbol=r.symbol,
            status=r.status,
            base_asset=r.base_asset,
            quote_asset=r.quote_asset,
            base_asset_precision=r.base_asset_precision,
            quote_asset_precision=r.quote_asset_precision,
            tick_size=price.tick_size if price else ZERO,
            min_price=price.min_price if price else ZERO,
            max_price=price.max_price if price else ZERO,
            step_size=lot.step_size if lot else ZERO,
            min_qty=lot.min_qty if lot else ZERO,
            max_qty=lot.max_qty if lot else ZERO,
            min_notional=notional.min_notional if notional else ZERO,
            max_notional=notional.max_notional if notional else ZERO,
            order_types=listed + sorted(r.order_types.difference(listed)),
            quote_order_qty_market_allowed=r.quote_order_qty_market_allowed,
            filter_order=list(r.filter_order),
            price_filter=_price(price),
            lot_size=_lot(lot),
            market_lot_size=_lot(r.market_lot_size),
            percent_price=_percent(r.percent_price),
            notional=_notional(notional),
            max_num_orders=r.max_num_orders,
            max_num_algo_orders=r.max_num_algo_orders,
            rules_source=origin,
        )


def _price(f: PriceFilter | None) -> PriceFilterOut | None:
    if f is None:
        return None
    return PriceFilterOut(min_price=f.min_price, max_price=f.max_price, tick_size=f.tick_size)


def _lot(f: LotFilter | None) -> LotSizeOut | None:
    if f is None:
        return None
    return LotSizeOut(min_qty=f.min_qty, max_qty=f.max_qty, step_size=f.step_size)


def _percent(f: PercentPrice | None) -> PercentPriceOut | None:
    if f is None:
        return None
    return PercentPriceOut(
        bid_multiplier_up=f.bid_up,
        bid_multiplier_down=f.bid_down,
        ask_multiplier_up=f.ask_up,
        ask_multiplier_down=f.ask_down,
        avg_price_mins=f.avg_price_mins,
        by_side=f.by_side,
    )


def _notional(f: NotionalFilter | None) -> NotionalOut | None:
    if f is None:
        return None
    return NotionalOut(
        min_notional=f.min_notional,
        max_notional=f.max_notional,
        apply_min_to_market=f.apply_min_to_market,
        apply_max_to_market=f.apply_max_to_market,
        legacy=f.legacy,
    )


# exchangeInfo's own order of `orderTypes`; any other listed type follows, sorted
ORDER_TYPES_SHOWN = (
    "LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)  # fmt: skip


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


class HistoryImportOut(BaseModel):
    """The background import of recorded candles (MARKET_HISTORY_IMPORT): `off` | `waiting` |
    `running` | `done` | `failed`; `done` of `total` source rows, `current` series."""

    state: str
    done: int
    total: int | None
    current: str | None
    error: str | None


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
    history_import: HistoryImportOut
