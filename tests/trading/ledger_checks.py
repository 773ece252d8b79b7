"""Ledger invariants from the database rows, for tests that trade through the real services.

No negative free or locked; locked == what the open orders of the current period reserve; per
asset start + trade flows - fees == free + locked; fee == rate x received (rounded up to 8
decimals); executed quantity == the sum of the order's fills <= its quantity. The same checks as
test_ledger_machine.py's invariant, for any symbol.
"""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.trading import ledger
from backend.trading.models import Balance, Order, Trade, TradingAccount
from backend.trading.rules import Side


async def assert_ledger_whole(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    *,
    start: D = D("10000"),
    quote: str = "USDT",
    fee_rate: D = D("0.001"),
) -> None:
    async with sessionmaker() as s:
        acct = (
            await s.execute(select(TradingAccount).where(TradingAccount.user_id == user_id))
        ).scalar_one()
        balances = (
            (await s.execute(select(Balance).where(Balance.account_id == acct.id))).scalars().all()
        )
        orders = (await s.execute(select(Order).where(Order.user_id == user_id))).scalars().all()
        trades = (await s.execute(select(Trade).where(Trade.user_id == user_id))).scalars().all()
    by_asset = {b.asset: b for b in balances}
    for b in balances:
        assert b.free >= 0 and b.locked >= 0, (b.asset, b.free, b.locked)
    reserved: dict[str, D] = {}
    for o in orders:
        if o.period == acct.period and o.is_open and o.reserved_price is not None:
            asset = ledger.reserve_asset(Side(o.side), o.base_asset, o.quote_asset)
            amount = ledger.reserve_amount(Side(o.side), o.reserved_price, o.remaining)
            reserved[asset] = reserved.get(asset, D(0)) + amount
    for asset in set(reserved) | set(by_asset):
        locked = by_asset[asset].locked if asset in by_asset else D(0)
        assert locked == reserved.get(asset, D(0)), (asset, locked, reserved)
    by_id = {o.id: o for o in orders}
    expected = {quote: start}
    for t in trades:
        if t.period != acct.period:
            continue
        o = by_id[t.order_id]
        received = t.qty if t.side == "BUY" else t.quote_qty
        assert t.fee == ledger.fee_for(received, fee_rate), (t.id, t.fee)
        sign = 1 if t.side == "BUY" else -1
        expected[o.base_asset] = expected.get(o.base_asset, D(0)) + sign * t.qty
        expected[o.quote_asset] = expected.get(o.quote_asset, D(0)) - sign * t.quote_qty
        expected[t.fee_asset] = expected.get(t.fee_asset, D(0)) - t.fee
    for asset in set(expected) | set(by_asset):
        have = by_asset[asset].free + by_asset[asset].locked if asset in by_asset else D(0)
        assert have == expected.get(asset, D(0)), (asset, have, expected)
    fills: dict[int, D] = {}
    for t in trades:
        fills[t.order_id] = fills.get(t.order_id, D(0)) + t.qty
    for o in orders:
        assert o.executed_qty == fills.get(o.id, D(0)), (o.id, o.executed_qty)
        assert o.executed_qty <= o.quantity
