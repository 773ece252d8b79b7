"""In-memory index of resting orders per symbol and side: which orders does a trade at `p` hit?

Four binary heaps per symbol:
- resting LIMIT BUYs, max-heap on price: a trade strictly below the price fills them;
- resting LIMIT SELLs, min-heap on price: a trade strictly above the price fills them;
- stops that fire at or below their stop price (STOP_LOSS SELL, TAKE_PROFIT BUY), max-heap;
- stops that fire at or above (STOP_LOSS BUY, TAKE_PROFIT SELL), min-heap.

"Trades through" is strict for limits: a trade exactly at a resting price may have filled orders
queued ahead of ours, so a demo order fills only when the market goes beyond it. Stops trigger on
the last price inclusively, as Binance does (PROTOCOL.md §5.5).

Cost per tick: O(1) to look at the four heap tops, plus O(k log n) for the k orders hit; the n
resting orders are never scanned (bench/matching.py measures it against a linear scan).
Removal is lazy (O(1)): a canceled entry stays in its heap until it surfaces and is skipped;
heaps are rebuilt when dead entries outnumber live ones. Not thread-safe; one asyncio task owns it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

from backend.trading.rules import floor_to_step


class Book(IntEnum):
    BUY_LIMIT = 0  # hit when price < key
    SELL_LIMIT = 1  # hit when price > key
    STOP_BELOW = 2  # hit when price <= key
    STOP_ABOVE = 3  # hit when price >= key


_MAX_HEAP = (Book.BUY_LIMIT, Book.STOP_BELOW)


@dataclass(frozen=True, slots=True)
class Hit:
    order_id: int
    book: Book
    price: Decimal


@dataclass(slots=True)
class _SymbolBooks:
    heaps: tuple[list[tuple[Decimal, int, int]], ...] = field(
        default_factory=lambda: ([], [], [], [])
    )


class OrderIndex:
    """Orders by (symbol, book) keyed on their limit or stop price; `hits(symbol, p)` pops."""

    __slots__ = ("_books", "_dead", "_live", "_seq")

    def __init__(self) -> None:
        self._books: dict[str, _SymbolBooks] = {}
        self._live: dict[int, tuple[str, Book, int, Decimal]] = {}
        self._seq = 0
        self._dead = 0

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, order_id: int) -> bool:
        return order_id in self._live

    def add(self, symbol: str, order_id: int, book: Book, price: Decimal) -> None:
        """Insert or move an order (a re-add replaces the previous entry). O(log n)."""
        if order_id in self._live:
            self.remove(order_id)
        self._seq += 1
        books = self._books.setdefault(symbol, _SymbolBooks())
        key = -price if book in _MAX_HEAP else price
        heapq.heappush(books.heaps[book], (key, self._seq, order_id))
        self._live[order_id] = (symbol, book, self._seq, price)

    def remove(self, order_id: int) -> bool:
        """Forget an order (cancel, fill elsewhere). O(1); its heap entry is skipped later."""
        if self._live.pop(order_id, None) is None:
            return False
        self._dead += 1
        if self._dead > 1024 and self._dead > len(self._live):
            self._compact()
        return True

    def hits(self, symbol: str, price: Decimal) -> list[Hit]:
        """Pop every order that a trade at `price` fills or triggers, best price first."""
        books = self._books.get(symbol)
        if books is None:
            return []
        out: list[Hit] = []
        for book in Book:
            heap = books.heaps[book]
            while heap:
                key, seq, order_id = heap[0]
                live = self._live.get(order_id)
                if live is None or live[2] != seq:
                    heapq.heappop(heap)
                    self._dead = max(0, self._dead - 1)
                    continue
                level = -key if book in _MAX_HEAP else key
                if not _crossed(book, level, price):
                    break
                heapq.heappop(heap)
                del self._live[order_id]
                out.append(Hit(order_id, book, level))
        return out

    def ids(self) -> Iterable[int]:
        return self._live.keys()

    def entry(self, order_id: int) -> tuple[str, Book, Decimal] | None:
        """(symbol, book, price) where an order rests, or None (the periodic resync compares)."""
        live = self._live.get(order_id)
        return None if live is None else (live[0], live[1], live[3])

    def _compact(self) -> None:
        for books in self._books.values():
            for heap in books.heaps:
                keep = [e for e in heap if (lv := self._live.get(e[2])) and lv[2] == e[1]]
                heapq.heapify(keep)
                heap[:] = keep
        self._dead = 0


def _crossed(book: Book, level: Decimal, price: Decimal) -> bool:
    if book is Book.BUY_LIMIT:
        return price < level
    if book is Book.SELL_LIMIT:
        return price > level
    if book is Book.STOP_BELOW:
        return price <= level
    return price >= level


def crossed_linear(orders: Iterable[tuple[int, Book, Decimal]], price: Decimal) -> list[int]:
    """The O(n) baseline: test every resting order (bench/matching.py compares against it)."""
    return [oid for oid, book, level in orders if _crossed(book, level, price)]


def fill_quantity(remaining: Decimal, trade_qty: Decimal | None, step: Decimal) -> Decimal:
    """A resting order takes at most the traded quantity, on the lot step; None: all of it."""
    if trade_qty is None:
        return remaining
    take = min(remaining, trade_qty)
    return floor_to_step(take, step)
