"""The sorted index of price alerts, per symbol (pure: no I/O).

Three sorted lists of `(level, alert id)` per symbol: `above` (fires at price >= level: a
prefix), `below` (price <= level: a suffix) and `crosses` (levels between the previous price
and this one). A tick costs two bisections plus the alerts that fire, not a scan of all; a
price that jumps over levels between two ticks fires all of them.

An alert that fires leaves the index (`remove`); a recurring one comes back after its cooldown
(`suspend` ... `wake`), so a held condition costs nothing between firings.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from decimal import Decimal

_MAX_ID = 1 << 62


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index needs of one price alert (and `version`: what it read from the row)."""

    id: int
    symbol: str
    condition: str  # price_above | price_below | price_crosses
    level: Decimal
    version: int = 0


@dataclass(slots=True)
class _Book:
    above: list[tuple[Decimal, int]] = field(default_factory=list)
    below: list[tuple[Decimal, int]] = field(default_factory=list)
    crosses: list[tuple[Decimal, int]] = field(default_factory=list)

    def side(self, condition: str) -> list[tuple[Decimal, int]]:
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
        insort(book.side(entry.condition), (entry.level, entry.id))
        self.entries[entry.id] = entry

    def remove(self, alert_id: int) -> Entry | None:
        self._asleep.pop(alert_id, None)
        entry = self.entries.pop(alert_id, None)
        if entry is None:
            return None
        side = self._books[entry.symbol].side(entry.condition)
        key = (entry.level, entry.id)
        i = bisect_left(side, key)
        if i < len(side) and side[i] == key:
            del side[i]
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
        ids: list[int] = []
        above = book.above
        ids += [i for _, i in above[: bisect_right(above, (price, _MAX_ID))]]
        below = book.below
        ids += [i for _, i in below[bisect_left(below, (price, -1)) :]]
        if prev is not None and prev != price:
            crosses = book.crosses
            if price > prev:  # prev < level <= price
                lo, hi = (
                    bisect_right(crosses, (prev, _MAX_ID)),
                    bisect_right(crosses, (price, _MAX_ID)),
                )
            else:  # price <= level < prev
                lo, hi = bisect_left(crosses, (price, -1)), bisect_left(crosses, (prev, -1))
            ids += [i for _, i in crosses[lo:hi]]
        return [self.entries[i] for i in ids]
