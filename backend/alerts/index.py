"""The sorted index of price alerts, per symbol (pure: no I/O).

Three sorted sides per symbol: `above` (fires at price >= level: a prefix), `below` (price <=
level: a suffix) and `crosses` (levels between the previous price and this one). A tick costs
four bisections plus the alerts that fire, not a scan of all; a price that jumps over levels
between two ticks fires all of them. Each side keeps its levels and alert ids in two parallel
lists, ordered by (level, id): a bisection then compares bare Decimals, about twice as fast as
`(level, id)` tuples (bench/alerts.py: 1,000,000 alerts, none firing).

An alert that fires leaves the index (`remove`); a recurring one comes back after its cooldown
(`suspend` ... `wake`), so a held condition costs nothing between firings.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index needs of one price alert (and `version`: what it read from the row)."""

    id: int
    symbol: str
    condition: str  # price_above | price_below | price_crosses
    level: Decimal
    version: int = 0


@dataclass(slots=True)
class _Side:
    levels: list[Decimal] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # ids[i] is the alert at levels[i]

    def _at(self, level: Decimal, alert_id: int) -> int:
        lo, hi = bisect_left(self.levels, level), bisect_right(self.levels, level)
        return bisect_left(self.ids, alert_id, lo, hi)  # ids ascend within one level

    def insert(self, level: Decimal, alert_id: int) -> None:
        i = self._at(level, alert_id)
        self.levels.insert(i, level)
        self.ids.insert(i, alert_id)

    def delete(self, level: Decimal, alert_id: int) -> None:
        i = self._at(level, alert_id)
        if i < len(self.ids) and self.ids[i] == alert_id and self.levels[i] == level:
            del self.levels[i]
            del self.ids[i]


@dataclass(slots=True)
class _Book:
    above: _Side = field(default_factory=_Side)
    below: _Side = field(default_factory=_Side)
    crosses: _Side = field(default_factory=_Side)

    def side(self, condition: str) -> _Side:
        if condition == "price_above":
            return self.above
        if condition == "price_below":
            return self.below
        if condition == "price_crosses":
            return self.crosses
        raise ValueError(f"not a price condition: {condition}")


class PriceIndex:
    def __init__(self) -> None:
        self._books: dict[str, _Book] = {}
        self.entries: dict[int, Entry] = {}
        self._sleeping: list[tuple[float, int, Entry]] = []  # (wake at, id, entry)
        self._asleep: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: Entry) -> None:
        """Index an alert (an edit replaces its earlier entry, awake or asleep)."""
        self.remove(entry.id)
        book = self._books.setdefault(entry.symbol, _Book())
        book.side(entry.condition).insert(entry.level, entry.id)
        self.entries[entry.id] = entry

    def remove(self, alert_id: int) -> Entry | None:
        self._asleep.pop(alert_id, None)
        entry = self.entries.pop(alert_id, None)
        if entry is None:
            return None
        self._books[entry.symbol].side(entry.condition).delete(entry.level, entry.id)
        return entry

    def suspend(self, entry: Entry, until: float) -> None:
        """Out of the index until `until` (a recurring alert's cooldown), then back by `wake`."""
        self.remove(entry.id)
        self._asleep[entry.id] = entry
        heapq.heappush(self._sleeping, (until, entry.id, entry))

    def wake(self, now: float) -> list[Entry]:
        woken: list[Entry] = []
        while self._sleeping and self._sleeping[0][0] <= now:
            _, alert_id, entry = heapq.heappop(self._sleeping)
            if self._asleep.get(alert_id) is entry:  # not removed or replaced meanwhile
                del self._asleep[alert_id]
                self.add(entry)
                woken.append(entry)
        return woken

    def known(self, alert_id: int) -> bool:
        return alert_id in self.entries or alert_id in self._asleep

    def ids(self) -> set[int]:
        return set(self.entries) | set(self._asleep)

    def matches(self, symbol: str, prev: Decimal | None, price: Decimal) -> list[Entry]:
        """The alerts a move from `prev` to `price` fires (conditions.price_fires, indexed)."""
        book = self._books.get(symbol)
        if book is None:
            return []
        above, below = book.above, book.below
        ids = above.ids[: bisect_right(above.levels, price)]  # level <= price
        ids += below.ids[bisect_left(below.levels, price) :]  # level >= price
        if prev is not None and prev != price:
            levels = book.crosses.levels
            if price > prev:  # prev < level <= price
                lo, hi = bisect_right(levels, prev), bisect_right(levels, price)
            else:  # price <= level < prev
                lo, hi = bisect_left(levels, price), bisect_left(levels, prev)
            ids += book.crosses.ids[lo:hi]
        return [self.entries[i] for i in ids]
