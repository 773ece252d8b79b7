"""Demo trading through the API on SQLite and PostgreSQL: orders, fills, cancel, reset, 404s."""

from __future__ import annotations

import json
from decimal import Decimal as D

import httpx
from fastapi import FastAPI

from tests.trading.conftest import SAMPLES, make_user, tick


async def balances(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, tuple[D, D]]:
    r = await client.get("/api/v1/account", headers=h)
    assert r.status_code == 200, r.text
    return {b["asset"]: (D(b["free"]), D(b["locked"])) for b in r.json()["balances"]}


async def test_new_account_starts_with_10000_usdt(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    assert await balances(tclient, h) == {"USDT": (D("10000"), D("0"))}


async def test_market_buy_fills_at_once_with_taker_fee_in_base(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000", qty="0.01")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "FILLED" and D(order["executed_qty"]) == D("0.01")
    price = D(order["cumulative_quote_qty"]) / D("0.01")
    assert price > D("60000")  # half spread + impact: never better than the last trade
    b = await balances(tclient, h)
    assert b["BTC"] == (D("0.01") - D("0.00001"), D("0"))
    assert b["USDT"] == (D("10000") - D(order["cumulative_quote_qty"]), D("0"))
    trades = (await tclient.get("/api/v1/trades", headers=h)).json()
    assert [(D(t["fee"]), t["fee_asset"], t["is_maker"]) for t in trades] == [
        (D("0.00001"), "BTC", False)
    ]


async def test_filter_failure_carries_binance_code(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.000015",
            "price": "60000",
            "time_in_force": "GTC",
        },
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "filter_failure"
    assert err["details"] == {
        "binance_code": -1013,
        "msg": "Filter failure: LOT_SIZE",
        "filter": "LOT_SIZE",
    }
    assert (await tclient.get("/api/v1/orders", headers=h)).json() == []  # no order exists


async def test_limit_rests_locks_then_fills_as_maker_when_traded_through(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.1",
            "price": "59000",
            "time_in_force": "GTC",
        },
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["status"] == "NEW"
    assert await balances(tclient, h) == {"USDT": (D("4100"), D("5900"))}
    await tick(tapp, "BTCUSDT", "59000")  # touching is not trading through
    assert (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()["status"] == "NEW"
    await tick(tapp, "BTCUSDT", "58999.99", qty="0.04")
    o = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
    assert (o["status"], D(o["executed_qty"])) == ("PARTIALLY_FILLED", D("0.04"))
    await tick(tapp, "BTCUSDT", "58000", qty="5")
    o = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
    assert (o["status"], D(o["executed_qty"]), D(o["cumulative_quote_qty"])) == (
        "FILLED",
        D("0.1"),
        D("5900"),
    )
    b = await balances(tclient, h)
    assert b["USDT"] == (D("4100"), D("0"))
    assert b["BTC"] == (D("0.1") - D("0.0001"), D("0"))  # maker fee 0.1 % in BTC
    trades = (await tclient.get("/api/v1/trades", headers=h)).json()
    assert all(t["is_maker"] and D(t["price"]) == 59000 for t in trades) and len(trades) == 2


async def test_same_trade_delivered_twice_fills_once(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "quantity": "0.1",
            "price": "61000",
            "time_in_force": "GTC",
        },
    )
    assert r.status_code == 400  # nothing to sell yet
    assert (
        r.json()["error"]["details"]["msg"]
        == "Account has insufficient balance for requested action."
    )
    buy = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.1",
            "price": "59000",
            "time_in_force": "GTC",
        },
    )
    oid = buy.json()["id"]
    await tick(tapp, "BTCUSDT", "58000", qty="0.03", trade_id=77)
    await tick(tapp, "BTCUSDT", "58000", qty="0.03", trade_id=77)  # re-delivered
    o = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
    assert D(o["executed_qty"]) == D("0.03")


async def test_cancel_releases_and_foreign_order_is_404(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    _, other = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.1",
            "price": "59000",
            "time_in_force": "GTC",
        },
    )
    oid = r.json()["id"]
    assert (await tclient.get(f"/api/v1/orders/{oid}", headers=other)).status_code == 404
    assert (await tclient.delete(f"/api/v1/orders/{oid}", headers=other)).status_code == 404
    r = await tclient.delete(f"/api/v1/orders/{oid}", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "CANCELED"
    assert await balances(tclient, h) == {"USDT": (D("10000"), D("0"))}
    again = await tclient.delete(f"/api/v1/orders/{oid}", headers=h)
    assert again.status_code == 400
    assert again.json()["error"]["details"]["binance_code"] == -2011
    await tick(tapp, "BTCUSDT", "50000")
    assert (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()["status"] == "CANCELED"


async def test_client_order_id_is_idempotent(tapp: FastAPI, tclient: httpx.AsyncClient) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    body = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.1", "price": "59000",
            "time_in_force": "GTC", "client_order_id": "my-order-1"}  # fmt: skip
    first = await tclient.post("/api/v1/orders", headers=h, json=body)
    second = await tclient.post("/api/v1/orders", headers=h, json=body)
    assert first.json()["id"] == second.json()["id"]
    assert await balances(tclient, h) == {"USDT": (D("4100"), D("5900"))}


async def test_limit_maker_that_would_take_is_rejected(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT_MAKER",
            "quantity": "0.001",
            "price": "61000",
        },
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"] == {
        "binance_code": -2010,
        "msg": "Order would immediately match and take.",
    }


async def test_ioc_and_fok_expire_when_they_do_not_cross(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    for tif, reason in (
        ("IOC", "UNFILLED_IOC_QUANTITY_EXPIRED"),
        ("FOK", "UNFILLED_FOK_ORDER_EXPIRED"),
    ):
        r = await tclient.post(
            "/api/v1/orders",
            headers=h,
            json={
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "quantity": "0.01",
                "price": "59000",
                "time_in_force": tif,
            },
        )
        assert (r.json()["status"], r.json()["expiry_reason"]) == ("EXPIRED", reason)
    assert await balances(tclient, h) == {"USDT": (D("10000"), D("0"))}
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.01",
            "price": "61000",
            "time_in_force": "FOK",
        },
    )
    o = r.json()
    assert o["status"] == "FILLED" and D(o["cumulative_quote_qty"]) < D(
        "610"
    )  # filled at the model price


async def test_stop_loss_limit_triggers_on_last_price(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"},
    )
    r = await tclient.post(
        "/api/v1/orders", headers=h,
        json={"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_LOSS_LIMIT", "quantity": "0.05",
              "price": "58000", "stop_price": "59000", "time_in_force": "GTC"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert (r.json()["status"], r.json()["is_working"]) == ("NEW", False)
    await tick(tapp, "BTCUSDT", "59500")
    assert (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()["is_working"] is False
    await tick(tapp, "BTCUSDT", "59000")  # triggers; limit 58000 <= model price: fills as taker
    o = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
    assert o["status"] == "FILLED" and o["is_working"] is True
    assert D(o["cumulative_quote_qty"]) / D("0.05") >= D("58000")


async def test_reset_cancels_restores_and_keeps_history(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
    )
    await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.01",
            "price": "50000",
            "time_in_force": "GTC",
        },
    )
    r = await tclient.post("/api/v1/account/reset", headers=h)
    assert r.status_code == 200 and r.json()["period"] == 2
    assert await balances(tclient, h) == {"USDT": (D("10000"), D("0"))}
    orders = (await tclient.get("/api/v1/orders", headers=h)).json()
    assert sorted(o["status"] for o in orders) == ["CANCELED", "FILLED"]
    assert len((await tclient.get("/api/v1/trades?period=1", headers=h)).json()) == 1
    assert (await tclient.get("/api/v1/portfolio", headers=h)).json()["positions"] == []


async def test_portfolio_average_cost_and_pnl(tapp: FastAPI, tclient: httpx.AsyncClient) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    b = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"},
    )
    cost = D(b.json()["cumulative_quote_qty"])
    await tick(tapp, "BTCUSDT", "66000")
    p = (await tclient.get("/api/v1/portfolio", headers=h)).json()
    (pos,) = p["positions"]
    assert D(pos["quantity"]) == D("0.0999")
    assert D(pos["cost_basis"]) == cost
    assert D(pos["market_value"]) == D("0.0999") * 66000
    assert D(pos["unrealized_pnl"]) == D("0.0999") * 66000 - cost
    assert D(p["equity"]) == D("10000") - cost + D("0.0999") * 66000


async def test_user_stream_gets_execution_reports_then_balances_in_commit_order(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    uid, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    frames: list[dict[str, object]] = []
    sub = await tapp.state.runtime.bus.subscribe(
        f"user:{uid}", lambda _c, d: frames.append(json.loads(d))
    )
    try:
        await tclient.post(
            "/api/v1/orders",
            headers=h,
            json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
        )
    finally:
        await sub.close()
    assert all(f["stream"] == "user" for f in frames)
    data = [f["data"] for f in frames]
    assert [(d["e"], d.get("x"), d.get("X")) for d in data] == [  # type: ignore[union-attr]
        ("executionReport", "NEW", "NEW"),
        ("executionReport", "TRADE", "FILLED"),
        ("outboundAccountPosition", None, None),
    ]
    trade = data[1]
    assert trade["l"] == "0.01000000" and trade["N"] == "BTC" and trade["m"] is False  # type: ignore[index]
    assert {b["a"] for b in data[2]["B"]} == {"BTC", "USDT"}  # type: ignore[index,union-attr]


async def test_market_order_by_quote_quantity_never_spends_more(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000", qty="0.5")
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quote_quantity": "100"},
    )
    o = r.json()
    assert r.status_code == 201 and o["status"] == "FILLED", o
    assert D(o["cumulative_quote_qty"]) <= 100
    assert D(o["quantity"]) == D(o["executed_qty"]) and D(o["executed_qty"]) % D("0.00001") == 0


async def test_market_order_without_any_price_is_rejected(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["binance_code"] == -2010


async def test_unknown_symbol_is_binance_1121(tapp: FastAPI, tclient: httpx.AsyncClient) -> None:
    _, h = await make_user(tapp)
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "FOOUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"},
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["binance_code"] == -1121


async def test_orders_need_a_login(tclient: httpx.AsyncClient) -> None:
    assert (await tclient.get("/api/v1/orders")).status_code == 401


async def test_execution_report_has_every_field_of_binances_sample(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    sample = json.loads((SAMPLES / "user_executionReport.json").read_text())["event"]
    uid, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    frames: list[dict[str, object]] = []
    sub = await tapp.state.runtime.bus.subscribe(
        f"user:{uid}", lambda _c, d: frames.append(json.loads(d))
    )
    try:
        await tclient.post(
            "/api/v1/orders",
            headers=h,
            json={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
                  "price": "59000", "time_in_force": "GTC"},
        )  # fmt: skip
    finally:
        await sub.close()
    new = frames[0]["data"]
    assert isinstance(new, dict)
    assert set(sample) - {"v"} <= set(new)  # `v` is STP-only (PROTOCOL.md §6)
    assert (new["x"], new["X"], new["w"], new["p"], new["q"]) == (
        "NEW",
        "NEW",
        True,
        "59000.00000000",
        "0.01000000",
    )


async def test_fills_from_the_market_pipelines_own_trade_frames(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    """The bytes the market ingestor publishes (market/pipeline.py) drive the matcher."""
    from backend.integrations.binance.schemas import TradeEvent
    from backend.streams import market_frame as frame

    async def market_trade(price: str, trade_id: int) -> None:
        ev = TradeEvent(
            1_700_000_000_000, "BTCUSDT", trade_id, D(price), D("1"), 1_700_000_000_000, False
        )
        await tapp.state.runtime.bus.publish(
            "btcusdt@trade", frame("btcusdt@trade", ev.to_binance(), "replay")
        )
        await tapp.state.runtime.trading_matcher.drain()

    _, h = await make_user(tapp)
    await market_trade("60000", 1)
    r = await tclient.post(
        "/api/v1/orders",
        headers=h,
        json={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
              "price": "59000", "time_in_force": "GTC"},
    )  # fmt: skip
    await market_trade("58999.99", 2)
    o = (await tclient.get(f"/api/v1/orders/{r.json()['id']}", headers=h)).json()
    assert o["status"] == "FILLED"


async def test_equity_curve_starts_at_the_starting_balance_of_each_period(
    tapp: FastAPI, tclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(tapp)
    first = (await tclient.get("/api/v1/portfolio/equity", headers=h)).json()
    assert [D(p["equity"]) for p in first] == [D("10000")]  # the account's creation
    assert (await tclient.post("/api/v1/account/reset", headers=h)).status_code == 200
    second = (await tclient.get("/api/v1/portfolio/equity", headers=h)).json()
    assert [D(p["equity"]) for p in second] == [D("10000")]  # period 2 only: its own start
    assert second[0]["at"] > first[0]["at"]
