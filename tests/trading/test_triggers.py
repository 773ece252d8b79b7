"""Stop and take-profit triggers, all four side x type pairs, through the API and the matcher.

PROTOCOL.md §5.5: STOP_LOSS SELL and TAKE_PROFIT BUY fire when the last trade price is <= the
stop; STOP_LOSS BUY and TAKE_PROFIT SELL when it is >= the stop (inclusive). Each case first
moves the market far the other way and then to one tick short of the stop (no trigger), then
exactly to the stop (trigger: working, resting at its limit), then through the limit (fill);
while it waits it must sit on the right side of the matcher's index (a stop on the wrong side
is re-checked, and refused, on every trade towards it, and missed by a trade that gaps past it:
the second test).
The plain STOP_LOSS / TAKE_PROFIT (market on trigger) are not enabled on the real USDT symbols
(§5.1) and are refused.
"""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI

from backend.trading.matching import Book
from backend.trading.rules import OrderType, Side, stop_triggers, trigger_when_below
from tests.trading.conftest import make_user, tick
from tests.trading.ledger_checks import assert_ledger_whole

pytestmark = pytest.mark.committing

# side, type, stop, limit, away (the wrong way, far), short (one tick before), through (fills)
CASES = [
    ("SELL", "STOP_LOSS_LIMIT", "59000", "59500", "65000", "59000.01", "59500.01"),
    ("BUY", "STOP_LOSS_LIMIT", "61000", "60500", "55000", "60999.99", "60499.99"),
    ("SELL", "TAKE_PROFIT_LIMIT", "61000", "61500", "55000", "60999.99", "61500.01"),
    ("BUY", "TAKE_PROFIT_LIMIT", "59000", "58500", "65000", "59000.01", "58499.99"),
]
# side, type, stop, limit, gap (a first trade already beyond the stop: it triggers too)
GAPS = [
    ("SELL", "STOP_LOSS_LIMIT", "59000", "59500", "57000"),
    ("BUY", "STOP_LOSS_LIMIT", "61000", "60500", "63000"),
    ("SELL", "TAKE_PROFIT_LIMIT", "61000", "61500", "63000"),
    ("BUY", "TAKE_PROFIT_LIMIT", "59000", "58500", "57000"),
]


async def _place(
    tapp: FastAPI, tclient: httpx.AsyncClient, side: str, type_: str, stop: str, limit: str
) -> tuple[int, int, dict[str, str]]:
    uid, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    if side == "SELL":  # something to sell
        r = await tclient.post(
            "/api/v1/orders", headers=h,
            json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
    r = await tclient.post(
        "/api/v1/orders", headers=h,
        json={"symbol": "BTCUSDT", "side": side, "type": type_, "quantity": "0.002",
              "price": limit, "stop_price": stop, "time_in_force": "GTC"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["is_working"]) == ("NEW", False)
    return uid, int(r.json()["id"]), h


@pytest.mark.parametrize(
    ("side", "type_", "stop", "limit", "away", "short", "through"),
    CASES,
    ids=[f"{c[1]}-{c[0]}" for c in CASES],
)
async def test_trigger_fires_at_the_stop_not_before(
    tapp: FastAPI,
    tclient: httpx.AsyncClient,
    side: str,
    type_: str,
    stop: str,
    limit: str,
    away: str,
    short: str,
    through: str,
) -> None:
    uid, oid, h = await _place(tapp, tclient, side, type_, stop, limit)
    below = trigger_when_below(Side(side), OrderType(type_))
    book = Book.STOP_BELOW if below else Book.STOP_ABOVE
    index = tapp.state.runtime.trading.index

    async def order() -> dict[str, object]:
        got: dict[str, object] = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
        return got

    for price in (away, short):
        await tick(tapp, "BTCUSDT", price)
        o = await order()
        assert (o["status"], o["is_working"]) == ("NEW", False), (price, o)
        assert index.entry(oid) == ("BTCUSDT", book, D(stop))  # waits on the right side
    await tick(tapp, "BTCUSDT", stop)
    o = await order()
    assert (o["status"], o["is_working"]) == ("NEW", True), o  # triggered, resting at the limit
    assert D(str(o["executed_qty"])) == 0
    await tick(tapp, "BTCUSDT", limit)  # at the limit: a limit fills only from beyond it
    assert (await order())["status"] == "NEW"
    await tick(tapp, "BTCUSDT", through)
    o = await order()
    assert o["status"] == "FILLED", o
    assert D(str(o["cumulative_quote_qty"])) == D(limit) * D("0.002")  # at its limit, as maker
    await assert_ledger_whole(tapp.state.runtime.sessionmaker, uid)


@pytest.mark.parametrize(
    ("side", "type_", "stop", "limit", "gap"), GAPS, ids=[f"{c[1]}-{c[0]}" for c in GAPS]
)
async def test_a_trade_beyond_the_stop_triggers(
    tapp: FastAPI,
    tclient: httpx.AsyncClient,
    side: str,
    type_: str,
    stop: str,
    limit: str,
    gap: str,
) -> None:
    uid, oid, h = await _place(tapp, tclient, side, type_, stop, limit)
    await tick(tapp, "BTCUSDT", gap)
    o = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
    assert o["is_working"] is True, o
    await assert_ledger_whole(tapp.state.runtime.sessionmaker, uid)


@pytest.mark.parametrize("type_", ["STOP_LOSS", "TAKE_PROFIT"])
async def test_market_on_trigger_types_are_refused(
    tapp: FastAPI, tclient: httpx.AsyncClient, type_: str
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders", headers=h,
        json={"symbol": "BTCUSDT", "side": "SELL", "type": type_, "quantity": "0.002",
              "stop_price": "59000"},
    )  # fmt: skip
    assert r.status_code in (400, 422), r.text
    assert set(r.json()["error"]) >= {"code", "message"}
    opened = (await tclient.get("/api/v1/orders?status=open", headers=h)).json()
    assert opened == []


# The pure rule behind both the index side and the trigger check, one table.
@pytest.mark.parametrize(
    ("side", "type_", "below"),
    [
        (Side.SELL, OrderType.STOP_LOSS_LIMIT, True),
        (Side.BUY, OrderType.STOP_LOSS_LIMIT, False),
        (Side.SELL, OrderType.TAKE_PROFIT_LIMIT, False),
        (Side.BUY, OrderType.TAKE_PROFIT_LIMIT, True),
    ],
)
def test_trigger_direction_table(side: Side, type_: OrderType, below: bool) -> None:
    stop = D("100")
    assert trigger_when_below(side, type_) is below
    assert stop_triggers(side, type_, stop, stop)  # inclusive at the stop
    assert stop_triggers(side, type_, stop, D("99.99")) is below
    assert stop_triggers(side, type_, stop, D("100.01")) is not below
