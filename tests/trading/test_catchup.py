"""The candle catch-up (backend/trading/catchup.py): what the market did while the matcher was not
looking is replayed from the stored 1m candles, through the live fill path, exactly once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.db import transaction
from backend.integrations.binance.schemas import Kline
from backend.main import create_app
from backend.market.repository import CandleRepository, candle_row
from backend.trading import catchup
from backend.trading.engine import Tick
from backend.trading.matching import Book
from backend.trading.models import MatcherCheckpoint, Order, Trade
from tests.conftest import asgi_client
from tests.trading.conftest import make_user, trading_settings
from tests.trading.ledger_checks import assert_ledger_whole

MIN = 60_000
_tid = iter(range(7_000_000, 8_000_000))


def at_ms(t: int) -> datetime:
    return datetime.fromtimestamp(t / 1000, UTC)


def frame_at(symbol: str, price: str, t_ms: int, qty: str = "1") -> bytes:
    """A `<sym>@trade` bus frame as the ingest pipeline publishes it, at market time t_ms."""
    data = {"e": "trade", "E": t_ms, "s": symbol, "t": next(_tid), "p": price, "q": qty,
            "T": t_ms, "m": False}  # fmt: skip
    return json.dumps(
        {"stream": f"{symbol.lower()}@trade", "data": data, "source": "binance"}
    ).encode()


async def trade_at(app: FastAPI, symbol: str, price: str, t_ms: int) -> None:
    await app.state.runtime.bus.publish(f"{symbol.lower()}@trade", frame_at(symbol, price, t_ms))
    await app.state.runtime.trading_matcher.drain()


def kline(open_ms: int, o: str, h: str, low: str, c: str, volume: str, trades: int) -> Kline:
    return Kline(
        symbol="BTCUSDT", interval="1m", open_time=open_ms, close_time=open_ms + MIN - 1,
        open=D(o), high=D(h), low=D(low), close=D(c), volume=D(volume),
        quote_volume=D(volume) * D(c), trades=trades,
    )  # fmt: skip


async def store(app: FastAPI, *klines: Kline) -> None:
    """Closed candles stored the way the ingest pipeline stores them."""
    async with transaction(app.state.runtime.sessionmaker) as tx:
        await CandleRepository(tx.session).insert_candles(
            [candle_row(k, "binance") for k in klines]
        )


async def place(c: httpx.AsyncClient, h: dict[str, str], **order: str) -> int:
    body: dict[str, Any] = {"symbol": "BTCUSDT", **order}
    if body["type"] != "MARKET":
        body.setdefault("time_in_force", "GTC")
    r = await c.post("/api/v1/orders", headers=h, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def orders_and_trades(app: FastAPI) -> tuple[dict[int, Order], list[Trade]]:
    async with app.state.runtime.sessionmaker() as s:
        orders = {o.id: o for o in (await s.execute(select(Order))).scalars()}
        trades = list((await s.execute(select(Trade).order_by(Trade.id))).scalars())
    return orders, trades


def minute_grid(minutes_ago: int) -> int:
    now_ms = int(time.time() * 1000)
    return (now_ms // MIN) * MIN - minutes_ago * MIN


async def test_orders_resting_through_a_restart_fill_from_stored_candles_exactly_once(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path, trading_resync_interval_s=0)
    base = minute_grid(20)
    t0, t1 = base + 30_000, base + 6 * MIN + 10_000  # last trade before, first trade after
    m = [base + i * MIN for i in range(6)]
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        uid, h = await make_user(first)
        first.state.runtime.trading.prices.update("BTCUSDT", D("60000"), None)
        async with asgi_client(first) as c:
            await place(c, h, side="BUY", type="MARKET", quantity="0.01")
            buy = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="59000")
            at_low = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="58000")
            deep = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="57000")
            sell = await place(c, h, side="SELL", type="LIMIT", quantity="0.003", price="61000")
            stop = await place(
                c, h, side="SELL", type="STOP_LOSS_LIMIT", quantity="0.002",
                stop_price="58500", price="58400",
            )  # fmt: skip
            big = await place(c, h, side="BUY", type="LIMIT", quantity="0.1", price="59500")
        await trade_at(first, "BTCUSDT", "60000", t0)  # the matcher's last trade: checkpoint
    # matcher down; the ingestor (another process) stores the closed candles of the downtime
    await store(
        first,
        kline(m[0], "60000", "60000", "56000", "60000", "1", 10),  # began before t0: skipped
        kline(m[1], "60000", "60500", "58000", "60200", "0.03", 40),  # O L H C
        kline(m[2], "60200", "61500", "60100", "60300", "2", 40),
        kline(m[3], "60300", "60400", "59000", "59800", "0.05", 40),  # down: O H L C
        kline(m[4], "59800", "59800", "59800", "59800", "0", 0),  # no trades: skipped
    )
    second = create_app(settings)
    async with second.router.lifespan_context(second):
        await trade_at(second, "BTCUSDT", "60000", t1)  # the gap ends: catch up, then apply
        orders, trades = await orders_and_trades(second)
        fills = {(t.order_id, t.source_trade_id): (t.price, t.qty, t.is_maker) for t in trades}
        assert orders[buy].status == "FILLED"
        assert fills[(buy, f"candle:BTCUSDT:{m[1]}")] == (D("59000"), D("0.002"), True)
        assert orders[sell].status == "FILLED"
        assert fills[(sell, f"candle:BTCUSDT:{m[2]}")] == (D("61000"), D("0.003"), True)
        # triggered at m1's low, rested at 58400 (no taker price crossed it), filled at m1's high
        assert orders[stop].status == "FILLED" and orders[stop].is_working
        assert fills[(stop, f"candle:BTCUSDT:{m[1]}")] == (D("58400"), D("0.002"), True)
        # at most the candle's volume per candle, like a live fill takes at most the trade
        assert (orders[big].status, orders[big].executed_qty) == ("PARTIALLY_FILLED", D("0.08"))
        assert fills[(big, f"candle:BTCUSDT:{m[1]}")] == (D("59500"), D("0.03"), True)
        assert fills[(big, f"candle:BTCUSDT:{m[3]}")] == (D("59500"), D("0.05"), True)
        # a low exactly at the price does not trade through it; m0 began before the checkpoint
        assert orders[at_low].status == "NEW" and orders[deep].status == "NEW"
        assert len(trades) == 6  # the market buy + 5 candle fills
        index = second.state.runtime.trading.index
        assert {buy, sell, stop} & set(index.ids()) == set()
        assert index.entry(big) == ("BTCUSDT", Book.BUY_LIMIT, D("59500"))
        assert index.entry(at_low) == ("BTCUSDT", Book.BUY_LIMIT, D("58000"))
        await assert_ledger_whole(second.state.runtime.sessionmaker, uid)

        # A second catch-up of the same period (e.g. a crash before the checkpoint moved) adds
        # nothing: each fill is keyed by (order, candle).
        since = catchup.Anchor(at_ms(t0), time.time())
        until = Tick("BTCUSDT", D("60000"), D("1"), "binance:again", at_ms(t1))
        matcher = second.state.runtime.trading_matcher
        again = await catchup.catch_up(
            second.state.runtime.trading, second.state.runtime.sessionmaker, second.state.runtime.bus, "BTCUSDT",
            since, until, time.time(),
        )  # fmt: skip
        assert again.candles == 3
        assert len((await orders_and_trades(second))[1]) == 6
        await matcher.drain()
        async with second.state.runtime.sessionmaker() as s:
            cp = await s.get(MatcherCheckpoint, "BTCUSDT")
            assert cp is not None and cp.last_trade_at == at_ms(t1)
        await assert_ledger_whole(second.state.runtime.sessionmaker, uid)
    third = create_app(settings)  # and the next restart replays nothing more
    async with third.router.lifespan_context(third):
        await trade_at(third, "BTCUSDT", "60000", t1 + 20_000)
        assert len((await orders_and_trades(third))[1]) == 6


async def test_an_order_placed_while_the_matcher_was_down_ignores_older_candles(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path, trading_resync_interval_s=0)
    base = minute_grid(12)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        uid, h = await make_user(app)
        app.state.runtime.trading.prices.update("BTCUSDT", D("60000"), None)
        async with asgi_client(app) as c:
            old = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="59000")
            new = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="59000")
    ten_ago = datetime.now(UTC) - timedelta(minutes=10)
    async with transaction(app.state.runtime.sessionmaker) as tx:
        # live feed: the matcher's last trade 10 minutes ago (market time = wall time); `old`
        # rested before that, `new` was placed just now, during the downtime
        tx.session.add(
            MatcherCheckpoint(
                symbol="BTCUSDT", last_trade_id="binance:1", last_trade_at=ten_ago,
                updated_at=ten_ago,
            )
        )  # fmt: skip
        await tx.session.execute(
            update(Order).where(Order.id == old).values(created_at=ten_ago - timedelta(minutes=5))
        )
    await store(app, *(kline(base + i * MIN, "60000", "60100", "58000", "60050", "3", 20)
                       for i in range(3, 10)))  # fmt: skip
    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        await trade_at(restarted, "BTCUSDT", "60000", int(time.time() * 1000))
        orders, trades = await orders_and_trades(restarted)
        assert orders[old].status == "FILLED"
        assert orders[new].status == "NEW"  # every stored candle is older than the order
        assert [t.order_id for t in trades] == [old]
        await assert_ledger_whole(restarted.state.runtime.sessionmaker, uid)


async def test_a_gap_in_the_trade_stream_is_caught_up_while_running(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path, trading_resync_interval_s=0)
    base = minute_grid(15)
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        uid, h = await make_user(app)
        app.state.runtime.trading.prices.update("BTCUSDT", D("60000"), None)
        oid = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="59000")
        await trade_at(app, "BTCUSDT", "60000", base + 5_000)
        # the bus lost the trades of minutes 1-3 (a Redis outage); the candles were stored
        await store(app, kline(base + 2 * MIN, "60000", "60000", "58900", "59950", "1", 30))
        await trade_at(app, "BTCUSDT", "59990", base + 4 * MIN + 1_000)
        orders, trades = await orders_and_trades(app)
        assert orders[oid].status == "FILLED"
        assert [t.source_trade_id for t in trades] == [f"candle:BTCUSDT:{base + 2 * MIN}"]
        await assert_ledger_whole(app.state.runtime.sessionmaker, uid)


async def test_market_time_going_backwards_replays_nothing(db_url: str, tmp_path: Path) -> None:
    """A replay source restarted from its start: the next trade is older than the checkpoint,
    so the candles the earlier run stored after it are not applied to today's orders."""
    settings = trading_settings(db_url, tmp_path, trading_resync_interval_s=0)
    base = minute_grid(60)
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        _, h = await make_user(app)
        app.state.runtime.trading.prices.update("BTCUSDT", D("60000"), None)
        oid = await place(c, h, side="BUY", type="LIMIT", quantity="0.002", price="59000")
        await trade_at(app, "BTCUSDT", "60000", base + 30 * MIN)
        await store(app, *(kline(base + i * MIN, "60000", "60000", "58000", "60000", "1", 5)
                           for i in range(31, 40)))  # fmt: skip
        await trade_at(app, "BTCUSDT", "60000", base + 2 * MIN)
        orders, trades = await orders_and_trades(app)
        assert orders[oid].status == "NEW" and trades == []


def test_order_start_maps_wall_clock_onto_market_time() -> None:
    since = catchup.Anchor(at_ms(1_000_000), 5_000.0)  # market 1,000,000 ms at wall 5,000 s
    created = datetime.fromtimestamp(5_010, UTC)
    # live feed: market time runs with the wall clock
    assert catchup.order_start_ms(created, since, 1_000_000 + 60_000, 5_060.0) == 1_010_000
    # replay at 60x: 10 s of wall clock are 10 minutes of market time
    assert catchup.order_start_ms(created, since, 1_000_000 + 3_600_000, 5_060.0) == 1_600_000
    # placed before the checkpoint: it rested from there
    before = datetime.fromtimestamp(4_000, UTC)
    assert catchup.order_start_ms(before, since, 2_000_000, 5_060.0) == 1_000_000
    # market time went backwards: never before the window's end
    assert catchup.order_start_ms(created, since, 900_000, 5_060.0) == 900_000
