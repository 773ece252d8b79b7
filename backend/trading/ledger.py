"""Ledger bookkeeping as pure arithmetic: reservations, releases, fill settlements and fees.

Every function returns balance *movements* (signed deltas of `free` and `locked` per asset); the
repository applies them with conditional updates so a balance can never go negative. Nothing here
touches the database, so the property tests replay the same arithmetic the service uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from backend.trading.rules import ZERO, Side

# Binance charges commission in the asset the order receives (BUY: base on qty; SELL: quote on
# price x qty) and deducts it from the amount received (commission FAQ, PROTOCOL.md §5.12).
# Precision is baseCommissionPrecision/quoteCommissionPrecision = 8 decimals; Binance does not
# document the rounding direction (doc gap), so we round UP: the user never receives more than
# the exact `amount x (1 - rate)`, and the ledger can never create money from rounding.
FEE_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Movement:
    asset: str
    free: Decimal
    locked: Decimal


@dataclass(frozen=True, slots=True)
class Settlement:
    movements: tuple[Movement, ...]
    fee: Decimal
    fee_asset: str
    quote_qty: Decimal


def fee_for(received: Decimal, rate: Decimal) -> Decimal:
    """Commission on an amount received: `received x rate`, rounded up to 8 decimals."""
    if rate == ZERO or received == ZERO:
        return ZERO
    return (received * rate).quantize(FEE_QUANTUM, rounding=ROUND_UP)


def reserve_asset(side: Side, base: str, quote: str) -> str:
    return quote if side is Side.BUY else base


def reserve_amount(side: Side, price: Decimal, qty: Decimal) -> Decimal:
    """What an open order locks: BUY `price x qty` of quote, SELL `qty` of base (§5.12)."""
    return price * qty if side is Side.BUY else qty


def reserve(side: Side, base: str, quote: str, price: Decimal, qty: Decimal) -> Movement:
    amount = reserve_amount(side, price, qty)
    return Movement(reserve_asset(side, base, quote), -amount, amount)


def release(side: Side, base: str, quote: str, price: Decimal, remaining: Decimal) -> Movement:
    """Cancel/expiry: the reservation of the unfilled remainder goes back to `free`."""
    amount = reserve_amount(side, price, remaining)
    return Movement(reserve_asset(side, base, quote), amount, -amount)


def settle_fill(
    *,
    side: Side,
    base: str,
    quote: str,
    price: Decimal,
    qty: Decimal,
    fee_rate: Decimal,
    reserved_price: Decimal | None,
) -> Settlement:
    """Both legs of one fill, fee deducted from the received asset.

    `reserved_price` is the price the order locked at (its limit price) or None for a MARKET
    order, which pays from `free` at once. A BUY that fills below its limit gets the difference
    back to `free`, so `locked` always equals what the open remainder reserves.
    """
    notional = price * qty
    if side is Side.BUY:
        fee = fee_for(qty, fee_rate)
        if reserved_price is None:
            pay = Movement(quote, -notional, ZERO)
        else:
            held = reserved_price * qty
            pay = Movement(quote, held - notional, -held)
        get = Movement(base, qty - fee, ZERO)
        return Settlement((pay, get), fee, base, notional)
    fee = fee_for(notional, fee_rate)
    give = Movement(base, -qty, ZERO) if reserved_price is None else Movement(base, ZERO, -qty)
    get = Movement(quote, notional - fee, ZERO)
    return Settlement((give, get), fee, quote, notional)


@dataclass(frozen=True, slots=True)
class Change:
    """The net effect of a sequence of movements on one asset, and what applying it needs.

    Applying the movements one at a time, each refused if it would make a balance negative,
    succeeds exactly when `free >= need_free and locked >= need_locked` beforehand (the needs
    are the deepest the running sums go below zero), and then adds `free`/`locked`. So one
    conditional update per asset is the same as the whole sequence of them.
    """

    asset: str
    free: Decimal
    locked: Decimal
    need_free: Decimal
    need_locked: Decimal


def combine(movements: list[Movement]) -> list[Change]:
    """One `Change` per asset touched (sorted by asset: a stable lock order across writers)."""
    acc: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
    for m in movements:
        f, lk, low_f, low_l = acc.get(m.asset, (ZERO, ZERO, ZERO, ZERO))
        f, lk = f + m.free, lk + m.locked
        acc[m.asset] = (f, lk, min(low_f, f), min(low_l, lk))
    return [
        Change(a, f, lk, -low_f, -low_l)
        for a, (f, lk, low_f, low_l) in sorted(acc.items())
        if f != ZERO or lk != ZERO or low_f < ZERO or low_l < ZERO
    ]


def apply_change(balance: tuple[Decimal, Decimal], c: Change) -> tuple[Decimal, Decimal] | None:
    """The new (free, locked), or None when the change needs more than the balance holds."""
    if balance[0] < c.need_free or balance[1] < c.need_locked:
        return None
    return balance[0] + c.free, balance[1] + c.locked
