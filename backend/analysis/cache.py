"""A bounded LRU of computed indicator windows, per process (held by the Runtime).

Bounded by entries and by candles held. Key: (symbol, interval, the request's window, warm-up, the first stored and the last closed
candle's open times). A new closed candle or imported older history makes a new key; the forming
candle is never cached (it is computed fresh on the cached arrays each request).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

CacheKey = tuple[Any, ...]
DEFAULT_ENTRIES = 256
# ~5 float64 arrays per candle held: 2M candles is about 80 MB (an OBV window holds the whole
# history of its series)
DEFAULT_MAX_CANDLES = 2_000_000


@dataclass(slots=True)
class Window:
    """Closed candles of a window: open times, the float arrays (warm-up first), and each spec's
    formatted outputs over the window (filled as specs are asked for)."""

    open_times: list[int]
    arrays: Any  # registry.Bars over warm-up + window
    outputs: dict[str, dict[str, list[str | None]]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Candles held (warm-up included)."""
        return len(self.arrays.close)


class IndicatorCache:
    def __init__(
        self, max_entries: int = DEFAULT_ENTRIES, max_candles: int = DEFAULT_MAX_CANDLES
    ) -> None:
        self.max_entries = max_entries
        self.max_candles = max_candles
        self.candles = 0
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
        old = self._entries.pop(key, None)
        if old is not None:
            self.candles -= old.size
        self._entries[key] = window
        self.candles += window.size
        while len(self._entries) > 1 and (
            len(self._entries) > self.max_entries or self.candles > self.max_candles
        ):
            _, evicted = self._entries.popitem(last=False)
            self.candles -= evicted.size

    def clear(self) -> None:
        self._entries.clear()
        self.candles = 0

    def __len__(self) -> int:
        return len(self._entries)
