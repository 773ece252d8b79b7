"""Taker fill prices without a streamed order book: a spread and impact model from recent trades.

Model (documented in the README, "Demo trading: fill prices"): a MARKET order, or a LIMIT
order that crosses, fills in one trade at

    last x (1 +/- (half_spread_bps + impact_bps x qty / avg_trade_qty) / 10_000)

capped at `max_slippage_bps`; `+` for BUY (rounded up to the tick), `-` for SELL (rounded down),
so the taker never gets a better price than the last trade. `avg_trade_qty` is an exponential
moving average of recent trade sizes on the symbol's trade stream: an order as large as a typical
trade pays the half spread plus `impact_bps`; ten times that pays ten times the impact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.trading.rules import ZERO, Side, round_to_tick

BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class MarketModel:
    half_spread_bps: Decimal = Decimal("1")
    impact_bps: Decimal = Decimal("1")
    max_slippage_bps: Decimal = Decimal("100")


def slippage_bps(model: MarketModel, qty: Decimal, avg_trade_qty: Decimal | None) -> Decimal:
    impact = ZERO
    if avg_trade_qty is not None and avg_trade_qty > ZERO:
        impact = model.impact_bps * qty / avg_trade_qty
    return min(model.half_spread_bps + impact, model.max_slippage_bps)


def taker_price(
    model: MarketModel,
    side: Side,
    last: Decimal,
    qty: Decimal,
    avg_trade_qty: Decimal | None,
    tick: Decimal,
) -> Decimal:
    bps = slippage_bps(model, qty, avg_trade_qty)
    if side is Side.BUY:
        return round_to_tick(last * (1 + bps / BPS), tick, up=True)
    price = round_to_tick(last * (1 - bps / BPS), tick, up=False)
    return price if price > ZERO else tick


def ewma(previous: Decimal | None, value: Decimal, alpha: Decimal = Decimal("0.05")) -> Decimal:
    """Exponential moving average of trade sizes (alpha 0.05: about the last 20 trades)."""
    if previous is None:
        return value
    return previous + alpha * (value - previous)
