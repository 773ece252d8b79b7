"""Forecast statistics against independent references (SciPy, statsmodels, published values)
and synthetic series whose answer is known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tsa.stattools import acovf

from backend.forecasting.baselines import persistence
from backend.forecasting.metrics import (
    SIGNIFICANCE,
    VERDICT_TEXT,
    Metrics,
    MetricsError,
    diebold_mariano,
    interval_from_residuals,
    score,
    verdict,
    wilson,
)


def _ar1(n: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 0.01, n + 1)
    r = np.zeros(n + 1)
    for t in range(1, n + 1):
        r[t] = phi * r[t - 1] + noise[t]
    return r


# --- Wilson -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (81, 263), (517, 1000)])
def test_wilson_matches_statsmodels(k: int, n: int) -> None:
    lo, hi = wilson(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)


def test_wilson_published_value() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662
    lo, hi = wilson(81, 263)
    assert round(lo, 4) == 0.2553
    assert round(hi, 4) == 0.3662


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(MetricsError):
        wilson(0, 0)
    with pytest.raises(MetricsError):
        wilson(11, 10)


# --- Diebold-Mariano ----------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["absolute", "squared"])
def test_dm_horizon_one_equals_paired_t_test(loss: str) -> None:
    # With h = 1 the HLN-corrected DM statistic is exactly the paired t-test on the losses.
    rng = np.random.default_rng(7)
    e1 = rng.normal(0.0, 1.0, 200)
    e2 = rng.normal(0.0, 1.2, 200)
    power = 1 if loss == "absolute" else 2
    ref = stats.ttest_rel(np.abs(e1) ** power, np.abs(e2) ** power)
    stat, p = diebold_mariano(e1, e2, horizon=1, loss=loss)
    assert stat == pytest.approx(float(ref.statistic), rel=1e-10)
    assert p == pytest.approx(float(ref.pvalue), rel=1e-10)
    assert stat < 0  # the model's errors are smaller: negative = model better


@pytest.mark.parametrize("h", [2, 3, 6])
def test_dm_multi_step_against_statsmodels_autocovariances(h: int) -> None:
    rng = np.random.default_rng(11)
    # MA(h-1) loss differential, as h-step forecast errors produce
    shocks = rng.normal(0.0, 1.0, 300 + h)
    e1 = np.convolve(shocks, np.ones(h), mode="valid")[:300] * 0.9
    e2 = np.convolve(rng.normal(0.0, 1.0, 300 + h), np.ones(h), mode="valid")[:300]
    d = np.abs(e1) - np.abs(e2)
    n = d.size
    gamma = acovf(d, adjusted=False, demean=True, fft=False, nlag=h - 1)
    variance = (gamma[0] + 2 * gamma[1:].sum()) / n
    dm = d.mean() / math.sqrt(variance)
    hln = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    p_ref = 2 * stats.t.cdf(-abs(hln), df=n - 1)
    stat, p = diebold_mariano(e1, e2, horizon=h)
    assert stat == pytest.approx(hln, rel=1e-10)
    assert p == pytest.approx(p_ref, rel=1e-10)


def test_dm_sign_and_symmetry() -> None:
    e = _ar1(300, 0.0, 3)[1:]
    stat_better, p1 = diebold_mariano(e * 0.5, e)
    stat_worse, p2 = diebold_mariano(e, e * 0.5)
    assert stat_better < 0 < stat_worse
    assert stat_better == pytest.approx(-stat_worse)
    assert p1 == pytest.approx(p2)


def test_dm_undefined_cases_raise() -> None:
    with pytest.raises(MetricsError, match="at least"):
        diebold_mariano([0.1, 0.2], [0.3, 0.1])
    with pytest.raises(MetricsError, match="identical"):
        diebold_mariano([0.1, -0.2, 0.3], [0.1, -0.2, 0.3])
    with pytest.raises(MetricsError, match="length"):
        diebold_mariano([0.1, 0.2, 0.3], [0.1, 0.2])
    with pytest.raises(MetricsError, match="loss"):
        diebold_mariano([0.1, 0.2, 0.3], [0.2, 0.2, 0.2], loss="cubic")


# --- score: known answers -----------------------------------------------------------------------


def test_score_known_answers() -> None:
    actual = np.array([0.02, -0.01, 0.0, 0.03, -0.04])
    predicted = np.array([0.01, 0.01, 0.01, 0.01, -0.01])
    pers_mae = float(np.mean(np.abs(actual)))  # 0.02
    m = score(actual, predicted, persistence_mae=pers_mae)
    assert m.n == 5
    assert m.mae == pytest.approx((0.01 + 0.02 + 0.01 + 0.02 + 0.03) / 5)
    assert m.rmse == pytest.approx(math.sqrt((1 + 4 + 1 + 4 + 9) * 1e-4 / 5))
    assert m.mase == pytest.approx(0.018 / 0.02)
    # the zero actual is left out and counted; hits: +/+, -/+ miss, +/+, -/-  -> 3 of 4
    assert m.zero_actuals == 1
    assert m.directional_n == 4
    assert m.directional_accuracy == pytest.approx(0.75)
    assert m.directional_ci95 == wilson(3, 4)
    assert m.coverage80 is None and m.coverage95 is None


def test_model_equal_to_persistence_has_mase_one_and_no_verdict() -> None:
    actual = _ar1(500, 0.0, 5)[1:]
    pers = persistence(actual.size)
    pers_mae = float(np.mean(np.abs(actual)))
    m = score(actual, pers, persistence_mae=pers_mae)
    assert m.mase == 1.0
    assert m.dm_stat is None and m.dm_p_value is None  # identical losses: no test
    assert m.directional_accuracy is None  # predicts no direction
    assert verdict(m) == "no_better"
    own = score(actual, pers, persistence_mae=pers_mae, compare_to_persistence=False)
    assert own.mase == 1.0 and own.dm_stat is None


def test_series_with_real_signal_beats_persistence() -> None:
    r = _ar1(3000, 0.5, 1)
    actual, lagged = r[1:], r[:-1]
    predicted = 0.5 * lagged  # the true conditional mean
    m = score(actual, predicted, persistence_mae=float(np.mean(np.abs(actual))))
    assert m.mase < 0.95
    assert m.dm_stat is not None and m.dm_stat < 0
    assert m.dm_p_value is not None and m.dm_p_value < 1e-6
    assert m.directional_accuracy is not None and m.directional_accuracy > 0.6
    assert verdict(m) == "beats"
    assert VERDICT_TEXT[verdict(m)] == "beats the naive forecast"


def test_clearly_bad_model_is_worse() -> None:
    r = _ar1(3000, 0.5, 2)
    actual, lagged = r[1:], r[:-1]
    predicted = -1.5 * lagged  # wrong sign, too large
    m = score(actual, predicted, persistence_mae=float(np.mean(np.abs(actual))))
    assert m.mase > 1.0
    assert m.dm_stat is not None and m.dm_stat > 0
    assert verdict(m) == "worse"
    assert VERDICT_TEXT["worse"] == "worse than the naive forecast"


def test_noise_model_on_a_random_walk_is_no_better() -> None:
    # An unrelated small forecast on pure noise: MASE near 1, DM not significant (fixed seeds).
    actual = _ar1(400, 0.0, 9)[1:]
    predicted = np.random.default_rng(10).normal(0.0, 0.001, actual.size)
    m = score(actual, predicted, persistence_mae=float(np.mean(np.abs(actual))))
    assert m.dm_p_value is not None and m.dm_p_value > SIGNIFICANCE
    assert verdict(m) == "no_better"
    assert VERDICT_TEXT["no_better"] == "no better than the naive forecast"


def test_verdict_needs_both_mase_and_significance() -> None:
    base = dict(
        n=100,
        mae=0.01,
        rmse=0.01,
        directional_accuracy=None,
        directional_ci95=None,
        directional_n=0,
        zero_actuals=0,
        coverage80=None,
        coverage95=None,
    )
    assert verdict(Metrics(mase=0.9, dm_stat=-3.0, dm_p_value=0.01, **base)) == "beats"  # type: ignore[arg-type]
    assert verdict(Metrics(mase=0.9, dm_stat=-1.0, dm_p_value=0.30, **base)) == "no_better"  # type: ignore[arg-type]
    assert verdict(Metrics(mase=1.1, dm_stat=3.0, dm_p_value=0.01, **base)) == "worse"  # type: ignore[arg-type]
    # MASE < 1 but DM significant in persistence's favour (squared vs absolute disagreement)
    assert verdict(Metrics(mase=0.99, dm_stat=2.5, dm_p_value=0.01, **base)) == "no_better"  # type: ignore[arg-type]
    assert verdict(Metrics(mase=0.9, dm_stat=None, dm_p_value=None, **base)) == "no_better"  # type: ignore[arg-type]


# --- coverage and intervals ---------------------------------------------------------------------


def test_coverage_known_answer() -> None:
    actual = np.arange(10, dtype=float)
    predicted = np.zeros(10)
    lower = np.full(10, 0.0)
    upper80 = np.full(10, 7.0)  # 0..7 inside (ends included): 8 of 10
    upper95 = np.full(10, 8.5)  # 0..8: 9 of 10
    m = score(
        actual,
        predicted,
        persistence_mae=4.5,
        lower80=lower,
        upper80=upper80,
        lower95=lower,
        upper95=upper95,
    )
    assert m.coverage80 == 0.8
    assert m.coverage95 == 0.9


def test_conformal_interval_known_ranks() -> None:
    res = np.arange(1.0, 20.0) * np.where(np.arange(19) % 2 == 0, 1, -1)  # |res| = 1..19
    assert interval_from_residuals(res, 0.95) == 19.0  # ceil(20 * 0.95) = 19th smallest
    assert interval_from_residuals(res, 0.80) == 16.0  # ceil(20 * 0.80) = 16th smallest
    with pytest.raises(MetricsError, match="too few"):
        interval_from_residuals(res[:18], 0.95)
    with pytest.raises(MetricsError):
        interval_from_residuals(res, 1.0)


def test_conformal_intervals_reach_their_coverage_on_a_synthetic_series() -> None:
    rng = np.random.default_rng(42)
    validation = rng.standard_t(df=4, size=2000) * 0.01
    actual = rng.standard_t(df=4, size=20000) * 0.01
    predicted = np.zeros_like(actual)
    w80 = interval_from_residuals(validation, 0.8)
    w95 = interval_from_residuals(validation, 0.95)
    m = score(
        actual,
        predicted + 1e-4,
        persistence_mae=float(np.mean(np.abs(actual))),
        lower80=predicted - w80,
        upper80=predicted + w80,
        lower95=predicted - w95,
        upper95=predicted + w95,
    )
    assert m.coverage80 is not None and abs(m.coverage80 - 0.8) < 0.02
    assert m.coverage95 is not None and abs(m.coverage95 - 0.95) < 0.01


# --- edge cases: clear errors, never NaN --------------------------------------------------------


def test_edge_cases_raise_clear_errors() -> None:
    with pytest.raises(MetricsError, match="no points"):
        score([], [], persistence_mae=1.0)
    with pytest.raises(MetricsError, match="all actual returns 0"):
        score([0.0, 0.0, 0.0], [0.01, 0.0, -0.01], persistence_mae=0.0)
    with pytest.raises(MetricsError, match="NaN"):
        score([0.01, math.nan], [0.0, 0.0], persistence_mae=0.01)
    with pytest.raises(MetricsError, match="length"):
        score([0.01, 0.02], [0.0], persistence_mae=0.01)
    with pytest.raises(MetricsError, match="both lower and upper"):
        score([0.01, 0.02], [0.0, 0.0], persistence_mae=0.015, lower80=[0.0, 0.0])


def test_too_few_points_give_none_and_json_without_nan() -> None:
    m = score([0.01, -0.02], [0.005, 0.01], persistence_mae=0.015)
    assert m.dm_stat is None and m.dm_p_value is None
    assert verdict(m) == "no_better"
    text = json.dumps(m.as_dict(), allow_nan=False)
    assert json.loads(text)["directional_ci95"] == list(wilson(1, 2))


def test_all_zero_actuals_leave_direction_out() -> None:
    actual = np.array([0.0, 0.0, 0.01, 0.0])
    m = score(actual, np.array([0.01, -0.01, 0.02, 0.0]), persistence_mae=0.0025)
    assert m.zero_actuals == 3 and m.directional_n == 1
    flat = score(np.zeros(3), np.zeros(3) + 0.0, persistence_mae=1e-9)
    assert flat.directional_n == 0 and flat.directional_accuracy is None
    assert flat.directional_ci95 is None
    json.dumps(flat.as_dict(), allow_nan=False)
