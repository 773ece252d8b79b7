"""Order execution as pure computation: reservations, taker and maker fills, expiry.

The functions here change the in-memory order and record what the transaction must write in a
`Batch`: trade rows, balance movements (in the order they happen) and the user-stream events.
Nothing touches the database until `persist.write_batch` writes the whole batch in as few
statements as the dialect allows (one on PostgreSQL); the balance movements are applied there by
conditional updates, so a batch that would overdraw any balance changes nothing. Events are
serialized after the write (when the order and trade ids exist) and published after commit,
in the order they happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from backend import streams
from backend.bus import Bus
from backend.db import Tx
from backend.trading import events, ledger, rules
from backend.trading.depth import DepthBook, walk
from backend.trading.engine import BOOK_CHANNEL, TradingEngine, book_entry, book_event
from backend.trading.errors import OrderRejected
from backend.trading.models import Order, Trade
from backend.trading.pricing import taker_price
from backend.trading.rules import OrderType, RuleViolation, Side, SymbolRules


@dataclass(slots=True)
class Batch:
    """Everything one transaction does to one order: its trades, movements and events."""

    order: Order
    now: datetime
    trades: list[Trade] = field(default_factory=list)
    movements: list[ledger.Movement] = field(default_factory=list)
    _reports: list[tuple[dict[str, Any], Trade | None]] = field(default_factory=list)
    _book: bool = False
    # Whether the order rested in the index when the batch began (a new order never did): a
    # book event goes out only if it rested before or rests now.
    _was_indexed: bool = False

    def __post_init__(self) -> None:
        self._was_indexed = self.order.id is not None and book_entry(self.order) is not None

    def move(self, m: ledger.Movement) -> None:
        self.movements.append(m)

    def report(self, execution: str, trade: Trade | None = None) -> None:
        # The order's state now; its id (and the trade's) are filled in by `publish`.
        data = events.execution_report_data(
            self.order, execution=execution, now=self.now, trade=trade
        )
        self._reports.append((data, trade))

    def book(self) -> None:
        """The order's place in the resting-order index changed (rests, or left the book)."""
        self._book = True

    def publish(self, tx: Tx, bus: Bus, balances: dict[str, tuple[Decimal, Decimal]]) -> None:
        """Queue the events, in order, to go out after commit (ids are known now)."""
        user = streams.user_channel(self.order.user_id)
        for data, trade in self._reports:
            data["i"] = self.order.id
            if trade is not None:
                data["t"] = data["I"] = trade.id
            tx.on_commit(partial(bus.publish, user, streams.user_frame(data)))
        if balances:
            rows = [(a, f, lk) for a, (f, lk) in sorted(balances.items())]
            frame = events.account_position(rows, now=self.now)
            tx.on_commit(partial(bus.publish, user, frame))
        if self._book and (self._was_indexed or book_entry(self.order) is not None):
            tx.on_commit(partial(bus.publish, BOOK_CHANNEL, book_event(self.order)))


def reject(code: int, msg: str) -> OrderRejected:
    return OrderRejected.from_violation(RuleViolation(code, msg))


def execute_market(
    engine: TradingEngine, r: SymbolRules, batch: Batch, last: Decimal | None
) -> None:
    order = batch.order
    book = engine.depth.get(order.symbol, engine.config.depth_max_age_s)
    if book is not None:  # a fresh streamed book: walk it (else the spread and impact model)
        execute_on_book(engine, r, batch, book)
        return
    if last is None:
        raise reject(-2010, rules.MSG_NO_LIQUIDITY)  # no market price yet: an empty book
    side = Side(order.side)
    avg = engine.prices.avg_qty.get(order.symbol)
    qty = order.quantity
    if order.quote_quantity is not None:
        estimate = taker_price(engine.config.model, side, last, Decimal(0), avg, r.tick_size)
        qty = rules.quantity_for_quote(order.quote_quantity, estimate, r.step_size)
        order.quantity = qty
        lot_ok = (r.lot_size is None or r.lot_size.ok(qty)) and qty > 0
        if not lot_ok or (r.market_lot_size is not None and not r.market_lot_size.ok(qty)):
            raise reject(-2010, rules.MSG_NO_LIQUIDITY)
    price = taker_price(engine.config.model, side, last, qty, avg, r.tick_size)
    if order.quote_quantity is not None and side is Side.BUY:
        # the impact on the real size may lift the price: never spend more than asked
        qty = rules.floor_to_step(order.quote_quantity / price, r.step_size)
        order.quantity = qty
        if qty <= 0 or (r.lot_size is not None and not r.lot_size.ok(qty)):
            raise reject(-2010, rules.MSG_NO_LIQUIDITY)
    batch.report("NEW")
    fill(engine, batch, price, qty, taker_source(batch), maker=False)


def execute_on_book(engine: TradingEngine, r: SymbolRules, batch: Batch, book: DepthBook) -> None:
    """Walk the streamed book like Binance: one fill per level; what the book cannot fill
    expires (EXPIRED, INSUFFICIENT_LIQUIDITY). PROTOCOL.md §5.6."""
    order = batch.order
    side = Side(order.side)
    if order.quote_quantity is not None:
        w = walk(book, side, quote_qty=order.quote_quantity, step=r.step_size)
        qty = w.executed_qty
        unfilled = Decimal(0)  # base the rest of the quote amount would have bought/sold
        if w.exhausted and w.fills:
            unfilled = rules.floor_to_step(
                (w.remaining_quote or 0) / w.fills[-1].price, r.step_size
            )
        order.quantity = qty + unfilled
        lot_ok = qty > 0 and (r.lot_size is None or r.lot_size.ok(qty))
        if not lot_ok or (r.market_lot_size is not None and not r.market_lot_size.ok(qty)):
            raise reject(-2010, rules.MSG_NO_LIQUIDITY)
    else:
        w = walk(book, side, qty=order.quantity)
    if not w.fills:
        raise reject(-2010, rules.MSG_NO_LIQUIDITY)  # that side of the book is empty
    batch.report("NEW")
    for i, level in enumerate(w.fills):
        last_level = i == len(w.fills) - 1
        fill(engine, batch, level.price, level.qty, taker_source(batch), False, final=last_level)


def taker_source(batch: Batch) -> str:
    """The key of a taker fill: unique per order (with the order id, the trades' unique key)."""
    return f"taker:{len(batch.trades) + 1}"


def execute_limit(
    engine: TradingEngine, r: SymbolRules, batch: Batch, last: Decimal | None
) -> None:
    order = batch.order
    assert order.price is not None
    side = Side(order.side)
    taker = crossing_price(engine, r, order, last)
    if order.type == OrderType.LIMIT_MAKER and taker is not None:
        raise reject(-2010, rules.MSG_WOULD_TAKE)
    reserve = ledger.reserve(side, order.base_asset, order.quote_asset, order.price, order.quantity)
    batch.move(reserve)
    order.reserved_price = order.price
    batch.report("NEW")
    if order.is_working:
        work_limit(engine, batch, taker)
    else:
        batch.book()


def crossing_price(
    engine: TradingEngine, r: SymbolRules, order: Order, last: Decimal | None
) -> Decimal | None:
    """The taker price if a working limit order would trade at once, else None."""
    if last is None or order.price is None:
        return None
    side = Side(order.side)
    avg = engine.prices.avg_qty.get(order.symbol)
    price = taker_price(engine.config.model, side, last, order.remaining, avg, r.tick_size)
    crosses = order.price >= price if side is Side.BUY else order.price <= price
    return price if crosses else None


def work_limit(engine: TradingEngine, batch: Batch, taker: Decimal | None) -> None:
    """A working limit order: fill at once if it crosses, else rest (GTC) or expire (IOC/FOK)."""
    order = batch.order
    if taker is not None:
        # the model has depth for the whole remainder at `taker`, so FOK fills entirely
        fill(engine, batch, taker, order.remaining, taker_source(batch), maker=False)
        return
    tif = order.time_in_force or "GTC"
    if tif == "GTC":
        batch.book()
        return
    order.expiry_reason = (
        "UNFILLED_FOK_ORDER_EXPIRED" if tif == "FOK" else "UNFILLED_IOC_QUANTITY_EXPIRED"
    )
    close(batch, "EXPIRED")


def fill(
    engine: TradingEngine,
    batch: Batch,
    price: Decimal,
    qty: Decimal,
    source_trade_id: str,
    maker: bool,
    final: bool = True,
) -> None:
    order = batch.order
    fee_rate = engine.config.maker_fee if maker else engine.config.taker_fee
    s = ledger.settle_fill(
        side=Side(order.side),
        base=order.base_asset,
        quote=order.quote_asset,
        price=price,
        qty=qty,
        fee_rate=fee_rate,
        reserved_price=order.reserved_price,
    )
    trade = Trade(
        user_id=order.user_id,
        period=order.period,
        symbol=order.symbol,
        side=order.side,
        price=price,
        qty=qty,
        quote_qty=s.quote_qty,
        fee=s.fee,
        fee_asset=s.fee_asset,
        is_maker=maker,
        source_trade_id=source_trade_id,
        created_at=batch.now,
    )
    batch.trades.append(trade)
    order.executed_qty += qty
    order.cumulative_quote_qty += s.quote_qty
    order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
    order.updated_at = batch.now
    for m in s.movements:
        batch.move(m)
    batch.report("TRADE", trade)
    if order.status == "FILLED":
        batch.book()  # a remove: it may have rested in the index
    elif order.type == OrderType.MARKET and final:  # more levels to come unless final
        order.expiry_reason = "INSUFFICIENT_LIQUIDITY"
        close(batch, "EXPIRED")


def close(batch: Batch, status: str) -> None:
    """End an open order (cancel/expiry): release what its remainder reserved."""
    order = batch.order
    if order.reserved_price is not None and order.remaining > 0:
        batch.move(
            ledger.release(
                Side(order.side),
                order.base_asset,
                order.quote_asset,
                order.reserved_price,
                order.remaining,
            )
        )
    order.status = status
    order.updated_at = batch.now
    batch.report(status)
    batch.book()
