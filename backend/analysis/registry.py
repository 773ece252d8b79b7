"""The indicator registry: which TA-Lib functions, their parameters (names, ranges, defaults),
their outputs, overlay or panel, and the warm-up each needs to equal TA-Lib run over the whole
history. Pure: NumPy arrays in, NumPy arrays out (NaN where a value does not exist).

A spec is written `name:p1:p2...` (positional, missing ones take their defaults): `rsi:14`,
`macd:12:26:9`, `bbands:20:2`. Its canonical key has every parameter written out.

Warm-up: TA-Lib's lookback is only the minimum. A recursive smoothing (EMA, Wilder's) started
`n` candles earlier carries an error of at most (1 - alpha)^n of its seed's, so `n` is chosen for
(1 - alpha)^n < 1e-14; a cumulative one (OBV) is computed from the first stored candle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Literal

import numpy as np

from backend.errors import AppError

Array = np.ndarray
Placement = Literal["overlay", "panel"]
_EPS = 1e-14
_YEAR_MS = 365 * 24 * 3600 * 1000
TREND_UP, TREND_DOWN, TREND_SIDEWAYS = 1.0, -1.0, 0.0


def _ta() -> ModuleType:
    """TA-Lib, imported when the first indicator is computed, not with the app: it is ~5 MB of
    resident memory (and pandas too, where pandas is installed: TA-Lib then wraps every function
    for Series) that an API process nobody asks for indicators never needs (bench/rss.py)."""
    import talib

    return talib


class InvalidIndicator(AppError):
    status = 422
    code = "invalid_indicator"
    message = "Invalid indicator"


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    integer: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Bars:
    """The candles' float arrays, oldest first; `interval_ms` for annualising."""

    open: Array
    high: Array
    low: Array
    close: Array
    volume: Array
    interval_ms: int


Values = dict[str, Decimal]
Compute = Callable[[Bars, Values], dict[str, Array]]
Warmup = Callable[[Values], int | None]  # None: from the first stored candle


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    title: str
    placement: Placement
    params: tuple[Param, ...]
    outputs: tuple[str, ...]
    compute: Compute
    warmup: Warmup
    description: str = ""


@dataclass(frozen=True, slots=True)
class Spec:
    indicator: Indicator
    values: Values

    @property
    def key(self) -> str:
        parts = [self.indicator.name] + [_text(self.values[p.name]) for p in self.indicator.params]
        return ":".join(parts)

    def warmup(self) -> int | None:
        return self.indicator.warmup(self.values)

    def compute(self, bars: Bars) -> dict[str, Array]:
        return self.indicator.compute(bars, self.values)


def _text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def decay_steps(alpha: float) -> int:
    """Candles after which a recursive smoothing forgets its seed to 1e-14."""
    return math.ceil(math.log(_EPS) / math.log(1.0 - alpha))


def ema_steps(period: int) -> int:
    return decay_steps(2.0 / (period + 1))


def wilder_steps(period: int) -> int:
    return decay_steps(1.0 / period) if period > 1 else 1


def periods_per_year(interval_ms: int) -> float:
    if interval_ms >= 28 * 24 * 3600 * 1000:  # 1M: calendar months
        return 12.0
    return _YEAR_MS / interval_ms


def _i(values: Values, name: str) -> int:
    return int(values[name])


def _f(values: Values, name: str) -> float:
    return float(values[name])


def _p(name: str, default: int, lo: int, hi: int, description: str = "") -> Param:
    return Param(name, Decimal(default), Decimal(lo), Decimal(hi), True, description)


def _period(default: int, lo: int = 2, hi: int = 500) -> Param:
    return _p("period", default, lo, hi, "candles")


# --- volatility and trend: our own formulas (README "Analysis") ---


def log_returns(close: Array) -> Array:
    out = np.full(close.shape, np.nan)
    out[1:] = np.log(close[1:] / close[:-1])
    return out


def _rolling(values: Array, period: int, fn: Callable[[Array], Array]) -> Array:
    out = np.full(values.shape, np.nan)
    if len(values) >= period:
        windows = np.lib.stride_tricks.sliding_window_view(values, period)
        out[period - 1 :] = fn(windows)
    return out


def _volatility(bars: Bars, v: Values) -> dict[str, Array]:
    period = _i(v, "period")
    scale = math.sqrt(periods_per_year(bars.interval_ms))
    r = log_returns(bars.close)
    stdev = _rolling(r, period, lambda w: np.std(w, axis=1, ddof=1)) * scale
    hl = np.log(bars.high / bars.low) ** 2
    park = np.sqrt(_rolling(hl, period, lambda w: np.mean(w, axis=1)) / (4.0 * math.log(2.0)))
    return {"stdev": stdev, "parkinson": park * scale}


def _trend(bars: Bars, v: Values) -> dict[str, Array]:
    period, adx_min = _i(v, "period"), _f(v, "adx_min")
    adx = _ta().ADX(bars.high, bars.low, bars.close, timeperiod=period)
    slope = _ta().LINEARREG_SLOPE(bars.close, timeperiod=period)
    end = _ta().LINEARREG(bars.close, timeperiod=period)
    slope_pct = slope / end * 100.0
    state = np.where(
        adx >= adx_min,
        np.where(slope_pct > 0, TREND_UP, np.where(slope_pct < 0, TREND_DOWN, TREND_SIDEWAYS)),
        TREND_SIDEWAYS,
    )
    state = np.where(np.isnan(adx) | np.isnan(slope_pct), np.nan, state)
    return {"trend": state, "adx": adx, "slope_pct": slope_pct}


# --- the registry ---


def _macd(b: Bars, v: Values) -> dict[str, Array]:
    macd, signal, hist = _ta().MACD(
        b.close, fastperiod=_i(v, "fast"), slowperiod=_i(v, "slow"), signalperiod=_i(v, "signal")
    )
    return {"macd": macd, "signal": signal, "hist": hist}


def _bbands(b: Bars, v: Values) -> dict[str, Array]:
    dev = _f(v, "nbdev")
    upper, middle, lower = _ta().BBANDS(
        b.close, timeperiod=_i(v, "period"), nbdevup=dev, nbdevdn=dev, matype=_ta().MA_Type.SMA
    )
    return {"upper": upper, "middle": middle, "lower": lower}


def _stoch(b: Bars, v: Values) -> dict[str, Array]:
    k, d = _ta().STOCH(
        b.high, b.low, b.close,
        fastk_period=_i(v, "fastk"), slowk_period=_i(v, "slowk"), slowk_matype=_ta().MA_Type.SMA,
        slowd_period=_i(v, "slowd"), slowd_matype=_ta().MA_Type.SMA,
    )  # fmt: skip
    return {"k": k, "d": d}


def _adx(b: Bars, v: Values) -> dict[str, Array]:
    p = _i(v, "period")
    return {
        "adx": _ta().ADX(b.high, b.low, b.close, timeperiod=p),
        "plus_di": _ta().PLUS_DI(b.high, b.low, b.close, timeperiod=p),
        "minus_di": _ta().MINUS_DI(b.high, b.low, b.close, timeperiod=p),
    }


def _adx_warmup(p: int) -> int:
    return 2 * p + 2 * wilder_steps(p)


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "sma", "Simple moving average", "overlay", (_period(20, 2, 1000),), ("sma",),
            lambda b, v: {"sma": _ta().SMA(b.close, timeperiod=_i(v, "period"))},
            lambda v: _i(v, "period"),
        ),
        Indicator(
            "ema", "Exponential moving average", "overlay", (_period(20, 2, 500),), ("ema",),
            lambda b, v: {"ema": _ta().EMA(b.close, timeperiod=_i(v, "period"))},
            lambda v: _i(v, "period") + ema_steps(_i(v, "period")),
        ),
        Indicator(
            "wma", "Weighted moving average", "overlay", (_period(20, 2, 1000),), ("wma",),
            lambda b, v: {"wma": _ta().WMA(b.close, timeperiod=_i(v, "period"))},
            lambda v: _i(v, "period"),
        ),
        Indicator(
            "rsi", "Relative strength index", "panel", (_period(14, 2, 200),), ("rsi",),
            lambda b, v: {"rsi": _ta().RSI(b.close, timeperiod=_i(v, "period"))},
            lambda v: _i(v, "period") + wilder_steps(_i(v, "period")),
        ),
        Indicator(
            "macd", "MACD", "panel",
            (_p("fast", 12, 2, 200), _p("slow", 26, 3, 400), _p("signal", 9, 1, 200)),
            ("macd", "signal", "hist"), _macd,
            lambda v: _i(v, "slow") + _i(v, "signal") + ema_steps(_i(v, "slow"))
            + ema_steps(max(_i(v, "signal"), 2)),
        ),
        Indicator(
            "bbands", "Bollinger Bands", "overlay",
            (_period(20, 2, 1000),
             Param("nbdev", Decimal(2), Decimal("0.1"), Decimal(10), False, "standard deviations")),
            ("upper", "middle", "lower"), _bbands, lambda v: _i(v, "period"),
        ),
        Indicator(
            "atr", "Average true range", "panel", (_period(14, 1, 200),), ("atr",),
            lambda b, v: {"atr": _ta().ATR(b.high, b.low, b.close, timeperiod=_i(v, "period"))},
            lambda v: _i(v, "period") + 1 + wilder_steps(_i(v, "period")),
        ),
        Indicator(
            "stoch", "Stochastic (slow)", "panel",
            (_p("fastk", 14, 1, 500), _p("slowk", 3, 1, 500), _p("slowd", 3, 1, 500)),
            ("k", "d"), _stoch, lambda v: _i(v, "fastk") + _i(v, "slowk") + _i(v, "slowd"),
        ),
        Indicator(
            "obv", "On-balance volume", "panel", (), ("obv",),
            lambda b, v: {"obv": _ta().OBV(b.close, b.volume)},
            lambda v: None,
        ),
        Indicator(
            "adx", "Average directional index", "panel", (_period(14, 2, 200),),
            ("adx", "plus_di", "minus_di"), _adx, lambda v: _adx_warmup(_i(v, "period")),
        ),
        Indicator(
            "volatility", "Volatility (annualised)", "panel", (_period(30, 2, 1000),),
            ("stdev", "parkinson"), _volatility, lambda v: _i(v, "period") + 1,
            "stdev: sample standard deviation of log returns; parkinson: from ln(high/low)",
        ),
        Indicator(
            "trend", "Trend", "panel",
            (_period(14, 2, 200),
             Param("adx_min", Decimal(25), Decimal(10), Decimal(50), False, "ADX threshold")),
            ("trend", "adx", "slope_pct"), _trend,
            lambda v: _adx_warmup(_i(v, "period")),
            "trend: 1 up, -1 down, 0 sideways (ADX >= adx_min and the regression slope's sign)",
        ),
    )
}  # fmt: skip


def _number(raw: str, param: Param, text: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or (param.integer and value != value.to_integral_value()):
        kind = "an integer" if param.integer else "a number"
        raise InvalidIndicator(
            f"{param.name} of {text!r} must be {kind}",
            details={"indicator": text, "param": param.name},
        )
    if not param.minimum <= value <= param.maximum:
        raise InvalidIndicator(
            f"{param.name} of {text!r} must be in {param.minimum}..{param.maximum}",
            details={
                "indicator": text, "param": param.name,
                "min": str(param.minimum), "max": str(param.maximum),
            },
        )  # fmt: skip
    return value


def parse_spec(text: str) -> Spec:
    """`rsi:14` -> Spec; unknown names, extra or out-of-range parameters raise InvalidIndicator."""
    name, *raw = text.strip().lower().split(":")
    indicator = INDICATORS.get(name)
    if indicator is None:
        raise InvalidIndicator(
            f"Unknown indicator {name!r}",
            details={"indicator": text, "available": sorted(INDICATORS)},
        )
    if len(raw) > len(indicator.params):
        raise InvalidIndicator(
            f"{name} takes at most {len(indicator.params)} parameters",
            details={"indicator": text, "params": [p.name for p in indicator.params]},
        )
    values = {p.name: p.default for p in indicator.params}
    for param, item in zip(indicator.params, raw, strict=False):
        if item != "":
            values[param.name] = _number(item, param, text)
    if name == "macd" and values["fast"] >= values["slow"]:
        raise InvalidIndicator(
            "macd's fast period must be below its slow one", details={"indicator": text}
        )
    return Spec(indicator, values)
