"""The indicators API: the forming candle, the cache (keyed by the last closed candle), the
catalog, `latest_value`, errors (422 in the error shape) and authorization."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import numpy as np
import pytest
import talib
from fastapi import FastAPI
from talib._ta_lib import MA_Type

from backend.analysis.router import indicator_cache
from backend.analysis.service import latest_value
from backend.db import transaction
from backend.integrations.binance.schemas import Kline
from tests.analysis.conftest import arrays, recorded, store

URL = "/api/v1/analysis/indicators"
SYMBOL, INTERVAL, HOUR = "ETHUSDT", "1h", 3_600_000
ROWS = recorded(SYMBOL, INTERVAL)[-3000:]


def params(**kw: Any) -> dict[str, Any]:
    return {"symbol": SYMBOL, "interval": INTERVAL, "indicators": "rsi:14", "limit": 100, **kw}


def forming_kline(open_time: int, close: str) -> Kline:
    return Kline(
        symbol=SYMBOL, interval=INTERVAL, open_time=open_time, close_time=open_time + HOUR - 1,
        open=Decimal(close), high=Decimal(close) * 2, low=Decimal(close) / 2, close=Decimal(close),
        volume=Decimal(5), quote_volume=Decimal(0), trades=1, taker_buy_base=Decimal(0),
        taker_buy_quote=Decimal(0), closed=False,
    )  # fmt: skip


@pytest.fixture
async def stored(aapp: FastAPI) -> None:
    await store(aapp, SYMBOL, INTERVAL, ROWS)
    last = ROWS[-1][0]
    aapp.state.runtime.market.market_clock = lambda: last + HOUR + 1000  # inside the next candle


async def test_forming_candle_is_included_when_asked(
    aapp: FastAPI, aclient: httpx.AsyncClient, trader: dict[str, str], stored: None
) -> None:
    last = ROWS[-1][0]
    aapp.state.runtime.market.set_candle(forming_kline(last + HOUR, "2500.5"))
    spec = "rsi:14,bbands:20:2"
    r = await aclient.get(
        URL, params=params(indicators=spec, include_forming="true"), headers=trader
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["forming"] is True
    assert body["open_times"][-1] == last + HOUR and len(body["open_times"]) == 100
    a = arrays(ROWS)
    close = np.append(a["close"], 2500.5)
    assert float(body["series"]["rsi:14"]["rsi"][-1]) == pytest.approx(
        talib.RSI(close, 14)[-1], rel=1e-9
    )
    upper = talib.BBANDS(close, 20, 2.0, 2.0, MA_Type.SMA)[0]
    assert float(body["series"]["bbands:20:2"]["upper"][-1]) == pytest.approx(upper[-1], rel=1e-9)
    # the panel moves: a new forming price, a new last value (never the cached one)
    aapp.state.runtime.market.set_candle(forming_kline(last + HOUR, "1200"))
    r2 = await aclient.get(
        URL, params=params(indicators=spec, include_forming="true"), headers=trader
    )
    close2 = np.append(a["close"], 1200.0)
    assert float(r2.json()["series"]["rsi:14"]["rsi"][-1]) == pytest.approx(
        talib.RSI(close2, 14)[-1], rel=1e-9
    )
    assert r2.json()["series"]["rsi:14"]["rsi"][:-1] == body["series"]["rsi:14"]["rsi"][:-1]
    # not asked: closed candles only
    r3 = await aclient.get(URL, params=params(indicators=spec), headers=trader)
    assert r3.json()["forming"] is False and r3.json()["open_times"][-1] == last


async def test_cache_is_keyed_by_the_last_closed_candle(
    aapp: FastAPI, aclient: httpx.AsyncClient, trader: dict[str, str], stored: None
) -> None:
    cache = indicator_cache(aapp.state.runtime)
    r1 = await aclient.get(URL, params=params(), headers=trader)
    hits = cache.hits
    r2 = await aclient.get(URL, params=params(), headers=trader)
    assert cache.hits == hits + 1 and r2.json() == r1.json()
    # a new closed candle: a new key, the new value (never the stale window)
    nxt = (ROWS[-1][0] + HOUR, "3000", "3100", "2900", "3050.25", "10")
    await store(aapp, SYMBOL, INTERVAL, [nxt])
    aapp.state.runtime.market.market_clock = lambda: nxt[0] + HOUR + 1000
    r3 = await aclient.get(URL, params=params(), headers=trader)
    assert r3.json()["open_times"][-1] == nxt[0]
    close = np.append(arrays(ROWS)["close"], 3050.25)
    assert float(r3.json()["series"]["rsi:14"]["rsi"][-1]) == pytest.approx(
        talib.RSI(close, 14)[-1], rel=1e-9
    )


async def test_catalog_lists_the_registry(
    aclient: httpx.AsyncClient, trader: dict[str, str]
) -> None:
    r = await aclient.get(URL + "/catalog", headers=trader)
    assert r.status_code == 200
    by_name = {i["name"]: i for i in r.json()["indicators"]}
    for name in (
        "sma",
        "ema",
        "wma",
        "rsi",
        "macd",
        "bbands",
        "atr",
        "stoch",
        "obv",
        "adx",
        "volatility",
        "trend",
    ):
        assert name in by_name
    assert by_name["macd"]["outputs"] == ["macd", "signal", "hist"]
    assert by_name["macd"]["default_spec"] == "macd:12:26:9"
    assert by_name["bbands"]["placement"] == "overlay" and by_name["rsi"]["placement"] == "panel"
    assert by_name["rsi"]["params"][0] == {
        "name": "period", "default": "14", "min": "2", "max": "200", "integer": True, "description": "candles"
    }  # fmt: skip


async def test_latest_value_for_alerts(aapp: FastAPI, stored: None) -> None:
    async with transaction(aapp.state.runtime.sessionmaker) as tx:
        value = await latest_value(tx, SYMBOL, INTERVAL, "rsi", {"period": 14})
    assert value is not None
    assert float(value) == pytest.approx(talib.RSI(arrays(ROWS)["close"], 14)[-1], rel=1e-6)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"indicators": "foo:3"}, "invalid_indicator"),
        ({"indicators": "rsi:1"}, "invalid_indicator"),
        ({"indicators": "rsi:201"}, "invalid_indicator"),
        ({"indicators": "rsi:abc"}, "invalid_indicator"),
        ({"indicators": "rsi:14.5"}, "invalid_indicator"),
        ({"indicators": "rsi:14:3"}, "invalid_indicator"),
        ({"indicators": "macd:26:12:9"}, "invalid_indicator"),
        ({"indicators": ","}, "invalid_indicator"),
        ({"indicators": ",".join(f"sma:{p}" for p in range(2, 13))}, "too_many_indicators"),
        ({"symbol": "FOOUSDT"}, "unknown_symbol"),
        ({"symbol": "BTC-USD"}, "validation_error"),
        ({"interval": "3m"}, "interval_not_available"),
        ({"interval": "7h"}, "validation_error"),
        ({"limit": 0}, "validation_error"),
        (
            {"indicators": "sma:1000", "start_time": ROWS[0][0], "limit": 500},
            "insufficient_history",
        ),
        ({"symbol": "BTCUSDT"}, "insufficient_history"),  # nothing stored
    ],
)
async def test_bad_parameters_are_422(
    aclient: httpx.AsyncClient,
    trader: dict[str, str],
    stored: None,
    query: dict[str, Any],
    code: str,
) -> None:
    r = await aclient.get(URL, params=params(**query), headers=trader)
    assert r.status_code == 422, r.text[:300]
    assert r.json()["error"]["code"] == code


async def test_too_little_history_is_said(
    aapp: FastAPI, aclient: httpx.AsyncClient, trader: dict[str, str]
) -> None:
    await store(aapp, "SOLUSDT", INTERVAL, recorded("SOLUSDT", INTERVAL)[:10])
    q = params(symbol="SOLUSDT", indicators="sma:5,rsi:14")
    r = await aclient.get(URL, params=q, headers=trader)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "insufficient_history"
    details = r.json()["error"]["details"]
    assert details["indicator"] == "rsi:14" and details["candles"] == 10
    assert details["history_import"] == aapp.state.runtime.market.history_import.state
    aapp.state.runtime.market.history_import.state = "running"
    r = await aclient.get(URL, params=q, headers=trader)
    assert "history import is still running" in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["history_import"] == "running"
    r2 = await aclient.get(URL, params=params(symbol="SOLUSDT", indicators="sma:5"), headers=trader)
    assert r2.status_code == 200
    assert r2.json()["series"]["sma:5"]["sma"][:4] == [None] * 4


async def test_authorization(
    aclient: httpx.AsyncClient, trader: dict[str, str], analyst: dict[str, str], stored: None
) -> None:
    assert (await aclient.get(URL, params=params())).status_code == 401
    assert (await aclient.get(URL + "/catalog")).status_code == 401
    assert (await aclient.get(URL, params=params(), headers=trader)).status_code == 200
    assert (await aclient.get(URL, params=params(), headers=analyst)).status_code == 200
    cmp = {"symbols": "BTCUSDT,ETHUSDT", "interval": "1h"}
    r = await aclient.get("/api/v1/analysis/compare", params=cmp, headers=trader)
    assert r.status_code == 403 and r.json()["error"]["code"] == "insufficient_role"
