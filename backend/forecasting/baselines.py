"""The naive forecasts every model is shown beside (pure NumPy; no torch, no database).

All work on log returns ``r_t = ln(c_t / c_{t-1})`` of closes, one step ahead:

- persistence: the predicted return is 0, i.e. the next close equals the last one (random walk);
- drift: the mean of the training returns (a random walk with drift);
- seasonal naive (intraday intervals only): the return of the candle one day earlier.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Candle length in seconds of the intraday intervals (Binance's names); 1d and longer have no
# intraday season.
_INTRADAY_SECONDS: dict[str, int] = {
    "1s": 1,
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1_800,
    "1h": 3_600,
    "2h": 7_200,
    "4h": 14_400,
    "6h": 21_600,
    "8h": 28_800,
    "12h": 43_200,
}
_DAY_SECONDS = 86_400
_DAILY_OR_LONGER = frozenset({"1d", "3d", "1w", "1M"})


def persistence(n: int) -> NDArray[np.float64]:
    """``n`` predicted returns of 0: the random walk, the benchmark MASE and DM are scaled by."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return np.zeros(n, dtype=np.float64)


def drift(train_returns: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``n`` copies of the mean training return (0 when there is no training return)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    train = np.asarray(train_returns, dtype=np.float64)
    finite = train[np.isfinite(train)]
    mean = float(finite.mean()) if finite.size else 0.0
    return np.full(n, mean, dtype=np.float64)


def seasonal_naive(
    returns: NDArray[np.float64], targets: NDArray[np.intp], season: int
) -> NDArray[np.float64]:
    """For each target index ``t`` into ``returns``: ``returns[t - season]`` (one day earlier).

    Every target must have ``t - season >= 0`` (the caller forecasts only points with a full day
    of history before them); a target outside that range raises ``ValueError``.
    """
    if season < 1:
        raise ValueError("season must be >= 1")
    values = np.asarray(returns, dtype=np.float64)
    idx = np.asarray(targets, dtype=np.intp)
    if idx.size == 0:
        return np.zeros(0, dtype=np.float64)
    source = idx - season
    if int(source.min()) < 0 or int(idx.max()) >= values.size:
        raise ValueError("seasonal naive needs targets in [season, len(returns))")
    return values[source].astype(np.float64, copy=True)


def season_for(interval: str) -> int | None:
    """Candles per day for an intraday interval (24 for 1h, 96 for 15m); None for 1d and longer.

    Raises ``ValueError`` for a name that is not a Binance interval.
    """
    seconds = _INTRADAY_SECONDS.get(interval)
    if seconds is not None:
        return _DAY_SECONDS // seconds
    if interval in _DAILY_OR_LONGER:
        return None
    raise ValueError(f"unknown interval {interval!r}")
