"""The trading engine's in-memory state: symbol rules (read from the market domain), last prices,
the resting-order index.

One `TradingEngine` per process lives on the runtime (`Runtime.trading`, runtime.py).
Prices come from the market trade stream on the bus; the index is fed by `trading:book` events
that order writes publish after commit, so it works the same with MemoryBus and RedisBus.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from backend.trading.depth import DEFAULT_MAX_AGE_S, DepthBooks
from backend.trading.errors import InvalidSymbol
from backend.trading.matching import Book, OrderIndex
from backend.trading.models import Order
from backend.trading.pricing import MarketModel, ewma
from backend.trading.rules import OrderType, Side, SymbolRules, trigger_when_below

BOOK_CHANNEL = "trading:book"


@dataclass(frozen=True, slots=True)
class TradingConfig:
    start_balance: Decimal = Decimal("10000")
    quote_asset: str = "USDT"
    taker_fee: Decimal = Decimal("0.001")
    maker_fee: Decimal = Decimal("0.001")
    model: MarketModel = field(default_factory=MarketModel)
    depth_levels: int = 20  # MARKET_DEPTH_LEVELS: the book DepthFeed follows (0: none)
    depth_max_age_s: float = DEFAULT_MAX_AGE_S  # TRADING_DEPTH_MAX_AGE_S


@dataclass(frozen=True, slots=True)
class Tick:
    """One market trade: the unit the matcher consumes (hot path: frozen, slotted)."""

    symbol: str
    price: Decimal
    qty: Decimal | None
    trade_id: str
    at: datetime


class PriceBook:
    """Last trade price and an EWMA of trade sizes per symbol (the impact model's input)."""

    __slots__ = ("avg_qty", "last")

    def __init__(self) -> None:
        self.last: dict[str, Decimal] = {}
        self.avg_qty: dict[str, Decimal] = {}

    def update(self, symbol: str, price: Decimal, qty: Decimal | None) -> None:
        self.last[symbol] = price
        if qty is not None and qty > 0:
            self.avg_qty[symbol] = ewma(self.avg_qty.get(symbol), qty)


class TradingEngine:
    """`rules` is the market domain's parsed symbol rules (`Runtime.symbols`, market/rulebook.py:
    the same object `/market/symbols` serves, updated in place when the exchangeInfo changes),
    or a plain mapping in pure tests and benches."""

    def __init__(self, config: TradingConfig, rules: Mapping[str, SymbolRules]) -> None:
        self.config = config
        self.rules = rules
        self.prices = PriceBook()
        self.index = OrderIndex()
        self.depth = DepthBooks()  # the streamed partial book per symbol (trading/depth.py)

    def rules_for(self, symbol: str) -> SymbolRules:
        rules = self.rules.get(symbol)
        if rules is None:
            raise InvalidSymbol(symbol)
        return rules

    def on_book_event(self, _channel: str, data: bytes) -> None:
        msg = json.loads(data)
        if msg["op"] == "remove":
            self.index.remove(int(msg["id"]))
        else:
            self.index.add(msg["symbol"], int(msg["id"]), Book(msg["book"]), Decimal(msg["price"]))

    def on_trade_event(self, _channel: str, data: bytes) -> Tick | None:
        tick = parse_trade(data)
        if tick is not None:
            self.prices.update(tick.symbol, tick.price, tick.qty)
        return tick


def book_entry(order: Order) -> tuple[Book, Decimal] | None:
    """Where an open order rests in the index: limits on price, untriggered stops on stop."""
    if not order.is_open:
        return None
    side = Side(order.side)
    if not order.is_working:
        assert order.stop_price is not None
        below = trigger_when_below(side, OrderType(order.type))
        return (Book.STOP_BELOW if below else Book.STOP_ABOVE), order.stop_price
    if order.price is None:
        return None
    return (Book.BUY_LIMIT if side is Side.BUY else Book.SELL_LIMIT), order.price


def book_event(order: Order) -> bytes:
    entry = book_entry(order)
    if entry is None:
        return json.dumps({"op": "remove", "id": order.id}).encode()
    book, price = entry
    return json.dumps(
        {
            "op": "add",
            "id": order.id,
            "symbol": order.symbol,
            "book": int(book),
            "price": str(price),
        }
    ).encode()


def parse_trade(data: bytes) -> Tick | None:
    """A `<sym>@trade` bus payload `{"stream", "data": <Binance trade event>, "source"}`."""
    try:
        msg: dict[str, Any] = json.loads(data)
        ev = msg.get("data", msg)
        at = datetime.fromtimestamp(int(ev.get("T") or ev.get("E")) / 1000, UTC)
        qty = Decimal(ev["q"]) if ev.get("q") is not None else None
        tid = f"{msg.get('source', 'm')}:{ev['t']}"
        return Tick(str(ev["s"]).upper(), Decimal(ev["p"]), qty, tid, at)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None
