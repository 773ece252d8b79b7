"""Order service: place (with immediate taker fills), cancel, and fills from the market stream.

Every write takes `serialize_writers` on the account first (repository.py explains why), then
changes balances only through `BalanceRepository.apply` (conditional updates). One fill = one
trade row + both balance movements + the order update, in the caller's transaction; bus events
(executionReport, outboundAccountPosition, index updates) are queued with `tx.on_commit`.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from backend.bus import Bus
from backend.db import Tx
from backend.trading import events, ledger, rules
from backend.trading.account import ensure_account
from backend.trading.engine import BOOK_CHANNEL, Tick, TradingEngine, book_event
from backend.trading.errors import LedgerError, OrderNotCancelable, OrderNotFound, OrderRejected
from backend.trading.matching import fill_quantity
from backend.trading.models import Order, Trade
from backend.trading.pricing import taker_price
from backend.trading.repository import (
    AccountRepository,
    BalanceRepository,
    MarkRepository,
    OrderRepository,
    TradeRepository,
)
from backend.trading.rules import (
    STOP_TYPES,
    OrderType,
    RuleViolation,
    Side,
    SymbolRules,
    TimeInForce,
)

_ALPHABET = string.ascii_letters + string.digits


def new_client_order_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(22))  # like Binance's 22 chars


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = None


class _Fills:
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


def _reject(code: int, msg: str) -> OrderRejected:
    return OrderRejected.from_violation(RuleViolation(code, msg))


async def place_order(
    tx: Tx, bus: Bus, engine: TradingEngine, user_id: int, cmd: PlaceOrder, now: datetime
) -> Order:
    """Validate under Binance's rules, reserve or pay, fill what crosses, rest the remainder.

    Idempotent on (user, client_order_id): a repeat returns the first order, never a second.
    """
    symbol_rules = engine.rules_for(cmd.symbol)
    orders = OrderRepository(tx.session)
    if cmd.client_order_id is not None:
        existing = await orders.by_client_id(user_id, cmd.client_order_id)
        if existing is not None:
            return existing
    account_id, period = await _lock_account(tx, engine, user_id, now)
    req = rules.OrderRequest(
        cmd.side,
        cmd.type,
        cmd.quantity,
        cmd.quote_quantity,
        cmd.price,
        cmd.stop_price,
        cmd.time_in_force,
    )
    last = engine.prices.last.get(cmd.symbol)
    open_n, algo_n = await orders.count_open(user_id, cmd.symbol)
    try:
        rules.validate(
            symbol_rules,
            req,
            ref_price=last,
            last_price=last,
            open_orders=open_n,
            open_algo_orders=algo_n,
        )
    except RuleViolation as exc:
        raise OrderRejected.from_violation(exc) from exc
    order = _new_order(cmd, symbol_rules, user_id, period, now)
    if not await orders.insert_unique(order, may_exist=cmd.client_order_id is not None):
        assert cmd.client_order_id is not None
        first = await orders.by_client_id(user_id, cmd.client_order_id)
        assert first is not None
        return first
    fills = _Fills(tx, bus, user_id, now)
    if cmd.type is OrderType.MARKET:
        await _execute_market(tx, engine, symbol_rules, account_id, order, fills, last)
    else:
        await _execute_limit(tx, engine, symbol_rules, account_id, order, fills, last)
    await tx.session.flush()
    fills.position()
    return order


async def _lock_account(
    tx: Tx, engine: TradingEngine, user_id: int, now: datetime
) -> tuple[int, int]:
    """(account id, period) under `serialize_writers`, creating the account on first use."""
    accounts = AccountRepository(tx.session)
    locked = await accounts.lock_for_user(user_id)
    if locked is None:
        await ensure_account(tx, engine, user_id, now)
        locked = await accounts.lock_for_user(user_id)
        assert locked is not None
    return locked


def _new_order(cmd: PlaceOrder, r: SymbolRules, user_id: int, period: int, now: datetime) -> Order:
    return Order(
        user_id=user_id,
        period=period,
        client_order_id=cmd.client_order_id or new_client_order_id(),
        symbol=cmd.symbol,
        base_asset=r.base_asset,
        quote_asset=r.quote_asset,
        side=cmd.side.value,
        type=cmd.type.value,
        time_in_force=cmd.time_in_force.value if cmd.time_in_force else None,
        status="NEW",
        price=cmd.price,
        stop_price=cmd.stop_price,
        quantity=cmd.quantity or Decimal(0),
        quote_quantity=cmd.quote_quantity,
        executed_qty=Decimal(0),
        cumulative_quote_qty=Decimal(0),
        reserved_price=None,
        is_working=cmd.type not in STOP_TYPES,
        created_at=now,
        updated_at=now,
        working_at=now if cmd.type not in STOP_TYPES else None,
    )


async def _execute_market(
    tx: Tx,
    engine: TradingEngine,
    r: SymbolRules,
    account_id: int,
    order: Order,
    fills: _Fills,
    last: Decimal | None,
) -> None:
    if last is None:
        raise _reject(-2010, rules.MSG_NO_LIQUIDITY)  # no market price yet: an empty book
    side = Side(order.side)
    avg = engine.prices.avg_qty.get(order.symbol)
    qty = order.quantity
    if order.quote_quantity is not None:
        estimate = taker_price(engine.config.model, side, last, Decimal(0), avg, r.tick_size)
        qty = rules.quantity_for_quote(order.quote_quantity, estimate, r.step_size)
        order.quantity = qty
        lot_ok = (r.lot_size is None or r.lot_size.ok(qty)) and qty > 0
        if not lot_ok or (r.market_lot_size is not None and not r.market_lot_size.ok(qty)):
            raise _reject(-2010, rules.MSG_NO_LIQUIDITY)
    price = taker_price(engine.config.model, side, last, qty, avg, r.tick_size)
    if order.quote_quantity is not None and side is Side.BUY:
        # the impact on the real size may lift the price: never spend more than asked
        qty = rules.floor_to_step(order.quote_quantity / price, r.step_size)
        order.quantity = qty
    fills.report(order, "NEW")
    await _fill(tx, engine, account_id, order, fills, price, qty, f"taker:{order.id}", maker=False)


async def _execute_limit(
    tx: Tx,
    engine: TradingEngine,
    r: SymbolRules,
    account_id: int,
    order: Order,
    fills: _Fills,
    last: Decimal | None,
) -> None:
    assert order.price is not None
    side = Side(order.side)
    taker = _crossing_price(engine, r, order, last)
    if order.type == OrderType.LIMIT_MAKER and taker is not None:
        raise _reject(-2010, rules.MSG_WOULD_TAKE)
    reserve = ledger.reserve(side, order.base_asset, order.quote_asset, order.price, order.quantity)
    if not await fills.move(account_id, reserve):
        raise _reject(-2010, rules.MSG_INSUFFICIENT)
    order.reserved_price = order.price
    fills.report(order, "NEW")
    if order.is_working:
        await work_limit(tx, engine, account_id, order, fills, taker)
    else:
        fills.book(order)


def _crossing_price(
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
    fills: _Fills,
    taker: Decimal | None,
) -> None:
    """A working limit order: fill at once if it crosses, else rest (GTC) or expire (IOC/FOK)."""
    if taker is not None:
        # the model has depth for the whole remainder at `taker`, so FOK fills entirely
        source = f"taker:{order.id}"
        await _fill(tx, engine, account_id, order, fills, taker, order.remaining, source, False)
        return
    tif = order.time_in_force or "GTC"
    if tif == "GTC":
        fills.book(order)
        return
    order.expiry_reason = (
        "UNFILLED_FOK_ORDER_EXPIRED" if tif == "FOK" else "UNFILLED_IOC_QUANTITY_EXPIRED"
    )
    await _close(tx, account_id, order, "EXPIRED", fills)


async def _fill(
    tx: Tx,
    engine: TradingEngine,
    account_id: int,
    order: Order,
    fills: _Fills,
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
                raise _reject(-2010, rules.MSG_INSUFFICIENT)  # a MARKET order pays from free
            raise LedgerError(f"reserved funds missing for order {order.id}")
    fills.report(order, "TRADE", trade)
    if order.status == "FILLED":
        fills.book(order)  # a remove: it may have rested in the index
    elif order.type == OrderType.MARKET:
        order.expiry_reason = "INSUFFICIENT_LIQUIDITY"
        await _close(tx, account_id, order, "EXPIRED", fills)


async def _close(tx: Tx, account_id: int, order: Order, status: str, fills: _Fills) -> None:
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


async def cancel_order(
    tx: Tx, bus: Bus, engine: TradingEngine, user_id: int, order_id: int, now: datetime
) -> Order:
    """Cancel an open order of this user; someone else's order is 404 like a missing one."""
    account_id, _ = await _lock_account(tx, engine, user_id, now)
    order = await OrderRepository(tx.session).get_for_update(order_id, owner_id=user_id)
    if order is None:
        raise OrderNotFound(order_id)
    if not order.is_open:
        raise OrderNotCancelable(order.status)
    fills = _Fills(tx, bus, user_id, now)
    await _close(tx, account_id, order, "CANCELED", fills)
    await tx.session.flush()
    fills.position()
    return order


async def on_market_tick(
    tx: Tx, bus: Bus, engine: TradingEngine, order_id: int, tick: Tick
) -> Order | None:
    """Apply one market trade to one indexed order: a maker fill, or a stop trigger.

    Idempotent per (order, market trade id); an order canceled meanwhile is left alone.
    Returns the order if it is still open afterwards (the caller re-indexes it).
    """
    accounts = AccountRepository(tx.session)
    orders = OrderRepository(tx.session)
    owner = await orders.owner_of(order_id)
    if owner is None:
        return None
    account = await accounts.get_for_user(owner)
    assert account is not None
    # Lock order: account first, then the order row, as cancel and reset do (no deadlock).
    period = await accounts.serialize_writers(account.id)
    order = await orders.get_for_update(order_id)
    if order is None or not order.is_open or order.period != period:
        return None
    fills = _Fills(tx, bus, order.user_id, tick.at)
    await MarkRepository(tx.session).upsert(tick.symbol, tick.price, tick.at)
    r = engine.rules_for(order.symbol)
    if not order.is_working:
        assert order.stop_price is not None
        if not rules.stop_triggers(
            Side(order.side), OrderType(order.type), order.stop_price, tick.price
        ):
            return order
        order.is_working = True
        order.working_at = tick.at
        await work_limit(
            tx, engine, account.id, order, fills, _crossing_price(engine, r, order, tick.price)
        )
    else:
        if await TradeRepository(tx.session).exists(order.id, tick.trade_id):
            return order
        qty = fill_quantity(order.remaining, tick.qty, r.step_size)
        if qty <= 0:
            return order
        assert order.price is not None
        await _fill(tx, engine, account.id, order, fills, order.price, qty, tick.trade_id, True)
    await tx.session.flush()
    fills.position()
    return order if order.is_open else None
