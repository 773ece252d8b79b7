"""How good a forecast of log returns is, and whether it beats the naive one (pure NumPy/SciPy).

Every figure is computed on exactly the points it is given: the model and each baseline are
scored on the same ``actual`` array, and MASE is scaled by persistence's MAE on those points.

- MAE, RMSE of ``actual - predicted``.
- MASE = MAE / persistence's MAE on the same points (persistence predicts a return of 0, so its
  MAE is ``mean(|actual|)``); 1 means "as good as the random walk", below 1 better.
- Directional accuracy: the share of points where ``predicted * actual > 0``. Points whose actual
  return is exactly 0 have no direction: they are left out and counted in ``zero_actuals``. A
  predicted 0 makes no call and counts as a miss; a forecast that predicts 0 everywhere
  (persistence) has no directional accuracy at all (None). The 95% interval is Wilson's score
  interval.
- Diebold-Mariano against persistence with the Harvey-Leybourne-Newbold (1997) small-sample
  correction, loss ``|e|`` (or ``e**2``); see :func:`diebold_mariano`.
- Coverage: the share of actuals inside ``[lower, upper]`` (both ends included).

Nothing returned is NaN or infinite: a figure that does not exist is None, and inputs from which
no figure can be computed raise :class:`MetricsError` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Loss = Literal["absolute", "squared"]
Verdict = Literal["beats", "no_better", "worse"]

VERDICT_TEXT: dict[Verdict, str] = {
    "beats": "beats the naive forecast",
    "no_better": "no better than the naive forecast",
    "worse": "worse than the naive forecast",
}

# The two-sided p-value below which the DM test counts as a difference (the verdict's threshold).
SIGNIFICANCE = 0.05
_Z95 = 1.959963984540054


class MetricsError(ValueError):
    """The inputs admit no such figure (too few points, all-zero actuals, mismatched lengths)."""


@dataclass(frozen=True)
class Metrics:
    n: int
    mae: float
    rmse: float
    mase: float
    directional_accuracy: float | None
    directional_ci95: tuple[float, float] | None
    directional_n: int
    zero_actuals: int
    dm_stat: float | None
    dm_p_value: float | None
    coverage80: float | None
    coverage95: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: floats and None only (never NaN), the CI as a two-item list."""
        out = asdict(self)
        if self.directional_ci95 is not None:
            out["directional_ci95"] = list(self.directional_ci95)
        return out


def _vector(name: str, values: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise MetricsError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(arr)):
        raise MetricsError(f"{name} holds NaN or infinite values")
    return arr


def wilson(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``successes / n`` (95% for the default ``z``)."""
    if n <= 0:
        raise MetricsError("Wilson interval needs n > 0")
    if not 0 <= successes <= n:
        raise MetricsError("successes must be within [0, n]")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def diebold_mariano(
    e_model: ArrayLike,
    e_bench: ArrayLike,
    *,
    horizon: int = 1,
    loss: str = "absolute",
) -> tuple[float, float]:
    """Diebold-Mariano test of equal accuracy with the HLN correction: ``(statistic, p_value)``.

    ``d_t = L(e_model_t) - L(e_bench_t)`` with ``L = |e|`` ("absolute") or ``e**2`` ("squared"),
    so a NEGATIVE statistic means the model's losses are smaller (the model is better).
    The long-run variance of ``mean(d)`` is ``(g_0 + 2 * sum_{k=1}^{h-1} g_k) / n`` with the
    autocovariances ``g_k = sum_t (d_t - dbar)(d_{t-k} - dbar) / n`` (the truncated rectangular
    window of Diebold & Mariano 1995; for an h-step forecast errors are MA(h-1)); when that sum is
    not positive for ``h > 1`` it falls back to ``h = 1`` (as R's ``forecast::dm.test``). The
    statistic is multiplied by ``sqrt((n + 1 - 2h + h(h-1)/n) / n)`` (Harvey, Leybourne & Newbold
    1997) and the two-sided p-value comes from Student's t with ``n - 1`` degrees of freedom.
    For ``h = 1`` this equals the paired t-test on the losses.

    Raises :class:`MetricsError` when the test does not exist: fewer than ``max(3, 2h)`` points,
    or identical losses everywhere (zero variance: the two forecasts are the same).
    """
    if horizon < 1:
        raise MetricsError("horizon must be >= 1")
    a = _vector("e_model", e_model)
    b = _vector("e_bench", e_bench)
    if a.size != b.size:
        raise MetricsError("e_model and e_bench differ in length")
    n = int(a.size)
    if n < max(3, 2 * horizon):
        raise MetricsError(f"Diebold-Mariano needs at least {max(3, 2 * horizon)} points, got {n}")
    if loss == "absolute":
        d = np.abs(a) - np.abs(b)
    elif loss == "squared":
        d = a * a - b * b
    else:
        raise MetricsError(f"unknown loss {loss!r}")
    dbar = float(d.mean())
    centred = d - dbar
    h = horizon
    while True:
        gammas = [float(np.dot(centred[k:], centred[: n - k])) / n for k in range(h)]
        variance = (gammas[0] + 2.0 * sum(gammas[1:])) / n
        if variance > 0.0 or h == 1:
            break
        h = 1
    if not variance > 0.0:
        raise MetricsError("the two forecasts have identical losses: the DM test does not exist")
    correction = math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    statistic = dbar / math.sqrt(variance) * correction
    # scipy (~75 MB of modules) only here: the worker's evaluations call this, the API never
    # does, and it imports this module for MetricsError and the verdict texts.
    from scipy import stats

    p_value = float(2.0 * stats.t.sf(abs(statistic), df=n - 1))
    return float(statistic), min(1.0, p_value)


def _coverage(
    actual: NDArray[np.float64], lower: ArrayLike | None, upper: ArrayLike | None, name: str
) -> float | None:
    if lower is None and upper is None:
        return None
    if lower is None or upper is None:
        raise MetricsError(f"{name}: both lower and upper are needed")
    lo = _vector(f"lower{name}", lower)
    hi = _vector(f"upper{name}", upper)
    if lo.size != actual.size or hi.size != actual.size:
        raise MetricsError(f"{name} interval differs in length from actual")
    if np.any(lo > hi):
        raise MetricsError(f"{name} interval has lower > upper")
    inside = (actual >= lo) & (actual <= hi)
    return float(inside.mean())


def score(
    actual: ArrayLike,
    predicted: ArrayLike,
    *,
    persistence_mae: float,
    lower80: ArrayLike | None = None,
    upper80: ArrayLike | None = None,
    lower95: ArrayLike | None = None,
    upper95: ArrayLike | None = None,
    horizon: int = 1,
    compare_to_persistence: bool = True,
) -> Metrics:
    """Score one forecast of ``actual`` (log returns) on exactly these points.

    ``persistence_mae`` is persistence's MAE on the same points (``mean(|actual|)``); it scales
    MASE. ``compare_to_persistence=False`` (for persistence itself) leaves the DM fields None;
    they are None too when the test does not exist (too few points, identical losses).
    Raises :class:`MetricsError` for no points, mismatched lengths, NaN inputs, or a persistence
    MAE that is not positive (every actual return 0: MASE does not exist).
    """
    act = _vector("actual", actual)
    pred = _vector("predicted", predicted)
    if act.size == 0:
        raise MetricsError("no points to score")
    if pred.size != act.size:
        raise MetricsError("predicted differs in length from actual")
    if not (math.isfinite(persistence_mae) and persistence_mae > 0.0):
        raise MetricsError("persistence MAE is not positive (all actual returns 0): no MASE")
    errors = act - pred
    mae = float(np.mean(np.abs(errors)))
    rmse = float(math.sqrt(float(np.mean(errors * errors))))

    moved = act != 0.0
    directional_n = int(moved.sum())
    zero_actuals = int(act.size - directional_n)
    accuracy: float | None = None
    ci: tuple[float, float] | None = None
    if directional_n > 0 and bool(np.any(pred[moved] != 0.0)):
        hits = int(np.sum(pred[moved] * act[moved] > 0.0))
        accuracy = hits / directional_n
        ci = wilson(hits, directional_n)

    dm_stat: float | None = None
    dm_p: float | None = None
    if compare_to_persistence:
        try:
            dm_stat, dm_p = diebold_mariano(errors, act, horizon=horizon)
        except MetricsError:
            dm_stat, dm_p = None, None

    return Metrics(
        n=int(act.size),
        mae=mae,
        rmse=rmse,
        mase=mae / persistence_mae,
        directional_accuracy=accuracy,
        directional_ci95=ci,
        directional_n=directional_n,
        zero_actuals=zero_actuals,
        dm_stat=dm_stat,
        dm_p_value=dm_p,
        coverage80=_coverage(act, lower80, upper80, "80"),
        coverage95=_coverage(act, lower95, upper95, "95"),
    )


def verdict(model: Metrics) -> Verdict:
    """ "beats" only when MASE < 1 AND the DM test (p < 0.05) favours the model; "worse" when
    MASE > 1 AND the DM test favours persistence; otherwise "no_better"."""
    if model.dm_stat is None or model.dm_p_value is None or model.dm_p_value >= SIGNIFICANCE:
        return "no_better"
    if model.mase < 1.0 and model.dm_stat < 0.0:
        return "beats"
    if model.mase > 1.0 and model.dm_stat > 0.0:
        return "worse"
    return "no_better"


def interval_from_residuals(residuals: Sequence[float] | ArrayLike, level: float) -> float:
    """Half-width of a symmetric ``level`` interval (0.8, 0.95) around a point forecast.

    Split-conformal: with the n validation residuals ``actual - predicted`` (from data the model
    was not fitted on), the half-width is the ``ceil((n + 1) * level)``-th smallest ``|residual|``.
    If future residuals are exchangeable with the validation ones, ``prediction +- half_width``
    covers the actual with probability at least ``level``. Raises :class:`MetricsError` when there
    are too few residuals for that level (n < level / (1 - level), e.g. 4 for 80%, 19 for 95%).
    """
    if not 0.0 < level < 1.0:
        raise MetricsError("level must be in (0, 1)")
    res = np.abs(_vector("residuals", np.asarray(residuals, dtype=np.float64)))
    n = int(res.size)
    rank = math.ceil((n + 1) * level - 1e-9)
    if n == 0 or rank > n:
        raise MetricsError(f"{n} residuals are too few for a {level:.0%} interval")
    return float(np.sort(res)[rank - 1])
