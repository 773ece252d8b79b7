"""Private user-stream payloads shaped like Binance's executionReport / outboundAccountPosition.

Frames are `streams.user_frame` (`{"stream": "user", "data": {...}}`) on bus channel
`streams.user_channel(id)` (`user:<id>`); the inner objects use
Binance's one-letter keys (PROTOCOL.md §6) plus `i` = our order id. Serialized at once, because
the publish runs after commit when the ORM objects may be gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from backend.streams import user_frame as frame
from backend.trading.models import Order, Trade


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def d8(value: Decimal | None) -> str:
    return f"{value or Decimal(0):.8f}"


def execution_report(
    order: Order, *, execution: str, now: datetime, trade: Trade | None = None
) -> bytes:
    return frame(execution_report_data(order, execution=execution, now=now, trade=trade))


def execution_report_data(
    order: Order, *, execution: str, now: datetime, trade: Trade | None = None
) -> dict[str, Any]:
    """The report's fields from the order's state now (`i`/`t`/`I` may still be unassigned)."""
    data: dict[str, Any] = {
        "e": "executionReport",
        "E": ms(now),
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force or "GTC",
        "q": d8(order.quantity),
        "p": d8(order.price),
        "P": d8(order.stop_price),
        "F": d8(None),
        "g": -1,
        "C": "",
        "x": execution,
        "X": order.status,
        "r": "NONE",
        "i": order.id,
        "l": d8(trade.qty if trade else None),
        "z": d8(order.executed_qty),
        "L": d8(trade.price if trade else None),
        "n": str(trade.fee) if trade else "0",
        "N": trade.fee_asset if trade else None,
        "T": ms(now),
        "t": trade.id if trade else -1,
        "I": trade.id if trade else 0,  # execution id ("ignore" in Binance's docs)
        "w": order.is_open and order.is_working,
        "m": bool(trade and trade.is_maker),
        "M": False,
        "O": ms(order.created_at),
        "Z": d8(order.cumulative_quote_qty),
        "Y": d8(trade.quote_qty if trade else None),
        "Q": d8(order.quote_quantity),
        "V": "NONE",
    }
    if order.working_at is not None:
        data["W"] = ms(order.working_at)
    if order.expiry_reason:
        data["eR"] = order.expiry_reason
    return data


def account_position(balances: Iterable[tuple[str, Decimal, Decimal]], *, now: datetime) -> bytes:
    """The assets that changed, as (asset, free, locked)."""
    return frame(
        {
            "e": "outboundAccountPosition",
            "E": ms(now),
            "u": ms(now),
            "B": [{"a": a, "f": d8(f), "l": d8(lk)} for a, f, lk in balances],
        }
    )
