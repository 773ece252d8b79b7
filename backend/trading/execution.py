"""Order execution inside one transaction: reservations, taker and maker fills, expiry.

Every balance change goes through `Fills.move` (BalanceRepository.apply: a conditional update);
one fill = one trade row + both balance movements + the order update; the user-stream events and
index updates are queued with `tx.on_commit`, in the order they happened.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial

from backend.bus import Bus
from backend.db import Tx
from backend.trading import events, ledger, rules
from backend.trading.engine import BOOK_CHANNEL, TradingEngine, book_event
from backend.trading.errors import LedgerError, OrderRejected
from backend.trading.models import Order, Trade
from backend.trading.pricing import taker_price
from backend.trading.repository import BalanceRepository, TradeRepository
from backend.trading.rules import OrderType, RuleViolation, Side, SymbolRules


class Fills:
    """Collects the events of one transaction so they publish in order after commit."""

    def __init__(self, tx: Tx, bus: Bus, user_id: int, now: datetime) -> None:
        self.tx, self.bus, self.user_id, self.now = tx, bus, user_id, now
        self.changed: dict[str, tuple[Decimal, Decimal]] = {}

    async def move(self, account_id: int, m: ledger.Movement) -> bool:
        """Apply one movement (conditional update); remember the new balance for the event."""
        new = await BalanceRepository(self.tx.session).apply(account_id, m)
        if new is None:
            return False
        self.changed[m.asset] = new
        return True

    def position(self) -> None:
        """Queue one outboundAccountPosition with the assets this transaction changed."""
        if self.changed:
            rows = [(a, f, lk) for a, (f, lk) in sorted(self.changed.items())]
            frame = events.account_position(rows, now=self.now)
            self.tx.on_commit(partial(self.bus.publish, events.channel(self.user_id), frame))

    def report(self, order: Order, execution: str, trade: Trade | None = None) -> None:
        frame = events.execution_report(order, execution=execution, now=self.now, trade=trade)
        self.tx.on_commit(partial(self.bus.publish, events.channel(self.user_id), frame))

    def book(self, order: Order) -> None:
        self.tx.on_commit(partial(self.bus.publish, BOOK_CHANNEL, book_event(order)))


def reject(code: int, msg: str) -> OrderRejected:
    return OrderRejected.from_violation(RuleViolation(code, msg))


async def execute_market(
    tx: Tx,
    engine: TradingEngine,
    r: SymbolRules,
    account_id: int,
    order: Order,
    fills: Fills,
    last: Decimal | None,
) -> None:
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
    fills.report(order, "NEW")
    await fill(tx, engine, account_id, order, fills, price, qty, f"taker:{order.id}", maker=False)


async def execute_limit(
    tx: Tx,
    engine: TradingEngine,
    r: SymbolRules,
    account_id: int,
    order: Order,
    fills: Fills,
    last: Decimal | None,
) -> None:
    assert order.price is not None
    side = Side(order.side)
    taker = crossing_price(engine, r, order, last)
    if order.type == OrderType.LIMIT_MAKER and taker is not None:
        raise reject(-2010, rules.MSG_WOULD_TAKE)
    reserve = ledger.reserve(side, order.base_asset, order.quote_asset, order.price, order.quantity)
    if not await fills.move(account_id, reserve):
        raise reject(-2010, rules.MSG_INSUFFICIENT)
    order.reserved_price = order.price
    fills.report(order, "NEW")
    if order.is_working:
        await work_limit(tx, engine, account_id, order, fills, taker)
    else:
        fills.book(order)


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


async def work_limit(
    tx: Tx,
    engine: TradingEngine,
    account_id: int,
    order: Order,
    fills: Fills,
    taker: Decimal | None,
) -> None:
    """A working limit order: fill at once if it crosses, else rest (GTC) or expire (IOC/FOK)."""
    if taker is not None:
        # the model has depth for the whole remainder at `taker`, so FOK fills entirely
        source = f"taker:{order.id}"
        await fill(tx, engine, account_id, order, fills, taker, order.remaining, source, False)
        return
    tif = order.time_in_force or "GTC"
    if tif == "GTC":
        fills.book(order)
        return
    order.expiry_reason = (
        "UNFILLED_FOK_ORDER_EXPIRED" if tif == "FOK" else "UNFILLED_IOC_QUANTITY_EXPIRED"
    )
    await close(tx, account_id, order, "EXPIRED", fills)


async def fill(
    tx: Tx,
    engine: TradingEngine,
    account_id: int,
    order: Order,
    fills: Fills,
    price: Decimal,
    qty: Decimal,
    source_trade_id: str,
    maker: bool,
) -> None:
    side = Side(order.side)
    fee_rate = engine.config.maker_fee if maker else engine.config.taker_fee
    s = ledger.settle_fill(
        side=side,
        base=order.base_asset,
        quote=order.quote_asset,
        price=price,
        qty=qty,
        fee_rate=fee_rate,
        reserved_price=order.reserved_price,
    )
    trade = Trade(
        order_id=order.id,
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
        created_at=fills.now,
    )
    order.executed_qty += qty
    order.cumulative_quote_qty += s.quote_qty
    order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
    order.updated_at = fills.now
    await TradeRepository(tx.session).add(trade)  # flushes the order update with it
    # Balances last: their row locks are then held only for the shortest time before commit.
    for m in ledger.merge(s.movements):
        if not await fills.move(account_id, m):
            if order.reserved_price is None:
                raise reject(-2010, rules.MSG_INSUFFICIENT)  # a MARKET order pays from free
            raise LedgerError(f"reserved funds missing for order {order.id}")
    fills.report(order, "TRADE", trade)
    if order.status == "FILLED":
        fills.book(order)  # a remove: it may have rested in the index
    elif order.type == OrderType.MARKET:
        order.expiry_reason = "INSUFFICIENT_LIQUIDITY"
        await close(tx, account_id, order, "EXPIRED", fills)


async def close(tx: Tx, account_id: int, order: Order, status: str, fills: Fills) -> None:
    """End an open order (cancel/expiry): release what its remainder reserved."""
    if order.reserved_price is not None and order.remaining > 0:
        back = ledger.release(
            Side(order.side),
            order.base_asset,
            order.quote_asset,
            order.reserved_price,
            order.remaining,
        )
        if not await fills.move(account_id, back):
            raise LedgerError(f"locked funds missing for order {order.id}")
    order.status = status
    order.updated_at = fills.now
    fills.report(order, status)
    fills.book(order)
