"""The checker follows tickers (last price) as well as trades: a ticker-only move fires; a ticker
repeating the price a trade just checked is skipped and fires nothing twice; a stale ticker
(older than the last checked trade) is dropped; an alert that is new since the last check still
fires on a ticker at the same price."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal as D
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.alerts.feed import LastPrice, ticker_price
from tests.alerts.conftest import alert, create, new_checker
from tests.alerts.test_checker import T0, firings
from tests.trading.conftest import make_user


def ticker_frame(symbol: str, last: str, event_ms: int) -> bytes:
    data = {"e": "24hrTicker", "E": event_ms, "s": symbol, "c": last, "o": last, "h": last,
            "l": last, "v": "1", "q": "1", "p": "0", "P": "0"}  # fmt: skip
    return json.dumps(
        {"stream": f"{symbol.lower()}@ticker", "data": data, "source": "test"}
    ).encode()


def test_ticker_frames_parse_to_last_prices() -> None:
    assert ticker_price(ticker_frame("btcusdt", "101.5", T0)) == LastPrice(
        "BTCUSDT", D("101.5"), T0
    )
    assert ticker_price(b'{"stream": "btcusdt@ticker", "data": {"s": "BTCUSDT"}}') is None
    assert ticker_price(ticker_frame("BTCUSDT", "NaN", T0)) is None
    assert ticker_price(b"garbage") is None


async def test_a_ticker_only_price_move_fires_once(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    above = await create(aclient, h, condition="price_above", value="100")
    cross = await create(aclient, h, condition="price_crosses", value="99.5")
    checker = await new_checker(aapp)
    assert await checker.on_last_price("BTCUSDT", D("99"), T0) is True
    assert checker.fired == 0
    assert await checker.on_last_price("BTCUSDT", D("100"), T0 + 1000) is True
    assert len(await firings(aapp, above["id"])) == 1
    assert len(await firings(aapp, cross["id"])) == 1
    assert (await alert(aclient, h, above["id"]))["state"] == "triggered"
    # the next ticker at the same price can fire nothing: skipped
    assert await checker.on_last_price("BTCUSDT", D("100"), T0 + 2000) is False
    assert checker.fired == 2 and checker.skipped == 1


async def test_a_ticker_repeating_a_trade_is_skipped_and_a_stale_one_dropped(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    above = await create(aclient, h, condition="price_above", value="100")
    cross = await create(aclient, h, condition="price_crosses", value="100.5")
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("101"), T0)  # the trade fires `above`
    assert len(await firings(aapp, above["id"])) == 1
    # the ticker of the same moment repeats the trade's price: no second check
    assert await checker.on_last_price("BTCUSDT", D("101"), T0) is False
    # a ticker older than that trade: checking it would read as a move down through 100.5
    assert await checker.on_last_price("BTCUSDT", D("99"), T0 - 500) is False
    assert await firings(aapp, cross["id"]) == []
    assert checker.prev["BTCUSDT"] == D("101") and checker.checked["BTCUSDT"] == T0
    assert checker.fired == 1 and checker.skipped == 2


async def test_an_alert_new_since_the_last_check_fires_on_a_same_price_ticker(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("101"), T0)
    late = await create(aclient, h, condition="price_above", value="100")
    await checker.refresh(late["id"])  # what the `alerts:index` event does
    assert await checker.on_last_price("BTCUSDT", D("101"), T0 + 1000) is True
    assert len(await firings(aapp, late["id"])) == 1


async def test_the_part_fires_from_bus_tickers(db_url: str, tmp_path: Path) -> None:
    """Embedded: only tickers on the bus (no trade at all); the crossing fires the alert."""
    from backend.main import create_app
    from tests.conftest import asgi_client
    from tests.trading.conftest import trading_settings

    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        _, h = await make_user(app)
        a = await create(c, h, condition="price_crosses", value="100")
        bus = app.state.runtime.bus
        ms = T0
        for _ in range(200):  # until the index event reached the checker, then a crossing
            for last in ("99", "101"):
                ms += 1000
                await bus.publish("btcusdt@ticker", ticker_frame("BTCUSDT", last, ms))
            r = await c.get(f"/api/v1/alerts/{a['id']}/firings", headers=h)
            if r.json():
                break
            await asyncio.sleep(0.05)
        assert len(r.json()) == 1 and r.json()[0]["late"] is False
        assert r.json()[0]["price"].startswith("101")
