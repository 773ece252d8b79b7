"""Replay of recorded candles (`<dir>/<interval>/<SYMBOL>.csv.gz`, ../shared/data/DATA.md) as a
deterministic tick stream, and the replay clock.

Tick synthesis (documented choice; the files hold OHLCV only): each source candle becomes
`interval / tick_ms` ticks on a fixed grid starting at its open time. The price walks straight
lines through four vertices — O -> L -> H -> C for a candle that closed up (dip first, then the
rally), O -> H -> L -> C for one that closed down — each leg a third of the ticks, prices rounded
half-even to the symbol's tick size and kept inside [L, H]; the vertices themselves are exact.
The candle's volume is split evenly (8 decimals, rounded down) and the last tick takes the
remainder, so rebuilding the candle from its ticks gives back O, H, L, C and V exactly.
The finest file that covers the start wins (15m, else 1h). Same files + same start = same ticks.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import heapq
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path

from backend.market.candles import interval_ms

SOURCE_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d")  # finest first
QTY_QUANTUM = Decimal("0.00000001")
HEADER = ["open_time_ms", "open", "high", "low", "close", "volume"]


@dataclass(frozen=True, slots=True)
class SourceCandle:
    symbol: str
    interval: str
    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True, order=True)
class Tick:
    time: int
    symbol: str
    price: Decimal
    qty: Decimal


def read_candles(
    path: Path, symbol: str, interval: str, *, start_ms: int | None = None
) -> Iterator[SourceCandle]:
    """Stream a candle file oldest first; decimals keep the file's exact text."""
    with gzip.open(path, "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != HEADER:
            raise ValueError(f"{path}: unexpected header {header!r}")
        for row in reader:
            open_time = int(row[0])
            if start_ms is not None and open_time + interval_ms(interval) <= start_ms:
                continue
            yield SourceCandle(symbol, interval, open_time, *(Decimal(v) for v in row[1:6]))


def candle_files(replay_dir: Path) -> dict[str, dict[str, Path]]:
    """`{symbol: {interval: path}}` for every `<interval>/<SYMBOL>.csv.gz` under the folder."""
    found: dict[str, dict[str, Path]] = {}
    for interval in SOURCE_INTERVALS:
        folder = replay_dir / interval
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv.gz")):
            found.setdefault(path.name.removesuffix(".csv.gz").upper(), {})[interval] = path
    return found


def first_open_time(path: Path) -> int | None:
    with gzip.open(path, "rt") as fh:
        fh.readline()
        line = fh.readline()
    return int(line.split(",", 1)[0]) if line else None


def last_open_time(path: Path) -> int | None:
    last: str | None = None
    with gzip.open(path, "rt") as fh:
        fh.readline()
        for line in fh:
            last = line
    return int(last.split(",", 1)[0]) if last else None


def pick_file(files: dict[str, Path], start_ms: int) -> tuple[str, Path] | None:
    """The finest interval whose file starts at or before `start_ms` (else the finest at all)."""
    ordered = [(i, files[i]) for i in SOURCE_INTERVALS if i in files]
    for interval, path in ordered:
        first = first_open_time(path)
        if first is not None and first <= start_ms:
            return interval, path
    return ordered[-1] if ordered else None


def synth_ticks(c: SourceCandle, tick_ms: int, tick_size: Decimal) -> list[Tick]:
    n = max(4, interval_ms(c.interval) // tick_ms)
    up = c.close >= c.open
    vertices = [c.open, c.low, c.high, c.close] if up else [c.open, c.high, c.low, c.close]
    marks = [0, round((n - 1) / 3), round(2 * (n - 1) / 3), n - 1]
    quantum = tick_size if tick_size > 0 else QTY_QUANTUM
    each = (c.volume / n).quantize(QTY_QUANTUM, rounding=ROUND_DOWN)
    ticks: list[Tick] = []
    leg = 0
    for i in range(n):
        while leg < 2 and i > marks[leg + 1]:
            leg += 1
        a, b = vertices[leg], vertices[leg + 1]
        lo, hi = marks[leg], marks[leg + 1]
        if i == lo:
            price = a
        elif i == hi:
            price = b
        else:
            raw = a + (b - a) * Decimal(i - lo) / Decimal(hi - lo)
            steps = (raw / quantum).to_integral_value(rounding=ROUND_HALF_EVEN)
            price = min(c.high, max(c.low, (steps * quantum).quantize(quantum)))
        qty = c.volume - each * (n - 1) if i == n - 1 else each
        ticks.append(Tick(c.open_time + i * (interval_ms(c.interval) // n), c.symbol, price, qty))
    return ticks


def tick_stream(
    sources: Sequence[Iterator[SourceCandle]], tick_ms: int, tick_sizes: dict[str, Decimal]
) -> Iterator[Tick]:
    """All symbols' ticks merged in (time, symbol) order."""

    def one(candles: Iterator[SourceCandle]) -> Iterator[Tick]:
        for c in candles:
            yield from synth_ticks(c, tick_ms, tick_sizes.get(c.symbol, Decimal(0)))

    return heapq.merge(*(one(s) for s in sources))


def parse_start(value: str | None) -> int | None:
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class ReplayClock:
    """Market time = start + (wall elapsed) x speed. `monotonic`/`sleep` are injectable."""

    def __init__(
        self,
        start_ms: int,
        speed: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("replay speed must be positive")
        self.start_ms = start_ms
        self.speed = speed
        self._monotonic = monotonic
        self._sleep = sleep
        self._wall0 = monotonic()

    def now_ms(self) -> int:
        return self.start_ms + int((self._monotonic() - self._wall0) * self.speed * 1000)

    def restart(self, start_ms: int) -> None:
        self.start_ms = start_ms
        self._wall0 = self._monotonic()

    async def sleep_until(self, market_ms: int) -> bool:
        """Wait until the clock reaches `market_ms`; False when it already had (behind)."""
        wall_target = self._wall0 + (market_ms - self.start_ms) / 1000 / self.speed
        delay = wall_target - self._monotonic()
        if delay > 0:
            await (self._sleep or asyncio.sleep)(delay)
            return True
        return False
