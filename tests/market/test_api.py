"""/api/v1/market over HTTP on SQLite and PostgreSQL: shapes, validation, store + live state."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.integrations.binance.schemas import Kline, parse_ticker_event
from backend.market.repository import CandleRepository, candle_row
from backend.market.state import MarketState
from tests.fakes.binance_events import ticker_event

HOUR = 3_600_000
T0 = 1_735_689_600_000


def candle(i: int, interval: str = "1h", closed: bool = True) -> Kline:
    t = T0 + i * HOUR
    p = Decimal(100 + i)
    return Kline("BTCUSDT", interval, t, t + HOUR - 1, p, p + 1, p - 1, p, Decimal("0.5"),
                 closed=closed)  # fmt: skip


async def seed(app: FastAPI, n: int) -> None:
    async with transaction(app.state.runtime.sessionmaker) as tx:
        await CandleRepository(tx.session).insert_candles(
            [candle_row(candle(i), "import") for i in range(n)]
        )


def state(app: FastAPI) -> MarketState:
    s: MarketState = app.state.runtime.market
    return s


async def test_symbols_list_the_configured_rules(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/market/symbols")
    assert r.status_code == 200
    by_name = {s["symbol"]: s for s in r.json()["symbols"]}
    btc = by_name["BTCUSDT"]
    assert btc["tick_size"] == "0.01000000" and btc["step_size"] == "0.00001000"
    assert btc["min_notional"] == "5.00000000"
    # parsed, typed filters (the web app never reads raw exchangeInfo filters)
    assert "filters" not in btc
    assert btc["filter_order"][:2] == ["PRICE_FILTER", "LOT_SIZE"]
    assert btc["price_filter"] == {
        "min_price": "0.01000000", "max_price": "1000000.00000000", "tick_size": "0.01000000"
    }  # fmt: skip
    assert btc["market_lot_size"]["max_qty"] == "128.52621715"
    assert btc["percent_price"]["by_side"] is True
    assert btc["percent_price"]["bid_multiplier_down"] == "0.20000000"
    assert btc["notional"] == {
        "min_notional": "5.00000000", "max_notional": "9000000.00000000",
        "apply_min_to_market": True, "apply_max_to_market": False, "legacy": False,
    }  # fmt: skip
    assert btc["max_num_orders"] == 200 and btc["max_num_algo_orders"] == 5
    assert btc["order_types"][0] == "LIMIT" and "MARKET" in btc["order_types"]
    assert btc["status"] == "TRADING" and btc["rules_source"] == "snapshot"


async def test_klines_from_store_with_forming_candle_last(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app, 30)
    state(app).set_candle(candle(30, closed=False))
    r = await client.get(
        "/api/v1/market/klines", params={"symbol": "btcusdt", "interval": "1h", "limit": 5}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["symbol"] == "BTCUSDT" and body["interval"] == "1h"
    opens = [k["open_time"] for k in body["klines"]]
    assert opens == [T0 + i * HOUR for i in range(26, 31)]
    last = body["klines"][-1]
    assert last["closed"] is False and last["close"] == "130.00000000"
    assert body["klines"][0] == {
        "open_time": T0 + 26 * HOUR, "open": "126.00000000", "high": "127.00000000",
        "low": "125.00000000", "close": "126.00000000", "volume": "0.50000000",
        "close_time": T0 + 27 * HOUR - 1, "quote_volume": "0.00000000", "trades": 0,
        "closed": True,
    }  # fmt: skip


async def test_klines_window_follows_binance_rules(app: FastAPI, client: httpx.AsyncClient) -> None:
    await seed(app, 30)
    params = {"symbol": "BTCUSDT", "interval": "1h", "limit": 3}
    start = await client.get(
        "/api/v1/market/klines", params={**params, "start_time": T0 + 5 * HOUR}
    )
    end = await client.get("/api/v1/market/klines", params={**params, "end_time": T0 + 5 * HOUR})
    assert [k["open_time"] for k in start.json()["klines"]] == [T0 + i * HOUR for i in (5, 6, 7)]
    assert [k["open_time"] for k in end.json()["klines"]] == [T0 + i * HOUR for i in (3, 4, 5)]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"symbol": "NOPEUSDT", "interval": "1h"}, 404, "symbol_not_found"),
        ({"symbol": "BTCUSDT", "interval": "7m"}, 422, "validation_error"),
        ({"symbol": "BTCUSDT", "interval": "3m"}, 422, "interval_not_available"),
        ({"symbol": "BTCUSDT", "interval": "1h", "limit": 1001}, 422, "validation_error"),
        ({"symbol": "BTCUSDT", "interval": "1h", "limit": 0}, 422, "validation_error"),
        (
            {"symbol": "BTCUSDT", "interval": "1h", "start_time": "yesterday"},
            422,
            "validation_error",
        ),
        ({"interval": "1h"}, 422, "validation_error"),
    ],
)
async def test_klines_validation_errors(
    client: httpx.AsyncClient, params: dict[str, object], status: int, code: str
) -> None:
    r = await client.get("/api/v1/market/klines", params=params)  # type: ignore[arg-type]
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


async def test_ticker_from_live_state(app: FastAPI, client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
    assert missing.status_code == 503 and missing.json()["error"]["code"] == "ticker_unavailable"
    state(app).status.source = "replay"
    state(app).set_ticker(parse_ticker_event(ticker_event("BTCUSDT", "43000.1", T0, open_="42000")))
    r = await client.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
    assert r.status_code == 200
    body = r.json()
    assert body["last_price"] == "43000.10000000" and body["source"] == "replay"
    assert body["price_change"] == "1000.10000000"
    unknown = await client.get("/api/v1/market/ticker", params={"symbol": "NOPEUSDT"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "symbol_not_found"
    tickers = (await client.get("/api/v1/market/tickers")).json()
    assert [t["symbol"] for t in tickers["tickers"]] == ["BTCUSDT"]


async def test_status_reports_the_feed(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/market/status")
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"source", "connected", "replay_time", "symbols", "intervals"}
    assert "BTCUSDT" in body["symbols"]
    assert body["depth_levels"] == 20  # MARKET_DEPTH_LEVELS: the web order book reads it
