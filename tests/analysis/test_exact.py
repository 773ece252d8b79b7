"""Every value the API returns equals TA-Lib called directly on the symbol's whole recorded
history (BTCUSDT 1h, ../shared/data), at random windows: warm-up of the recursive indicators,
alignment to open times, nulls at the start of history."""

from __future__ import annotations

import math
import random
from typing import Any

import httpx
import numpy as np
import pytest
import talib
from fastapi import FastAPI
from talib._ta_lib import MA_Type

from tests.analysis.conftest import arrays, recorded, store

SYMBOL, INTERVAL = "BTCUSDT", "1h"
SPECS_A = "sma:20,ema:50,wma:30,rsi:14,macd:12:26:9,bbands:20:2,atr:14,stoch:14:3:3,obv,adx:14"
SPECS_B = "rsi:100,ema:200,adx:50,macd:5:35:5,volatility:30,trend:14:25"


def expected(a: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """TA-Lib over the whole history, plus our documented volatility and trend formulas written
    out independently (loops over windows)."""
    c, h, lo, v = a["close"], a["high"], a["low"], a["volume"]
    macd = talib.MACD(c, 12, 26, 9)
    macd2 = talib.MACD(c, 5, 35, 5)
    bb = talib.BBANDS(c, 20, 2.0, 2.0, MA_Type.SMA)
    stoch = talib.STOCH(h, lo, c, 14, 3, MA_Type.SMA, 3, MA_Type.SMA)
    return {
        "sma:20": {"sma": talib.SMA(c, 20)},
        "ema:50": {"ema": talib.EMA(c, 50)},
        "wma:30": {"wma": talib.WMA(c, 30)},
        "rsi:14": {"rsi": talib.RSI(c, 14)},
        "macd:12:26:9": dict(zip(("macd", "signal", "hist"), macd, strict=True)),
        "bbands:20:2": dict(zip(("upper", "middle", "lower"), bb, strict=True)),
        "atr:14": {"atr": talib.ATR(h, lo, c, 14)},
        "stoch:14:3:3": {"k": stoch[0], "d": stoch[1]},
        "obv": {"obv": talib.OBV(c, v)},
        "adx:14": {
            "adx": talib.ADX(h, lo, c, 14),
            "plus_di": talib.PLUS_DI(h, lo, c, 14),
            "minus_di": talib.MINUS_DI(h, lo, c, 14),
        },
        "rsi:100": {"rsi": talib.RSI(c, 100)},
        "ema:200": {"ema": talib.EMA(c, 200)},
        "adx:50": {
            "adx": talib.ADX(h, lo, c, 50),
            "plus_di": talib.PLUS_DI(h, lo, c, 50),
            "minus_di": talib.MINUS_DI(h, lo, c, 50),
        },
        "macd:5:35:5": dict(zip(("macd", "signal", "hist"), macd2, strict=True)),
        "volatility:30": _volatility(c, h, lo, 30),
        "trend:14:25": _trend(c, h, lo, 14, 25.0),
    }


def _volatility(c: np.ndarray, h: np.ndarray, lo: np.ndarray, p: int) -> dict[str, np.ndarray]:
    n = len(c)
    stdev, park = np.full(n, np.nan), np.full(n, np.nan)
    per_year = 365 * 24
    for t in range(p, n):
        r = [math.log(c[i] / c[i - 1]) for i in range(t - p + 1, t + 1)]
        m = sum(r) / p
        stdev[t] = math.sqrt(sum((x - m) ** 2 for x in r) / (p - 1) * per_year)
    for t in range(p - 1, n):
        s = sum(math.log(h[i] / lo[i]) ** 2 for i in range(t - p + 1, t + 1))
        park[t] = math.sqrt(s / p / (4 * math.log(2)) * per_year)
    return {"stdev": stdev, "parkinson": park}


def _trend(
    c: np.ndarray, h: np.ndarray, lo: np.ndarray, p: int, adx_min: float
) -> dict[str, np.ndarray]:
    adx = talib.ADX(h, lo, c, p)
    slope, end = talib.LINEARREG_SLOPE(c, p), talib.LINEARREG(c, p)
    pct = slope / end * 100
    state = np.full(len(c), np.nan)
    for t in range(len(c)):
        if not (math.isnan(adx[t]) or math.isnan(pct[t])):
            state[t] = (
                (1.0 if pct[t] > 0 else -1.0 if pct[t] < 0 else 0.0) if adx[t] >= adx_min else 0.0
            )
    return {"trend": state, "adx": adx, "slope_pct": pct}


def as_array(values: list[str | None]) -> np.ndarray:
    return np.array([np.nan if x is None else float(x) for x in values])


def assert_matches(
    body: dict[str, Any], exp: dict[str, dict[str, np.ndarray]], times: np.ndarray
) -> None:
    idx = np.searchsorted(times, np.array(body["open_times"], dtype=float))
    assert np.array_equal(times[idx], np.array(body["open_times"], dtype=float))
    for key, outputs in body["series"].items():
        assert set(outputs) == set(exp[key]), key
        for name, values in outputs.items():
            want = exp[key][name][idx]
            got = as_array(values)
            assert np.array_equal(np.isnan(got), np.isnan(want)), (key, name)
            ok = ~np.isnan(want)
            scale = float(np.nanmax(np.abs(exp[key][name]))) or 1.0
            bad = ~np.isclose(got[ok], want[ok], rtol=1e-6, atol=1e-12 * scale)
            assert not bad.any(), (key, name, got[ok][bad][:3], want[ok][bad][:3])


@pytest.mark.timeout(300)
async def test_windows_equal_talib_over_the_whole_history(
    aapp: FastAPI, aclient: httpx.AsyncClient, trader: dict[str, str]
) -> None:
    rows = recorded(SYMBOL, INTERVAL)
    await store(aapp, SYMBOL, INTERVAL, rows)
    a = arrays(rows)
    exp, times = expected(a), a["open_time"]
    rng = random.Random(11)
    offsets = [0, 3, 60, 400, 1500, *(rng.randrange(2000, len(rows) - 300) for _ in range(5))]
    for offset in offsets:
        for specs in (SPECS_A, SPECS_B):
            q: dict[str, Any] = {
                "symbol": SYMBOL,
                "interval": INTERVAL,
                "indicators": specs,
                "limit": 250,
            }
            if offset < 100:  # a window at the start of history: from start_time
                q["start_time"] = int(times[offset])
            else:  # the newest candles up to end_time
                q["end_time"] = int(times[offset])
            r = await aclient.get("/api/v1/analysis/indicators", params=q, headers=trader)
            if offset < 100 and specs == SPECS_B and r.status_code == 422:
                # a window with no value at all of a long indicator: said, not an empty answer
                assert r.json()["error"]["code"] == "insufficient_history"
                continue
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["forming"] is False
            assert len(body["open_times"]) == 250
            assert_matches(body, exp, times)
    # the newest window (no start/end)
    r = await aclient.get(
        "/api/v1/analysis/indicators",
        params={"symbol": SYMBOL, "interval": INTERVAL, "indicators": SPECS_A, "limit": 1000},
        headers=trader,
    )
    assert r.status_code == 200, r.text
    assert r.json()["open_times"][-1] == int(times[-1])
    assert_matches(r.json(), exp, times)
