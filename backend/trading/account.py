"""Account service: lazy creation with the starting balance, balances and equity, reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from backend import streams
from backend.bus import Bus
from backend.db import Tx
from backend.trading import events, portfolio
from backend.trading.engine import BOOK_CHANNEL, TradingEngine, book_event
from backend.trading.models import Balance, TradingAccount
from backend.trading.repository import (
    AccountRepository,
    BalanceRepository,
    EquityRepository,
    OrderRepository,
)


@dataclass(frozen=True, slots=True)
class AccountView:
    period: int
    period_started_at: datetime
    balances: list[Balance]
    equity: Decimal
    quote_asset: str


async def ensure_account(
    tx: Tx, engine: TradingEngine, user_id: int, now: datetime
) -> TradingAccount:
    """The user's account, created on first use with the starting demo balance."""
    accounts = AccountRepository(tx.session)
    account = await accounts.get_for_user(user_id)
    if account is not None:
        return account
    if await accounts.create_if_missing(user_id, now):
        account = await accounts.get_for_user(user_id)
        assert account is not None
        cfg = engine.config
        await BalanceRepository(tx.session).reset(account.id, cfg.quote_asset, cfg.start_balance)
        # the equity curve's first point: the period starts at exactly the starting balance
        await EquityRepository(tx.session).add(user_id, account.period, cfg.start_balance, now)
        return account
    account = await accounts.get_for_user(user_id)  # created by a concurrent first request
    assert account is not None
    return account


async def publish_balances(tx: Tx, bus: Bus, user_id: int, account_id: int, now: datetime) -> None:
    """Queue an outboundAccountPosition with every balance, after this transaction's reports."""
    rows = await BalanceRepository(tx.session).for_account(account_id)
    frame = events.account_position(((b.asset, b.free, b.locked) for b in rows), now=now)
    tx.on_commit(partial(bus.publish, streams.user_channel(user_id), frame))


def equity_of(
    engine: TradingEngine, balances: list[Balance], prices: dict[str, Decimal]
) -> Decimal:
    quote = engine.config.quote_asset
    by_asset = {f"{b.asset}{quote}": b.asset for b in balances}
    asset_prices = {by_asset[s]: p for s, p in prices.items() if s in by_asset}
    return portfolio.equity(((b.asset, b.free + b.locked) for b in balances), asset_prices, quote)


async def get_account(tx: Tx, engine: TradingEngine, user_id: int, now: datetime) -> AccountView:
    account = await ensure_account(tx, engine, user_id, now)
    rows = list(await BalanceRepository(tx.session).for_account(account.id))
    eq = equity_of(engine, rows, engine.prices.last)
    return AccountView(
        account.period, account.period_started_at, rows, eq, engine.config.quote_asset
    )


async def reset_account(
    tx: Tx, bus: Bus, engine: TradingEngine, user_id: int, now: datetime
) -> AccountView:
    """Cancel every open order, restore the starting balance and begin a new account period.

    Past orders and trades keep their period and stay readable.
    """
    account = await ensure_account(tx, engine, user_id, now)
    accounts = AccountRepository(tx.session)
    period = await accounts.serialize_writers(account.id, exclusive=True)
    for order in await OrderRepository(tx.session).open_for_user(user_id):
        order.status = "CANCELED"  # the balances are replaced below: nothing to release
        order.updated_at = now
        frame = events.execution_report(order, execution="CANCELED", now=now)
        tx.on_commit(partial(bus.publish, streams.user_channel(user_id), frame))
        tx.on_commit(partial(bus.publish, BOOK_CHANNEL, book_event(order)))
    cfg = engine.config
    await BalanceRepository(tx.session).reset(account.id, cfg.quote_asset, cfg.start_balance)
    await accounts.start_period(account.id, period + 1, now)
    await EquityRepository(tx.session).add(user_id, period + 1, cfg.start_balance, now)
    await tx.session.flush()
    await tx.session.refresh(account)
    await publish_balances(tx, bus, user_id, account.id, now)
    return await get_account(tx, engine, user_id, now)
