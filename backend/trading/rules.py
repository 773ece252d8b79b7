"""Binance spot symbol filters and order-parameter rules, as pure functions over Decimal.

Source: ../shared/binance/PROTOCOL.md §4 (filters), §5 (orders), §7 (codes and exact messages).
Filters are checked in the order the symbol lists them and the first failure is reported
(§4.1 recommendation), always as -1013 `Filter failure: <TYPE>`. Imports neither FastAPI nor
SQLAlchemy, so property tests and benches call it directly. The rules themselves (the parsed
exchangeInfo filters) are the market domain's (backend/market/filters.py); this module applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from enum import StrEnum
from typing import Any

# The parsed rules are the market domain's; re-exported (`X as X`) for the engine, tests, benches.
from backend.market.filters import ZERO as ZERO
from backend.market.filters import LotFilter as LotFilter
from backend.market.filters import NotionalFilter as NotionalFilter
from backend.market.filters import PercentPrice as PercentPrice
from backend.market.filters import PriceFilter as PriceFilter
from backend.market.filters import SymbolRules as SymbolRules
from backend.market.filters import is_multiple as is_multiple
from backend.market.filters import rules_by_symbol as rules_by_symbol


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
