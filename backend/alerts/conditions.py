"""Alert conditions: when each one holds (pure: no I/O).

* `price_above` holds at a price >= the value, `price_below` at a price <= the value.
* `price_crosses` fires when a price reaches or passes the level from the other side: the
  previous price was strictly on one side and this one is at the level or beyond it.
* `change_pct` fires when the move within the window reaches the percent: up from the window's
  low, down from its high, or either (`any`).
* `rsi_above` / `rsi_below`: RSI(14) of the alert's interval at or beyond the value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Condition = Literal[
    "price_above", "price_below", "price_crosses", "change_pct", "rsi_above", "rsi_below"
]
Direction = Literal["up", "down", "any"]
PRICE_CONDITIONS: frozenset[str] = frozenset({"price_above", "price_below", "price_crosses"})
RSI_CONDITIONS: frozenset[str] = frozenset({"rsi_above", "rsi_below"})
CONDITIONS: tuple[str, ...] = (
    "price_above",
    "price_below",
    "price_crosses",
    "change_pct",
    "rsi_above",
    "rsi_below",
)


def price_fires(condition: str, level: Decimal, prev: Decimal | None, price: Decimal) -> bool:
    """Whether a price condition fires on a move from `prev` (None: no earlier price) to `price`."""
    if condition == "price_above":
        return price >= level
    if condition == "price_below":
        return price <= level
    if condition == "price_crosses":
        if prev is None:
            return False
        return prev < level <= price or price <= level < prev
    raise ValueError(f"not a price condition: {condition}")


def change_fires(
    direction: str, percent: Decimal, low: Decimal, high: Decimal, price: Decimal
) -> bool:
    """`change_pct`: the move from the window's low (up) or high (down) to `price` reaches it."""
    up = low > 0 and (price - low) * 100 >= percent * low
    down = high > 0 and (high - price) * 100 >= percent * high
    if direction == "up":
        return up
    if direction == "down":
        return down
    return up or down


def rsi_fires(condition: str, level: Decimal, rsi: Decimal | None) -> bool:
    if rsi is None:
        return False
    if condition == "rsi_above":
        return rsi >= level
    if condition == "rsi_below":
        return rsi <= level
    raise ValueError(f"not an RSI condition: {condition}")


def candle_path(
    open_: Decimal, high: Decimal, low: Decimal, close: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A 1m candle as the prices it went through: O -> L -> H -> C when it closed up,
    O -> H -> L -> C otherwise (the replay source's and the matcher's catch-up convention)."""
    if close >= open_:
        return (open_, low, high, close)
    return (open_, high, low, close)
