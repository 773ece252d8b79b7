"""The indicator cache stays bounded: by entries and by candles held, least recently used first."""

from __future__ import annotations

import numpy as np

from backend.analysis.cache import IndicatorCache, Window
from backend.analysis.registry import Bars


def window(n: int) -> Window:
    a = np.ones(n)
    return Window(list(range(n)), Bars(a, a, a, a, a, 3_600_000))


def test_lru_by_entries() -> None:
    cache = IndicatorCache(max_entries=2, max_candles=10**9)
    cache.put(("a",), window(3))
    cache.put(("b",), window(3))
    assert cache.get(("a",)) is not None  # a is now the most recent
    cache.put(("c",), window(3))
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert len(cache) == 2 and cache.candles == 6


def test_bounded_by_candles_held() -> None:
    cache = IndicatorCache(max_entries=100, max_candles=1000)
    for i in range(5):
        cache.put((i,), window(400))
    assert len(cache) == 2 and cache.candles == 800
    cache.put((9,), window(5000))  # one larger than the bound is kept alone
    assert len(cache) == 1 and cache.candles == 5000
