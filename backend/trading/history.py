"""Read side: a user's orders, trades, portfolio (average cost) and equity history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.db import Tx
from backend.trading import portfolio
from backend.trading.account import ensure_account, equity_of
from backend.trading.engine import TradingEngine
from backend.trading.errors import OrderNotFound
from backend.trading.models import OPEN_STATUSES, EquitySnapshot, Order, Trade
from backend.trading.repository import (
    AccountRepository,
    BalanceRepository,
    EquityRepository,
    MarkRepository,
    OrderRepository,
    TradeRepository,
)
from backend.trading.rules import Side


async def list_orders(
    tx: Tx, user_id: int, *, symbol: str | None, status: str, limit: int
) -> Sequence[Order]:
    statuses = OPEN_STATUSES if status == "open" else None
    exclude = OPEN_STATUSES if status == "closed" else None
    return await OrderRepository(tx.session).list_for_user(
        user_id, symbol=symbol, statuses=statuses, exclude=exclude, limit=limit
    )


async def get_order(tx: Tx, user_id: int, order_id: int) -> Order:
    order = await OrderRepository(tx.session).get(order_id, owner_id=user_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def list_trades(
    tx: Tx, user_id: int, *, symbol: str | None, period: int | None, limit: int
) -> Sequence[Trade]:
    return await TradeRepository(tx.session).list_for_user(
        user_id, symbol=symbol, period=period, limit=limit
    )


@dataclass(frozen=True, slots=True)
class PortfolioView:
    period: int
    equity: Decimal
    cash: Decimal
    valued: list[portfolio.Valued]
    allocation: dict[str, Decimal]


async def get_portfolio(
    tx: Tx, engine: TradingEngine, user_id: int, now: datetime
) -> PortfolioView:
    """Positions of the current period by average cost, valued at the last price."""
    account = await ensure_account(tx, engine, user_id, now)
    trades = await TradeRepository(tx.session).for_period(user_id, account.period)
    fills = [
        portfolio.FillRow(
            t.symbol,
            engine.rules_for(t.symbol).base_asset if t.symbol in engine.rules else t.symbol,
            Side(t.side),
            t.price,
            t.qty,
            t.fee,
            t.fee_asset,
        )
        for t in trades
    ]
    prices = {**await MarkRepository(tx.session).all_prices(), **engine.prices.last}
    valued = [
        portfolio.value(p, prices.get(s)) for s, p in sorted(portfolio.positions(fills).items())
    ]
    rows = list(await BalanceRepository(tx.session).for_account(account.id))
    quote = engine.config.quote_asset
    cash = sum((b.free + b.locked for b in rows if b.asset == quote), Decimal(0))
    values = {quote: cash}
    for v in valued:
        if v.market_value is not None and v.position.quantity > 0:
            values[v.position.asset] = v.market_value
    return PortfolioView(
        account.period, equity_of(engine, rows, prices), cash, valued, portfolio.allocation(values)
    )


async def equity_history(
    tx: Tx, engine: TradingEngine, user_id: int, now: datetime, limit: int
) -> Sequence[EquitySnapshot]:
    account = await ensure_account(tx, engine, user_id, now)
    return await EquityRepository(tx.session).history(user_id, account.period, limit)


async def snapshot_equity(tx: Tx, engine: TradingEngine, now: datetime) -> int:
    """One equity point per account at the last known prices (the equity curve's cron job).
    Idempotent per `now`: an account that already has a point at that moment gets no second."""
    prices = await MarkRepository(tx.session).all_prices()
    equity_repo = EquityRepository(tx.session)
    balances = BalanceRepository(tx.session)
    taken = await equity_repo.users_with_snapshot_at(now)
    n = 0
    for account in await AccountRepository(tx.session).all_accounts():
        if account.user_id in taken:
            continue
        rows = list(await balances.for_account(account.id))
        await equity_repo.add(account.user_id, account.period, equity_of(engine, rows, prices), now)
        n += 1
    return n
