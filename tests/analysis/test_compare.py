"""`/analysis/compare` on real recorded candles against figures computed independently (plain
Python loops and `statistics`), aligned on the open times every symbol has."""

from __future__ import annotations

import math
import statistics
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.analysis.conftest import recorded, store

URL = "/api/v1/analysis/compare"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
N = 300


def _returns(c: list[float]) -> list[float]:
    return [math.log(c[i] / c[i - 1]) for i in range(1, len(c))]


def _cov(x: list[float], y: list[float]) -> float:
    mx, my = statistics.fmean(x), statistics.fmean(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / (len(x) - 1)


@pytest.fixture
async def stored(aapp: FastAPI) -> list[int]:
    """The last N+20 candles of each; ETHUSDT misses two of them, so the common set is smaller."""
    tail = {s: recorded(s, "1h")[-(N + 20) :] for s in SYMBOLS}
    missing = {tail["ETHUSDT"][-5][0], tail["ETHUSDT"][-50][0]}
    for s in SYMBOLS:
        rows = [r for r in tail[s] if not (s == "ETHUSDT" and r[0] in missing)]
        await store(aapp, s, "1h", rows)
    return sorted(missing)


async def test_figures_match_independent_computation(
    aclient: httpx.AsyncClient, analyst: dict[str, str], stored: list[int]
) -> None:
    q: dict[str, Any] = {"symbols": "BTCUSDT,ETHUSDT,SOLUSDT", "interval": "1h", "limit": N}
    r = await aclient.get(URL, params=q, headers=analyst)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    times = body["open_times"]
    assert not set(stored) & set(times)
    # each symbol's newest N closed candles, intersected (ETH's gaps left out)
    eth_times = [row[0] for row in recorded("ETHUSDT", "1h")[-(N + 20) :] if row[0] not in stored]
    assert times == sorted(set(eth_times[-N:]))
    closes = {
        s: [float(row[4]) for row in recorded(s, "1h") if row[0] in set(times)] for s in SYMBOLS
    }
    per_year = 365 * 24
    btc_r = _returns(closes["BTCUSDT"])
    by_symbol = {x["symbol"]: x for x in body["symbols"]}
    for s in SYMBOLS:
        c, rets = closes[s], _returns(closes[s])
        sd = statistics.stdev(rets)
        peak, dd = c[0], 0.0
        for x in c:
            peak = max(peak, x)
            dd = max(dd, (peak - x) / peak)
        got = by_symbol[s]
        assert float(got["total_return"]) == pytest.approx(c[-1] / c[0] - 1, rel=1e-9)
        assert float(got["volatility"]) == pytest.approx(sd * math.sqrt(per_year), rel=1e-9)
        assert float(got["max_drawdown"]) == pytest.approx(dd, rel=1e-9)
        assert float(got["max_drawdown"]) > 0
        assert float(got["sharpe"]) == pytest.approx(
            statistics.fmean(rets) / sd * math.sqrt(per_year), rel=1e-9
        )
        assert float(got["beta"]) == pytest.approx(
            _cov(rets, btc_r) / statistics.variance(btc_r), rel=1e-9
        )
        norm = body["normalised"][s]
        assert len(norm) == len(times) and norm[0] == "100.0"
        assert float(norm[-1]) == pytest.approx(100 * c[-1] / c[0], rel=1e-12)
    assert float(by_symbol["BTCUSDT"]["beta"]) == pytest.approx(1.0, rel=1e-12)
    corr = body["correlation"]
    assert corr["symbols"] == list(SYMBOLS)
    for i, a in enumerate(SYMBOLS):
        for j, b in enumerate(SYMBOLS):
            ra, rb = _returns(closes[a]), _returns(closes[b])
            want = _cov(ra, rb) / (statistics.stdev(ra) * statistics.stdev(rb))
            assert float(corr["matrix"][i][j]) == pytest.approx(want, rel=1e-9)


async def test_beta_uses_btc_even_when_not_asked(
    aclient: httpx.AsyncClient, analyst: dict[str, str], stored: list[int]
) -> None:
    r = await aclient.get(
        URL, params={"symbols": "ETHUSDT,SOLUSDT", "interval": "1h", "limit": 50}, headers=analyst
    )
    assert r.status_code == 200
    assert r.json()["benchmark"] == "BTCUSDT"
    assert all(x["beta"] is not None for x in r.json()["symbols"])


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"symbols": "BTCUSDT"}, "invalid_symbols"),
        ({"symbols": "BTCUSDT,FOOUSDT"}, "unknown_symbol"),
        ({"symbols": ",".join(["BTCUSDT"] * 11)}, "too_many_symbols"),
        ({"symbols": "BTCUSDT,ETHUSDT", "interval": "1d"}, "insufficient_history"),
        ({"symbols": "BTCUSDT,ETHUSDT", "limit": 2}, "validation_error"),
    ],
)
async def test_bad_parameters_are_422(
    aclient: httpx.AsyncClient,
    analyst: dict[str, str],
    stored: list[int],
    query: dict[str, Any],
    code: str,
) -> None:
    r = await aclient.get(URL, params={"interval": "1h", **query}, headers=analyst)
    assert r.status_code == 422, r.text[:300]
    assert r.json()["error"]["code"] == code
