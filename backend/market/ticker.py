"""Pure rolling 24 h ticker from 1m candles (the replay has no exchange to ask for one).

Binance's window is the rolling previous 24 h (PROTOCOL.md §1.4): open = first price in the
window, high/low over it, volumes summed. Prices are exact decimals; the percent keeps three
decimals like Binance's examples. O(candles in the window) per snapshot, taken ~once a second.
"""

from __future__ import annotations

from collections import deque
from decimal import ROUND_HALF_EVEN, Decimal

from backend.integrations.binance.schemas import Kline, Ticker

DAY_MS = 86_400_000
PCT = Decimal("0.001")
PRICE = Decimal("0.00000001")


class RollingTicker:
    def __init__(self, symbol: str, tick_size: Decimal = Decimal(0)) -> None:
        self.symbol = symbol
        self.tick = tick_size
        self._closed: deque[Kline] = deque()
        self._forming: Kline | None = None
        self._prev_close: Decimal | None = None
        self.last_qty = Decimal(0)
        self.trades = 0

    def add(self, k: Kline) -> None:
        if k.closed:
            self._closed.append(k)
            self._forming = None
        else:
            self._forming = k

    def snapshot(self, now_ms: int, last_price: Decimal) -> Ticker | None:
        start = now_ms - DAY_MS
        while self._closed and self._closed[0].open_time < start:
            self._prev_close = self._closed.popleft().close
        window = list(self._closed)
        if self._forming is not None:
            window.append(self._forming)
        if not window:
            return None
        open_ = window[0].open
        volume = sum((k.volume for k in window), Decimal(0))
        quote = sum((k.quote_volume for k in window), Decimal(0))
        change = last_price - open_
        pct = (change / open_ * 100).quantize(PCT, ROUND_HALF_EVEN) if open_ else Decimal(0)
        wavg = (quote / volume).quantize(PRICE, ROUND_HALF_EVEN) if volume else last_price
        count = sum(k.trades for k in window)
        return Ticker(
            event_time=now_ms,
            symbol=self.symbol,
            price_change=change,
            price_change_percent=pct,
            weighted_avg_price=wavg,
            prev_close_price=self._prev_close if self._prev_close is not None else open_,
            last_price=last_price,
            last_qty=self.last_qty,
            bid_price=last_price - self.tick,
            bid_qty=Decimal(1),
            ask_price=last_price + self.tick,
            ask_qty=Decimal(1),
            open_price=open_,
            high_price=max(k.high for k in window),
            low_price=min(k.low for k in window),
            volume=volume,
            quote_volume=quote,
            open_time=start,
            close_time=now_ms,
            first_id=window[0].first_trade_id,
            last_id=window[-1].last_trade_id,
            count=count,
        )
