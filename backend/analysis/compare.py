"""Risk and performance figures of aligned close series. Pure NumPy.

Log returns r_t = ln(c_t / c_{t-1}); N = candles per year of the interval (365-day year, the
market never closes). Total return = c_last / c_first - 1; volatility = std(r, ddof=1) * sqrt(N);
max drawdown = max_t (1 - c_t / max_{s<=t} c_s) (a positive fraction of the peak); Sharpe (risk-
free 0) = mean(r) / std(r, ddof=1) * sqrt(N); beta = cov(r, r_bench) / var(r_bench) (ddof=1);
correlation: Pearson's of the log returns; normalised series: 100 * c_t / c_first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True, slots=True)
class Figures:
    total_return: float
    volatility: float
    max_drawdown: float
    sharpe: float | None  # None when the returns do not vary
    beta: float | None  # None without a benchmark or when it does not vary


def log_returns(close: Array) -> Array:
    return np.asarray(np.log(close[1:] / close[:-1]))


def max_drawdown(close: Array) -> float:
    peaks = np.maximum.accumulate(close)
    return float(np.max(1.0 - close / peaks))


def figures(close: Array, bench_close: Array | None, per_year: float) -> Figures:
    r = log_returns(close)
    sd = float(np.std(r, ddof=1))
    sharpe = float(np.mean(r)) / sd * math.sqrt(per_year) if sd > 0 else None
    beta: float | None = None
    if bench_close is not None:
        b = log_returns(bench_close)
        var_b = float(np.var(b, ddof=1))
        if var_b > 0:
            beta = float(np.cov(r, b, ddof=1)[0, 1]) / var_b
    return Figures(
        total_return=float(close[-1] / close[0] - 1.0),
        volatility=sd * math.sqrt(per_year),
        max_drawdown=max_drawdown(close),
        sharpe=sharpe,
        beta=beta,
    )


def correlation(closes: list[Array]) -> Array:
    """Pearson correlation matrix of the log returns (NaN where a series does not vary)."""
    returns = np.vstack([log_returns(c) for c in closes])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.corrcoef(returns))


def normalised(close: Array) -> Array:
    return np.asarray(close / close[0] * 100.0)
