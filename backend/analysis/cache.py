"""A bounded LRU of computed indicator windows, per process (held by the Runtime).

Key: (symbol, interval, the request's window, warm-up, the first stored and the last closed
candle's open times). A new closed candle or imported older history makes a new key; the forming
candle is never cached (it is computed fresh on the cached arrays each request).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

CacheKey = tuple[Any, ...]
DEFAULT_ENTRIES = 256


@dataclass(slots=True)
class Window:
    """Closed candles of a window: open times, the float arrays (warm-up first), and each spec's
    formatted outputs over the window (filled as specs are asked for)."""

    open_times: list[int]
    arrays: Any  # registry.Bars over warm-up + window
    outputs: dict[str, dict[str, list[str | None]]] = field(default_factory=dict)


class IndicatorCache:
    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, Window] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Window | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: CacheKey, window: Window) -> None:
        self._entries[key] = window
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
