"""Binance spot symbol filters and order-parameter rules, as pure functions over Decimal.

Source: ../shared/binance/PROTOCOL.md §4 (filters), §5 (orders), §7 (codes and exact messages).
Filters are checked in the order the symbol lists them and the first failure is reported
(§4.1 recommendation), always as -1013 `Filter failure: <TYPE>`. Imports neither FastAPI nor
SQLAlchemy, so property tests and benches call it directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


STOP_TYPES = frozenset({OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT})
TIF_TYPES = frozenset({OrderType.LIMIT, *STOP_TYPES})

# Exact engine strings (PROTOCOL.md §7.4)
MSG_INSUFFICIENT = "Account has insufficient balance for requested action."
MSG_WOULD_TAKE = "Order would immediately match and take."
MSG_WOULD_TRIGGER = "Order would trigger immediately."
MSG_UNKNOWN_ORDER = "Unknown order sent."
MSG_NO_SUCH_ORDER = "Order does not exist."
MSG_MARKET_CLOSED = "Market is closed."
MSG_QUOTE_QTY_NOT_ALLOWED = "Quote order qty market orders are not support for this symbol."  # sic
MSG_NO_LIQUIDITY = "Order book liquidity is less than symbol minimum quantity."
MSG_INVALID_SYMBOL = "Invalid symbol."

_TYPE_NOT_SUPPORTED = {
    OrderType.MARKET: "Market orders are not supported for this symbol.",
    OrderType.STOP_LOSS_LIMIT: "Stop loss limit orders are not supported for this symbol.",
    OrderType.TAKE_PROFIT_LIMIT: "Take profit limit orders are not supported for this symbol.",
    OrderType.LIMIT: "Unsupported order combination",
    OrderType.LIMIT_MAKER: "Unsupported order combination",
}


class RuleViolation(Exception):
    """A Binance rejection: numeric `code` (-1013, -2010, ...) and its exact `msg`."""

    def __init__(self, code: int, msg: str, *, filter_type: str | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.filter_type = filter_type


def filter_failure(filter_type: str) -> RuleViolation:
    return RuleViolation(-1013, f"Filter failure: {filter_type}", filter_type=filter_type)


def mandatory(param: str) -> RuleViolation:
    return RuleViolation(
        -1102, f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed."
    )


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """`value % step == 0` in exact decimal arithmetic (§4.1); step 0 means the test is off."""
    return step == ZERO or value % step == ZERO


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of `step` not above `value` (quantities are never rounded up)."""
    if step == ZERO:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def round_to_tick(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    """A price on the tick grid; `up` for a buyer's fill price (never better than the model)."""
    if tick == ZERO:
        return price
    mode = ROUND_UP if up else ROUND_DOWN
    return (price / tick).to_integral_value(rounding=mode) * tick


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

    def ok(self, side: Side, price: Decimal, ref: Decimal) -> bool:
        up, down = (
            (self.bid_up, self.bid_down) if side is Side.BUY else (self.ask_up, self.ask_down)
        )
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
    order_types: frozenset[str] = frozenset(t.value for t in OrderType)
    quote_order_qty_market_allowed: bool = True
    price_filter: PriceFilter | None = None
    lot_size: LotFilter | None = None
    market_lot_size: LotFilter | None = None
    percent_price: PercentPrice | None = None
    notional: NotionalFilter | None = None
    max_num_orders: int | None = None
    max_num_algo_orders: int | None = None
    filter_order: tuple[str, ...] = field(default=())

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
                kw["percent_price"] = PercentPrice(up, down, up, down, by_side=False)
            elif kind == "PERCENT_PRICE_BY_SIDE":
                kw["percent_price"] = PercentPrice(
                    _d(f["bidMultiplierUp"]),
                    _d(f["bidMultiplierDown"]),
                    _d(f["askMultiplierUp"]),
                    _d(f["askMultiplierDown"]),
                    by_side=True,
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
            order_types=frozenset(raw.get("orderTypes", [t.value for t in OrderType])),
            quote_order_qty_market_allowed=bool(raw.get("quoteOrderQtyMarketAllowed", True)),
            filter_order=tuple(order),
            **kw,
        )


@dataclass(frozen=True, slots=True)
class OrderRequest:
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None


def check_parameters(rules: SymbolRules, req: OrderRequest) -> None:
    """Mandatory/superfluous parameters and type support (-1102, -1106, -2010), §5.2 and §7.6."""
    if rules.status != "TRADING":
        raise RuleViolation(-2010, MSG_MARKET_CLOSED)
    if req.type.value not in rules.order_types:
        raise RuleViolation(-2010, _TYPE_NOT_SUPPORTED[req.type])
    if req.type is OrderType.MARKET:
        if req.quantity is None and req.quote_quantity is None:
            raise RuleViolation(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if req.quantity is not None and req.quote_quantity is not None:
            raise RuleViolation(-1106, "Parameter 'quoteOrderQty' sent when not required.")
        if req.quote_quantity is not None and not rules.quote_order_qty_market_allowed:
            raise RuleViolation(-2010, MSG_QUOTE_QTY_NOT_ALLOWED)
        for name, value in (("price", req.price), ("stopPrice", req.stop_price)):
            if value is not None:
                raise RuleViolation(-1106, f"Parameter '{name}' sent when not required.")
        if req.time_in_force is not None:
            raise RuleViolation(-1114, "TimeInForce parameter sent when not required.")
        return
    if req.quote_quantity is not None:
        raise RuleViolation(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    if req.quantity is None:
        raise mandatory("quantity")
    if req.price is None:
        raise mandatory("price")
    if req.type in TIF_TYPES and req.time_in_force is None:
        raise mandatory("timeInForce")
    if req.type is OrderType.LIMIT_MAKER and req.time_in_force is not None:
        raise RuleViolation(-1114, "TimeInForce parameter sent when not required.")
    if req.type in STOP_TYPES:
        if req.stop_price is None:
            raise mandatory("stopPrice")
    elif req.stop_price is not None:
        raise RuleViolation(-1106, "Parameter 'stopPrice' sent when not required.")
    if req.quantity <= ZERO or req.price <= ZERO:
        raise RuleViolation(-2010, "Price * QTY is zero or less.")


def check_filters(
    rules: SymbolRules,
    req: OrderRequest,
    *,
    ref_price: Decimal | None,
    open_orders: int = 0,
    open_algo_orders: int = 0,
) -> None:
    """Every symbol filter in the symbol's own order; raises the first failure as -1013.

    `ref_price` is the reference price of §4.2 (the engine passes the last trade price); without
    one the percent-price test is skipped and a MARKET order's notional is not tested.
    For a MARKET order by quote quantity the notional is the quote quantity itself.
    """
    counts = (open_orders, open_algo_orders)
    for kind in rules.filter_order or _DEFAULT_ORDER:
        if not _passes(kind, rules, req, ref_price, counts):
            raise filter_failure(kind)


def _passes(
    kind: str,
    rules: SymbolRules,
    req: OrderRequest,
    ref: Decimal | None,
    counts: tuple[int, int],
) -> bool:
    market = req.type is OrderType.MARKET
    if kind == "PRICE_FILTER" and rules.price_filter and not market:
        assert req.price is not None
        stop_ok = req.stop_price is None or rules.price_filter.ok(req.stop_price)
        return rules.price_filter.ok(req.price) and stop_ok
    if kind == "LOT_SIZE" and rules.lot_size and req.quantity is not None:
        return rules.lot_size.ok(req.quantity)
    if kind == "MARKET_LOT_SIZE" and rules.market_lot_size and market and req.quantity is not None:
        return rules.market_lot_size.ok(req.quantity)
    if kind in _PERCENT and rules.percent_price and not market and ref is not None:
        assert req.price is not None
        return rules.percent_price.ok(req.side, req.price, ref)
    if kind in _NOTIONAL and rules.notional:
        notional = _notional(req, ref)
        return notional is None or rules.notional.ok(notional, market=market)
    if kind == "MAX_NUM_ORDERS" and rules.max_num_orders is not None:
        return counts[0] + 1 <= rules.max_num_orders
    if kind == "MAX_NUM_ALGO_ORDERS" and rules.max_num_algo_orders is not None:
        return req.type not in STOP_TYPES or counts[1] + 1 <= rules.max_num_algo_orders
    return True


_PERCENT = frozenset({"PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE"})
_NOTIONAL = frozenset({"NOTIONAL", "MIN_NOTIONAL"})
_DEFAULT_ORDER = (
    "PRICE_FILTER",
    "LOT_SIZE",
    "MARKET_LOT_SIZE",
    "PERCENT_PRICE_BY_SIDE",
    "NOTIONAL",
    "MAX_NUM_ORDERS",
    "MAX_NUM_ALGO_ORDERS",
)


def _notional(req: OrderRequest, ref_price: Decimal | None) -> Decimal | None:
    if req.type is OrderType.MARKET:
        if req.quote_quantity is not None:
            return req.quote_quantity
        if ref_price is None or req.quantity is None:
            return None
        return ref_price * req.quantity
    assert req.price is not None and req.quantity is not None
    return req.price * req.quantity


def stop_triggers(side: Side, type_: OrderType, stop: Decimal, last: Decimal) -> bool:
    """§5.5: STOP_LOSS SELL / TAKE_PROFIT BUY fire when last <= stop; the other two when >=."""
    falls = (type_ is OrderType.STOP_LOSS_LIMIT) == (side is Side.SELL)
    return last <= stop if falls else last >= stop


def trigger_when_below(side: Side, type_: OrderType) -> bool:
    """True when the stop fires on a price at or below it (the index side it rests on)."""
    return (type_ is OrderType.STOP_LOSS_LIMIT) == (side is Side.SELL)


def check_stop_placement(req: OrderRequest, last: Decimal | None) -> None:
    """A stop on the wrong side of the last price would trigger at once: -2010 (§5.5)."""
    if req.type in STOP_TYPES and last is not None:
        assert req.stop_price is not None
        if stop_triggers(req.side, req.type, req.stop_price, last):
            raise RuleViolation(-2010, MSG_WOULD_TRIGGER)


def quantity_for_quote(quote: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """§5.6: the base quantity whose notional comes closest to `quote` without exceeding it,
    on the LOT_SIZE step (rounded down so a BUY never spends more than it asked)."""
    if price <= ZERO:
        return ZERO
    return floor_to_step(quote / price, step)


def validate(
    rules: SymbolRules,
    req: OrderRequest,
    *,
    ref_price: Decimal | None,
    last_price: Decimal | None,
    open_orders: int = 0,
    open_algo_orders: int = 0,
) -> None:
    """§7.6 validation order: parameters, filters, open-order counts, stop placement."""
    check_parameters(rules, req)
    check_filters(
        rules,
        req,
        ref_price=ref_price,
        open_orders=open_orders,
        open_algo_orders=open_algo_orders,
    )
    check_stop_placement(req, last_price)


def rules_by_symbol(symbols: Sequence[Mapping[str, Any]]) -> dict[str, SymbolRules]:
    return {str(s["symbol"]): SymbolRules.from_exchange_info(s) for s in symbols}
