"""From closes to the samples the model and the baselines share (pure NumPy).

`returns[i] = ln(close[i+1] / close[i])` is the return of candle i+1. A sample's target is one
index t into `returns`; its input is `returns[t - lookback : t]`, only candles closed before the
target candle opened. Samples are split in time order: the first 70 % train, the next 15 %
validation (early stopping, interval widths), the last 15 % test (the card's metrics).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

TRAIN_FRACTION = 0.70
VAL_FRACTION = 0.15
MIN_SAMPLES = 100  # the fewest samples a model is trained on (train + validation + test)


class NotEnoughHistory(ValueError):
    """Too few stored candles for the job; the message says how many there are and are needed."""


def log_returns(closes: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.diff(np.log(np.asarray(closes, dtype=np.float64)))


def first_target(lookback: int, season: int | None) -> int:
    """The first target index with a full input window and (intraday) a return one day before."""
    return max(lookback, season or 0)


def min_candles(lookback: int, season: int | None) -> int:
    return first_target(lookback, season) + MIN_SAMPLES + 1


def split(
    n_returns: int, lookback: int, season: int | None
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """Target indices of the train, validation and test samples, in time order."""
    targets = np.arange(first_target(lookback, season), n_returns, dtype=np.intp)
    if targets.size < MIN_SAMPLES:
        raise NotEnoughHistory(f"{targets.size} samples, need {MIN_SAMPLES}")
    n_train = int(targets.size * TRAIN_FRACTION)
    n_val = int(targets.size * VAL_FRACTION)
    return targets[:n_train], targets[n_train : n_train + n_val], targets[n_train + n_val :]
