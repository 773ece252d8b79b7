"""What the checker reads off the bus (pure: no I/O): `<sym>@trade` frames as trades and
`<sym>@ticker` frames as last prices.

A ticker's last price (`c`, at its event time `E`) is the price of the latest trade it
includes, so where trades flow it repeats a price the checker has just checked; the checker
skips such a repeat (`AlertChecker.on_last_price`). Where trades are missing (a lost bus message,
a source that sends tickers only) it is the price move that fires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.trading.engine import parse_trade

Tick = tuple[str, Decimal, int]  # a trade: symbol, price, market ms


@dataclass(frozen=True, slots=True)
class LastPrice:
    """A ticker's last price at its event time (market ms)."""

    symbol: str
    price: Decimal
    market_ms: int


def trade_tick(data: bytes) -> Tick | None:
    tick = parse_trade(data)
    if tick is None:
        return None
    return (tick.symbol, tick.price, int(tick.at.timestamp() * 1000))


def ticker_price(data: bytes) -> LastPrice | None:
    """A `<sym>@ticker` bus payload `{"stream", "data": <24hrTicker event>, "source"}`."""
    try:
        msg: dict[str, Any] = json.loads(data)
        ev = msg.get("data", msg)
        price = Decimal(ev["c"])
        if not price.is_finite() or price <= 0:
            return None
        return LastPrice(str(ev["s"]).upper(), price, int(ev["E"]))
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        return None
