"""Positions and PnL by the average-cost method, as pure arithmetic over a user's fills.

Average cost (README "Demo trading: PnL"): a BUY adds its quote cost to the position's cost basis
and its net quantity (after the base-asset fee) to the position, so fees raise the average cost.
A SELL realizes `proceeds after fee - average cost x qty` and removes `average cost x qty` from
the basis; the average cost of what remains is unchanged. Unrealized PnL is
`market value - cost basis` at the last price. Fills are replayed oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from backend.trading.rules import ZERO, Side


@dataclass(frozen=True, slots=True)
class FillRow:
    symbol: str
    base_asset: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str


@dataclass(slots=True)
class Position:
    symbol: str
    asset: str
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO

    @property
    def average_cost(self) -> Decimal:
        return self.cost / self.quantity if self.quantity > ZERO else ZERO


@dataclass(frozen=True, slots=True)
class Valued:
    position: Position
    last_price: Decimal | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None


def positions(fills: Iterable[FillRow]) -> dict[str, Position]:
    book: dict[str, Position] = {}
    for f in fills:
        pos = book.setdefault(f.symbol, Position(f.symbol, f.base_asset))
        quote_cost = f.price * f.qty
        if f.side is Side.BUY:
            net = f.qty - (f.fee if f.fee_asset == f.base_asset else ZERO)
            pos.quantity += net
            pos.cost += quote_cost
            continue
        qty = min(f.qty, pos.quantity)  # never below zero, even on a log that starts mid-way
        avg = pos.average_cost
        fee_quote = f.fee if f.fee_asset != f.base_asset else f.fee * f.price
        proceeds = quote_cost - fee_quote
        pos.realized_pnl += proceeds - avg * qty
        pos.cost -= avg * qty
        pos.quantity -= qty
        if pos.quantity == ZERO:
            pos.cost = ZERO
    return book


def value(pos: Position, last: Decimal | None) -> Valued:
    if last is None:
        return Valued(pos, None, None, None)
    mv = pos.quantity * last
    return Valued(pos, last, mv, mv - pos.cost)


def equity(
    balances: Iterable[tuple[str, Decimal]], prices: Mapping[str, Decimal], quote: str
) -> Decimal:
    """Total of (free + locked) per asset valued at the last price in `quote`; unpriced: 0."""
    total = ZERO
    for asset, amount in balances:
        if asset == quote:
            total += amount
        elif asset in prices:
            total += amount * prices[asset]
    return total


def allocation(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    total = sum(values.values(), ZERO)
    if total <= ZERO:
        return {k: ZERO for k in values}
    return {k: (v / total).quantize(Decimal("0.0001")) for k, v in values.items()}
