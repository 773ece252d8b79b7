"""MARKET orders walk the streamed book when it is fresh (backend/trading/depth.py): one trade per
level consumed, the remainder EXPIRED with INSUFFICIENT_LIQUIDITY, like Binance (§5.6)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import httpx
from fastapi import FastAPI

from tests.trading.conftest import make_user, tick

STREAM = "btcusdt@depth20@100ms"


async def publish_book(
    app: FastAPI, uid: int, bids: list[list[str]], asks: list[list[str]]
) -> None:
    data = {"lastUpdateId": uid, "bids": bids, "asks": asks}
    frame = json.dumps({"stream": STREAM, "data": data, "source": "binance"}).encode()
    await app.state.runtime.bus.publish(STREAM, frame)
    assert app.state.runtime.trading.depth.get("BTCUSDT") is not None


ASKS = [["60000.00", "0.01000"], ["60000.50", "0.01000"], ["60001.00", "0.05000"]]
BIDS = [["59999.99", "0.02000"], ["59999.00", "0.03000"]]


async def order(client: httpx.AsyncClient, h: dict[str, str], **body: str) -> dict[str, object]:
    r = await client.post(
        "/api/v1/orders", headers=h, json={"symbol": "BTCUSDT", "type": "MARKET", **body}
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def trades(client: httpx.AsyncClient, h: dict[str, str]) -> list[tuple[D, D]]:
    rows = (await client.get("/api/v1/trades", headers=h)).json()
    return sorted((D(t["price"]), D(t["qty"])) for t in rows)


async def test_market_buy_takes_one_trade_per_ask_level(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "70000")  # the model would price near 70000: the book wins
    await publish_book(tapp, 10, BIDS, ASKS)
    o = await order(tclient, h, side="BUY", quantity="0.03")
    assert o["status"] == "FILLED" and D(str(o["executed_qty"])) == D("0.03")
    assert D(str(o["cumulative_quote_qty"])) == D("600") + D("600.005") + D("600.01")
    assert await trades(tclient, h) == [
        (D("60000"), D("0.01")),
        (D("60000.5"), D("0.01")),
        (D("60001"), D("0.01")),
    ]


async def test_market_sell_walks_bids_and_expires_what_the_book_cannot_take(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await publish_book(tapp, 11, BIDS, ASKS)
    await order(tclient, h, side="BUY", quantity="0.07")  # 0.07 BTC to sell (less the fee)
    o = await order(tclient, h, side="SELL", quantity="0.06")
    assert o["status"] == "EXPIRED" and o["expiry_reason"] == "INSUFFICIENT_LIQUIDITY"
    assert D(str(o["executed_qty"])) == D("0.05")
    assert D(str(o["cumulative_quote_qty"])) == D("59999.99") * D("0.02") + D("59999") * D("0.03")


async def test_quote_quantity_buy_spends_at_most_the_amount_across_levels(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await publish_book(tapp, 12, BIDS, ASKS)
    o = await order(tclient, h, side="BUY", quote_quantity="1500")
    assert o["status"] == "FILLED"
    spent = D(str(o["cumulative_quote_qty"]))
    assert spent <= 1500 and D(str(o["executed_qty"])) == D("0.02499")
    assert await trades(tclient, h) == [
        (D("60000"), D("0.01")),
        (D("60000.5"), D("0.01")),
        (D("60001"), D("0.00499")),
    ]
