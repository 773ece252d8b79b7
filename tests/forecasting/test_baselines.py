"""Naive baselines on hand-made series with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from backend.forecasting.baselines import drift, persistence, season_for, seasonal_naive


def test_persistence_predicts_zero_return() -> None:
    out = persistence(4)
    assert out.dtype == np.float64
    assert out.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert persistence(0).size == 0
    with pytest.raises(ValueError):
        persistence(-1)


def test_drift_is_mean_training_return() -> None:
    closes = np.array([100.0, 110.0, 99.0, 120.0])
    train = np.diff(np.log(closes))
    out = drift(train, 3)
    expected = np.log(120.0 / 100.0) / 3  # mean of log returns telescopes
    assert out == pytest.approx([expected] * 3)
    assert drift(np.array([]), 2).tolist() == [0.0, 0.0]


def test_seasonal_naive_takes_the_return_one_season_earlier() -> None:
    returns = np.arange(10, dtype=np.float64) / 100
    targets = np.array([3, 7, 9], dtype=np.intp)
    assert seasonal_naive(returns, targets, 3).tolist() == pytest.approx([0.0, 0.04, 0.06])
    assert seasonal_naive(returns, np.array([], dtype=np.intp), 3).size == 0
    with pytest.raises(ValueError, match="season"):
        seasonal_naive(returns, np.array([2], dtype=np.intp), 3)
    with pytest.raises(ValueError, match="season"):
        seasonal_naive(returns, np.array([10], dtype=np.intp), 3)


@pytest.mark.parametrize(
    ("interval", "season"),
    [("1m", 1440), ("5m", 288), ("15m", 96), ("1h", 24), ("4h", 6), ("12h", 2)],
)
def test_season_is_candles_per_day_for_intraday(interval: str, season: int) -> None:
    assert season_for(interval) == season


@pytest.mark.parametrize("interval", ["1d", "3d", "1w", "1M"])
def test_no_season_for_daily_and_longer(interval: str) -> None:
    assert season_for(interval) is None


def test_unknown_interval_raises() -> None:
    with pytest.raises(ValueError, match="unknown interval"):
        season_for("7m")
