"""Pure candle building: trades -> 1m candles -> every stored interval. No I/O, no framework.

Binance's own rules (PROTOCOL.md §1.4, §3.5): a candle is named by its open time; it covers
`[open, open + interval)`; `close_time = open + interval - 1 ms`; intervals up to 1d are aligned
to UTC epoch multiples (1w to Monday 00:00 UTC). A higher-interval candle is exactly the
aggregate of its 1m candles: open of the first, close of the last, max high, min low, summed
volumes and trade counts. So we only ever build 1m candles from ticks and derive the rest —
identical numbers whichever path (live kline_1m stream, replay ticks, REST backfill) fed them.
Cost: O(intervals) per update; bench/ingest.py measures the storage side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from backend.integrations.binance.schemas import INTERVAL_MS, Kline

MINUTE_MS = 60_000
QUOTE_QUANTUM = Decimal("0.00000001")  # Binance reports quote volumes with 8 decimals
WEEK_OFFSET_MS = 4 * 86_400_000  # 1970-01-05 was the first Monday; Binance weeks start on Monday


def interval_ms(interval: str) -> int:
    try:
        return INTERVAL_MS[interval]
    except KeyError as exc:
        raise ValueError(
            f"unsupported interval {interval!r} (calendar months are not built)"
        ) from exc


def floor_open(ts_ms: int, interval: str) -> int:
    """Open time of the `interval` candle containing `ts_ms`."""
    step = interval_ms(interval)
    offset = WEEK_OFFSET_MS if interval == "1w" else 0
    return (ts_ms - offset) // step * step + offset


def aggregate(parts: Sequence[Kline], interval: str, *, closed: bool) -> Kline:
    """One `interval` candle from consecutive finer candles of the same bucket (oldest first)."""
    first, last = parts[0], parts[-1]
    open_time = floor_open(first.open_time, interval)
    return Kline(
        symbol=first.symbol,
        interval=interval,
        open_time=open_time,
        close_time=open_time + interval_ms(interval) - 1,
        open=first.open,
        high=max(p.high for p in parts),
        low=min(p.low for p in parts),
        close=last.close,
        volume=sum((p.volume for p in parts), Decimal(0)),
        quote_volume=sum((p.quote_volume for p in parts), Decimal(0)),
        trades=sum(p.trades for p in parts),
        taker_buy_base=sum((p.taker_buy_base for p in parts), Decimal(0)),
        taker_buy_quote=sum((p.taker_buy_quote for p in parts), Decimal(0)),
        first_trade_id=first.first_trade_id,
        last_trade_id=last.last_trade_id,
        closed=closed,
    )


def merge(acc: Kline, part: Kline, *, closed: bool) -> Kline:
    """`acc` (an aggregate, already in its target interval) extended by the next finer `part`."""
    return Kline(
        symbol=acc.symbol,
        interval=acc.interval,
        open_time=acc.open_time,
        close_time=acc.close_time,
        open=acc.open,
        high=max(acc.high, part.high),
        low=min(acc.low, part.low),
        close=part.close,
        volume=acc.volume + part.volume,
        quote_volume=acc.quote_volume + part.quote_volume,
        trades=acc.trades + part.trades,
        taker_buy_base=acc.taker_buy_base + part.taker_buy_base,
        taker_buy_quote=acc.taker_buy_quote + part.taker_buy_quote,
        first_trade_id=acc.first_trade_id,
        last_trade_id=part.last_trade_id,
        closed=closed,
    )


@dataclass(slots=True)
class _Bucket:
    open_time: int
    agg: Kline | None = None  # aggregate of the bucket's closed 1m candles so far


class CandleBuilder:
    """Per-symbol: feed 1m candle updates (forming or closed), get every interval's update.

    `apply_1m` returns, oldest first, the candles that changed: closed ones (`closed=True`,
    exactly once each) and the current forming candle of every interval. O(intervals) per call:
    each bucket keeps a running aggregate of its closed minutes.
    """

    def __init__(self, symbol: str, intervals: Iterable[str]) -> None:
        self.symbol = symbol
        self.intervals = tuple(i for i in intervals if i != "1m")
        for i in self.intervals:
            interval_ms(i)
        self._buckets: dict[str, _Bucket] = {}
        self._forming: Kline | None = None
        self._last_closed_1m = -1

    @property
    def forming_1m(self) -> Kline | None:
        return self._forming

    def apply_1m(self, k: Kline) -> list[Kline]:
        if k.open_time <= self._last_closed_1m:
            return []  # re-delivery of a minute already closed: nothing changes
        out: list[Kline] = []
        if self._forming is not None and k.open_time > self._forming.open_time:
            # The previous minute never got its closing update (gap, reconnect): close it now.
            out.extend(self._close_1m(replace(self._forming, closed=True)))
        if k.closed:
            out.extend(self._close_1m(k))
            return out
        self._forming = k
        out.append(k)
        for interval in self.intervals:
            bucket = self._roll(interval, k.open_time, out)
            if bucket.agg is None:
                out.append(aggregate([k], interval, closed=False))
            else:
                out.append(merge(bucket.agg, k, closed=False))
        return out

    def discard_forming(self) -> None:
        """Forget the forming minute without closing it. After a stream gap its values are a
        partial picture; closing it when a later minute arrives would store them as the
        minute's truth (the gap's backfill brings the real minute, or leaves a hole that
        `market.repair` fills)."""
        self._forming = None

    def flush(self) -> list[Kline]:
        """Close the forming minute (end of a replay). Unfinished higher-interval buckets are
        dropped, never stored as closed: they lack minutes that may still come."""
        out: list[Kline] = []
        if self._forming is not None:
            out.extend(self._close_1m(replace(self._forming, closed=True)))
        self._buckets.clear()
        return out

    def _close_1m(self, k: Kline) -> list[Kline]:
        out = [k]
        self._forming = None
        self._last_closed_1m = k.open_time
        end = k.open_time + MINUTE_MS
        for interval in self.intervals:
            bucket = self._roll(interval, k.open_time, out)
            if bucket.agg is None:
                bucket.agg = aggregate([k], interval, closed=False)
            else:
                bucket.agg = merge(bucket.agg, k, closed=False)
            if end >= bucket.open_time + interval_ms(interval):
                out.append(replace(bucket.agg, closed=True))
                del self._buckets[interval]
        return out

    def _roll(self, interval: str, minute_open: int, out: list[Kline]) -> _Bucket:
        """The bucket for `minute_open`; an older, unfinished one is closed first."""
        open_time = floor_open(minute_open, interval)
        bucket = self._buckets.get(interval)
        if bucket is not None and bucket.open_time == open_time:
            return bucket
        if bucket is not None and bucket.agg is not None:
            out.append(replace(bucket.agg, closed=True))
        bucket = self._buckets[interval] = _Bucket(open_time)
        return bucket


class MinuteFromTicks:
    """Builds 1m candles from ticks (price, base qty, time). The forming minute lives in plain
    attributes (a tick costs a few comparisons and two additions); a `Kline` is built only when
    a minute closes or `current()` is asked for — the replay's hot path (STYLE.md §8)."""

    __slots__ = ("_close", "_first", "_high", "_last", "_low", "_n", "_open", "_open_time",
                 "_quote", "_vol", "symbol")  # fmt: skip

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._open_time = -1
        self._open = self._high = self._low = self._close = Decimal(0)
        self._vol = self._quote = Decimal(0)
        self._n = self._first = self._last = 0

    def apply(self, price: Decimal, qty: Decimal, ts_ms: int, trade_id: int) -> Kline | None:
        """Add one tick; returns the previous minute, closed, when this tick starts a new one."""
        open_time = ts_ms - ts_ms % MINUTE_MS
        closed = None
        if open_time != self._open_time:
            closed = self._snapshot(closed=True) if self._n else None
            self._open_time, self._open, self._high, self._low = open_time, price, price, price
            self._vol = self._quote = Decimal(0)
            self._n, self._first = 0, trade_id
        elif price > self._high:
            self._high = price
        elif price < self._low:
            self._low = price
        self._close = price
        self._vol += qty
        self._quote += (price * qty).quantize(QUOTE_QUANTUM, rounding=ROUND_HALF_EVEN)
        self._n += 1
        self._last = trade_id
        return closed

    def current(self) -> Kline | None:
        return self._snapshot(closed=False) if self._n else None

    def flush(self) -> Kline | None:
        last = self._snapshot(closed=True) if self._n else None
        self._n = 0
        self._open_time = -1
        return last

    def _snapshot(self, *, closed: bool) -> Kline:
        return Kline(
            symbol=self.symbol,
            interval="1m",
            open_time=self._open_time,
            close_time=self._open_time + MINUTE_MS - 1,
            open=self._open,
            high=self._high,
            low=self._low,
            close=self._close,
            volume=self._vol,
            quote_volume=self._quote,
            trades=self._n,
            first_trade_id=self._first,
            last_trade_id=self._last,
            closed=closed,
        )
