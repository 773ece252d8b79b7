"""A symbol's exchangeInfo entry, parsed once into typed rules (PROTOCOL.md §4).

The market domain owns this parse: `/api/v1/market/symbols` serves these objects and the trading
engine enforces them (backend/trading/rules.py), so the web app and the server never read two
different sets of filters. Pure: imports neither FastAPI nor SQLAlchemy.
A missing filter is None; inside a filter, 0 switches a bound off, as Binance sends it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
# exchangeInfo `orderTypes` of a symbol that does not list them: every type the engine knows
ALL_ORDER_TYPES = frozenset(
    {"MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"}
)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """`value % step == 0` in exact decimal arithmetic (§4.1); step 0 means the test is off."""
    return step == ZERO or value % step == ZERO


@dataclass(frozen=True, slots=True)
class PriceFilter:
    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal

    def ok(self, price: Decimal) -> bool:
        # each part is switched off when its parameter is 0 (§4.3)
        if self.min_price != ZERO and price < self.min_price:
            return False
        if self.max_price != ZERO and price > self.max_price:
            return False
        return is_multiple(price, self.tick_size)


@dataclass(frozen=True, slots=True)
class LotFilter:
    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal

    def ok(self, qty: Decimal) -> bool:
        # 0 switches a part off; real MARKET_LOT_SIZE sends minQty/stepSize 0 (§4.3 note)
        if self.min_qty != ZERO and qty < self.min_qty:
            return False
        if self.max_qty != ZERO and qty > self.max_qty:
            return False
        return is_multiple(qty, self.step_size)


@dataclass(frozen=True, slots=True)
class PercentPrice:
    """PERCENT_PRICE (same bounds both sides) or PERCENT_PRICE_BY_SIDE."""

    bid_up: Decimal
    bid_down: Decimal
    ask_up: Decimal
    ask_down: Decimal
    by_side: bool
    avg_price_mins: int = 0  # Binance's reference window; the engine uses the last price

    def ok(self, side: str, price: Decimal, ref: Decimal) -> bool:
        """`side` BUY takes the bid multipliers, SELL the ask ones; both ends allowed."""
        up, down = (self.bid_up, self.bid_down) if side == "BUY" else (self.ask_up, self.ask_down)
        return ref * down <= price <= ref * up


@dataclass(frozen=True, slots=True)
class NotionalFilter:
    """NOTIONAL, or the older MIN_NOTIONAL (then max is 0 = off and apply_max is False)."""

    min_notional: Decimal
    max_notional: Decimal
    apply_min_to_market: bool
    apply_max_to_market: bool
    legacy: bool

    def ok(self, notional: Decimal, *, market: bool) -> bool:
        if (not market or self.apply_min_to_market) and notional < self.min_notional:
            return False
        check_max = (not market or self.apply_max_to_market) and self.max_notional != ZERO
        return not (check_max and notional > self.max_notional)


@dataclass(frozen=True, slots=True)
class SymbolRules:
    symbol: str
    base_asset: str
    quote_asset: str
    status: str = "TRADING"
    base_asset_precision: int = 8
    quote_asset_precision: int = 8
    order_types: frozenset[str] = ALL_ORDER_TYPES
    quote_order_qty_market_allowed: bool = True
    price_filter: PriceFilter | None = None
    lot_size: LotFilter | None = None
    market_lot_size: LotFilter | None = None
    percent_price: PercentPrice | None = None
    notional: NotionalFilter | None = None
    max_num_orders: int | None = None
    max_num_algo_orders: int | None = None
    filter_order: tuple[str, ...] = field(default=())  # filter types in the symbol's order

    @property
    def tick_size(self) -> Decimal:
        return self.price_filter.tick_size if self.price_filter else ZERO

    @property
    def step_size(self) -> Decimal:
        return self.lot_size.step_size if self.lot_size else ZERO

    @classmethod
    def from_exchange_info(cls, raw: Mapping[str, Any]) -> SymbolRules:
        """Build from one `symbols[]` entry of GET /api/v3/exchangeInfo."""
        kw: dict[str, Any] = {}
        order: list[str] = []
        for f in raw.get("filters", ()):
            kind = f["filterType"]
            order.append(kind)
            if kind == "PRICE_FILTER":
                kw["price_filter"] = PriceFilter(
                    _d(f["minPrice"]), _d(f["maxPrice"]), _d(f["tickSize"])
                )
            elif kind in ("LOT_SIZE", "MARKET_LOT_SIZE"):
                lot = LotFilter(_d(f["minQty"]), _d(f["maxQty"]), _d(f["stepSize"]))
                kw["lot_size" if kind == "LOT_SIZE" else "market_lot_size"] = lot
            elif kind == "PERCENT_PRICE":
                up, down = _d(f["multiplierUp"]), _d(f["multiplierDown"])
                mins = int(f.get("avgPriceMins", 0))
                kw["percent_price"] = PercentPrice(up, down, up, down, False, mins)
            elif kind == "PERCENT_PRICE_BY_SIDE":
                kw["percent_price"] = PercentPrice(
                    _d(f["bidMultiplierUp"]),
                    _d(f["bidMultiplierDown"]),
                    _d(f["askMultiplierUp"]),
                    _d(f["askMultiplierDown"]),
                    True,
                    int(f.get("avgPriceMins", 0)),
                )
            elif kind == "NOTIONAL":
                kw["notional"] = NotionalFilter(
                    _d(f["minNotional"]),
                    _d(f["maxNotional"]),
                    bool(f["applyMinToMarket"]),
                    bool(f["applyMaxToMarket"]),
                    legacy=False,
                )
            elif kind == "MIN_NOTIONAL":
                apply = bool(f.get("applyToMarket", True))
                kw["notional"] = NotionalFilter(_d(f["minNotional"]), ZERO, apply, False, True)
            elif kind == "MAX_NUM_ORDERS":
                kw["max_num_orders"] = int(f["maxNumOrders"])
            elif kind == "MAX_NUM_ALGO_ORDERS":
                kw["max_num_algo_orders"] = int(f["maxNumAlgoOrders"])
        return cls(
            symbol=str(raw["symbol"]),
            base_asset=str(raw["baseAsset"]),
            quote_asset=str(raw["quoteAsset"]),
            status=str(raw.get("status", "TRADING")),
            base_asset_precision=int(raw.get("baseAssetPrecision", 8)),
            quote_asset_precision=int(raw.get("quoteAssetPrecision", 8)),
            order_types=frozenset(raw.get("orderTypes", ALL_ORDER_TYPES)),
            quote_order_qty_market_allowed=bool(raw.get("quoteOrderQtyMarketAllowed", True)),
            filter_order=tuple(order),
            **kw,
        )


def rules_by_symbol(symbols: Sequence[Mapping[str, Any]]) -> dict[str, SymbolRules]:
    return {str(s["symbol"]): SymbolRules.from_exchange_info(s) for s in symbols}
