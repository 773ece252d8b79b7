"""Order service: place (with immediate taker fills), cancel, and fills from the market stream.

Every write takes `serialize_writers` on the account first (repository.py explains why); the
execution itself (reservations, fills, expiry, events) lives in execution.py.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.bus import Bus
from backend.db import Tx
from backend.trading import execution, rules
from backend.trading.account import ensure_account
from backend.trading.engine import Tick, TradingEngine
from backend.trading.errors import OrderNotCancelable, OrderNotFound, OrderRejected
from backend.trading.matching import fill_quantity
from backend.trading.models import Order
from backend.trading.repository import (
    AccountRepository,
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
    fills = execution.Fills(tx, bus, user_id, now)
    if cmd.type is OrderType.MARKET:
        await execution.execute_market(tx, engine, symbol_rules, account_id, order, fills, last)
    else:
        await execution.execute_limit(tx, engine, symbol_rules, account_id, order, fills, last)
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
    fills = execution.Fills(tx, bus, user_id, now)
    await execution.close(tx, account_id, order, "CANCELED", fills)
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
    fills = execution.Fills(tx, bus, order.user_id, tick.at)
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
        await execution.work_limit(
            tx,
            engine,
            account.id,
            order,
            fills,
            execution.crossing_price(engine, r, order, tick.price),
        )
    else:
        if await TradeRepository(tx.session).exists(order.id, tick.trade_id):
            return order
        qty = fill_quantity(order.remaining, tick.qty, r.step_size)
        if qty <= 0:
            return order
        assert order.price is not None
        await execution.fill(
            tx, engine, account.id, order, fills, order.price, qty, tick.trade_id, True
        )
    await tx.session.flush()
    fills.position()
    return order if order.is_open else None
