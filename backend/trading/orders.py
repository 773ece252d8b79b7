"""Order service: place (with immediate taker fills), cancel, and fills from the market stream.

Every write takes `serialize_writers` on the account first (repository.py explains why); the
execution itself (reservations, fills, expiry, events) lives in execution.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.bus import Bus
from backend.db import Tx
from backend.trading import execution, rules
from backend.trading.account import ensure_account
from backend.trading.engine import Tick, TradingEngine
from backend.trading.errors import (
    LedgerError,
    OrderNotCancelable,
    OrderNotFound,
    OrderRejected,
)
from backend.trading.matching import fill_quantity
from backend.trading.models import Order
from backend.trading.persist import write_batch
from backend.trading.repository import (
    AccountRepository,
    MarkRepository,
    OrderLock,
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


def new_client_order_id() -> str:
    # 22 characters like Binance's generated ids, from [A-Za-z0-9_-] (its allowed set
    # `^[.A-Z:/a-z0-9_-]{1,36}$`); one urandom call, not one per character.
    return secrets.token_urlsafe(16)


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


async def place_order(
    tx: Tx, bus: Bus, engine: TradingEngine, user_id: int, cmd: PlaceOrder, now: datetime
) -> Order:
    """Validate under Binance's rules, reserve or pay, fill what crosses, rest the remainder.

    Idempotent on (user, client_order_id): a repeat returns the first order, never a second.
    The order is worked out in memory first and then written in one batch (persist.py).
    """
    symbol_rules = engine.rules_for(cmd.symbol)
    orders = OrderRepository(tx.session)
    if cmd.client_order_id is not None:
        existing = await orders.by_client_id(user_id, cmd.client_order_id)
        if existing is not None:
            return existing
    lock = await _lock_account(tx, engine, user_id, cmd.symbol, now)
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
    try:
        rules.validate(
            symbol_rules,
            req,
            ref_price=last,
            last_price=last,
            open_orders=lock.open_orders,
            open_algo_orders=lock.open_algo_orders,
        )
    except RuleViolation as exc:
        raise OrderRejected.from_violation(exc) from exc
    order = _new_order(cmd, symbol_rules, user_id, lock.period, now)
    batch = execution.Batch(order, now)
    if cmd.type is OrderType.MARKET:
        execution.execute_market(engine, symbol_rules, batch, last)
    else:
        execution.execute_limit(engine, symbol_rules, batch, last)
    written = await write_batch(tx.session, lock.account_id, batch, new_order=True)
    if written.order_id is None:  # a concurrent request took this client order id first
        assert cmd.client_order_id is not None
        first = await orders.by_client_id(user_id, cmd.client_order_id)
        assert first is not None
        return first
    if written.balances is None:
        raise execution.reject(-2010, rules.MSG_INSUFFICIENT)  # rolls the whole batch back
    batch.publish(tx, bus, written.balances)
    return order


async def _lock_account(
    tx: Tx, engine: TradingEngine, user_id: int, symbol: str, now: datetime
) -> OrderLock:
    """The account under `serialize_writers` and the user's open orders on the symbol,
    creating the account on first use."""
    accounts = AccountRepository(tx.session)
    locked = await accounts.lock_for_order(user_id, symbol)
    if locked is None:
        await ensure_account(tx, engine, user_id, now)
        locked = await accounts.lock_for_order(user_id, symbol)
        assert locked is not None
    return locked


async def _finish(tx: Tx, bus: Bus, account_id: int, batch: execution.Batch) -> None:
    """Write the batch of an order that already exists (flushed first: the ORM owns its row)."""
    await tx.session.flush()
    written = await write_batch(tx.session, account_id, batch, new_order=False)
    if written.balances is None:  # only reserved funds move here: they must be there
        raise LedgerError(f"reserved funds missing for order {batch.order.id}")
    batch.publish(tx, bus, written.balances)


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


async def cancel_order(
    tx: Tx, bus: Bus, engine: TradingEngine, user_id: int, order_id: int, now: datetime
) -> Order:
    """Cancel an open order of this user; someone else's order is 404 like a missing one."""
    locked = await AccountRepository(tx.session).lock_for_user(user_id)
    order = None
    if locked is not None:  # no account yet: no orders either
        order = await OrderRepository(tx.session).get_for_update(order_id, owner_id=user_id)
    if locked is None or order is None:
        raise OrderNotFound(order_id)
    if not order.is_open:
        raise OrderNotCancelable(order.status)
    batch = execution.Batch(order, now)
    execution.close(batch, "CANCELED")
    await _finish(tx, bus, locked[0], batch)
    return order


def trade_key(tick: Tick) -> str:
    """One market trade's identity for the trigger guard. The price is part of it because the
    candle catch-up's four vertices share one source id (catchup.py): a stop triggered at a
    candle's low may still fill at the same candle's high."""
    return f"{tick.trade_id}@{tick.price}"


def goes_through(side: Side, limit: Decimal, price: Decimal) -> bool:
    """A resting limit fills only from a trade strictly beyond its price (matching.py)."""
    return price < limit if side is Side.BUY else price > limit


async def on_market_tick(
    tx: Tx,
    bus: Bus,
    engine: TradingEngine,
    order_id: int,
    tick: Tick,
    *,
    seen_at: datetime | None = None,
) -> Order | None:
    """Apply one market trade to one indexed order: a maker fill, or a stop trigger.

    Idempotent per (order, market trade id); an order canceled meanwhile is left alone.
    Whatever the caller's index says, a working limit fills only from a trade that goes through
    its price, never from the trade that triggered it, and never from a trade this process saw
    (`seen_at`) before the order was placed. Returns the order if it is still open afterwards
    (the caller re-indexes it).
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
    batch = execution.Batch(order, tick.at)
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
        order.trigger_trade = trade_key(tick)
        execution.work_limit(engine, batch, execution.crossing_price(engine, r, order, tick.price))
    else:
        assert order.price is not None
        if not goes_through(Side(order.side), order.price, tick.price):
            return order  # a stale or foreign index entry: this trade does not reach the price
        if order.trigger_trade is not None and order.trigger_trade == trade_key(tick):
            return order  # the trade that triggered it (applied again by another matcher)
        if seen_at is not None and order.created_at > seen_at:
            return order  # a trade from before the order existed (a replayed backlog)
        if await TradeRepository(tx.session).exists(order.id, tick.trade_id):
            return order
        qty = fill_quantity(order.remaining, tick.qty, r.step_size)
        if qty <= 0:
            return order
        execution.fill(engine, batch, order.price, qty, tick.trade_id, True)
    await _finish(tx, bus, account.id, batch)
    return order if order.is_open else None
