"""Builders for Binance-format payloads (8-decimal strings, like the real exchange)."""

from __future__ import annotations

from decimal import Decimal

from backend.integrations.binance.schemas import INTERVAL_MS


def d8(value: Decimal | str | int) -> str:
    return f"{Decimal(value):.8f}"


def kline_row(
    open_time: int,
    interval: str,
    o: str,
    h: str,
    l: str,  # noqa: E741 - Binance's own letter
    c: str,
    v: str = "1",
    *,
    trades: int = 10,
) -> list[object]:
    """A REST kline row (12 fields); quote volume = v x c, taker-buy = half of each."""
    vol, close = Decimal(v), Decimal(c)
    quote = vol * close
    return [
        open_time,
        d8(o),
        d8(h),
        d8(l),
        d8(c),
        d8(vol),
        open_time + INTERVAL_MS[interval] - 1,
        d8(quote),
        trades,
        d8(vol / 2),
        d8(quote / 2),
        "0",
    ]


def kline_event(
    symbol: str, interval: str, row: list[object], *, closed: bool, event_time: int | None = None
) -> dict[str, object]:
    open_time = row[0]
    close_time = row[6]
    assert isinstance(open_time, int) and isinstance(close_time, int)
    return {
        "e": "kline",
        "E": event_time if event_time is not None else (close_time if closed else open_time + 1),
        "s": symbol,
        "k": {
            "t": open_time,
            "T": close_time,
            "s": symbol,
            "i": interval,
            "f": 100,
            "L": 100 + int(str(row[8])),
            "o": row[1],
            "c": row[4],
            "h": row[2],
            "l": row[3],
            "v": row[5],
            "n": row[8],
            "x": closed,
            "q": row[7],
            "V": row[9],
            "Q": row[10],
            "B": "0",
        },
    }


def trade_event(
    symbol: str,
    trade_id: int,
    price: str,
    qty: str,
    trade_time: int,
    *,
    buyer_is_maker: bool = False,
) -> dict[str, object]:
    return {
        "e": "trade",
        "E": trade_time,
        "s": symbol,
        "t": trade_id,
        "p": d8(price),
        "q": d8(qty),
        "T": trade_time,
        "m": buyer_is_maker,
        "M": True,
    }


def ticker_event(
    symbol: str, last: str, event_time: int, *, open_: str | None = None
) -> dict[str, object]:
    o = Decimal(open_ if open_ is not None else last)
    c = Decimal(last)
    change = c - o
    pct = (change / o * 100).quantize(Decimal("0.001")) if o else Decimal(0)
    return {
        "e": "24hrTicker",
        "E": event_time,
        "s": symbol,
        "p": d8(change),
        "P": str(pct),
        "w": d8(c),
        "x": d8(o),
        "c": d8(c),
        "Q": d8("0.5"),
        "b": d8(c - Decimal("0.01")),
        "B": d8("1"),
        "a": d8(c + Decimal("0.01")),
        "A": d8("1"),
        "o": d8(o),
        "h": d8(max(o, c)),
        "l": d8(min(o, c)),
        "v": d8("100"),
        "q": d8(c * 100),
        "O": event_time - 86_400_000,
        "C": event_time,
        "F": 1,
        "L": 1000,
        "n": 1000,
    }


def mini_ticker_event(symbol: str, last: str, event_time: int) -> dict[str, object]:
    full = ticker_event(symbol, last, event_time)
    keys = ("E", "s", "c", "o", "h", "l", "v", "q")
    return {"e": "24hrMiniTicker", **{k: full[k] for k in keys}}
