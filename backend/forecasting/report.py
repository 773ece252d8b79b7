"""The metrics block a training (its test tail) and an evaluation report: the model and every
baseline scored on exactly the same points, and the verdict (pure NumPy; no torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.forecasting import baselines
from backend.forecasting.metrics import VERDICT_TEXT, score, verdict


def baseline_predictions(
    returns: NDArray[np.float64],
    targets: NDArray[np.intp],
    *,
    train_mean: float,
    season: int | None,
) -> dict[str, NDArray[np.float64]]:
    """Each baseline's one-step prediction of `returns[t]` for every target t."""
    out = {
        "persistence": baselines.persistence(targets.size),
        "drift": baselines.drift(np.asarray([train_mean]), targets.size),
    }
    if season is not None:
        out["seasonal_naive"] = baselines.seasonal_naive(returns, targets, season)
    return out


def metrics_block(
    actual: NDArray[np.float64],
    model: NDArray[np.float64],
    baseline: dict[str, NDArray[np.float64]],
    *,
    half80: float,
    half95: float,
) -> dict[str, Any]:
    """`{"n", "model", "baselines": {name: metrics}, "verdict", "verdict_text"}`; the model's
    80%/95% intervals are `model +- half80/half95` (log returns)."""
    persistence_mae = float(np.mean(np.abs(actual)))
    model_metrics = score(
        actual,
        model,
        persistence_mae=persistence_mae,
        lower80=model - half80,
        upper80=model + half80,
        lower95=model - half95,
        upper95=model + half95,
    )
    scored = {
        name: score(
            actual,
            pred,
            persistence_mae=persistence_mae,
            compare_to_persistence=name != "persistence",
        ).as_dict()
        for name, pred in baseline.items()
    }
    v = verdict(model_metrics)
    return {
        "n": int(actual.size),
        "model": model_metrics.as_dict(),
        "baselines": scored,
        "verdict": v,
        "verdict_text": VERDICT_TEXT[v],
    }
