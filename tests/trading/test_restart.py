"""The matcher survives a restart: the index is rebuilt from open orders; marks and equity."""

from __future__ import annotations

from contextlib import AsyncExitStack
from decimal import Decimal as D
from pathlib import Path

from backend.main import create_app
from backend.market.rulebook import symbol_rules
from backend.runtime import build_runtime
from backend.trading import tasks
from backend.trading.lifespan import trading_feed, trading_matcher
from tests.conftest import asgi_client
from tests.trading.conftest import make_user, tick, trade_frame, trading_settings

LIMIT = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "quantity": "0.005",
         "price": "61000", "time_in_force": "GTC"}  # fmt: skip


async def test_resting_order_fills_after_a_restart_exactly_once(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path)
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        _, h = await make_user(first)
        await tick(first, "BTCUSDT", "60000")
        async with asgi_client(first) as c:
            buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
            assert (await c.post("/api/v1/orders", headers=h, json=buy)).status_code == 201
            r = await c.post("/api/v1/orders", headers=h, json=LIMIT)
            oid = r.json()["id"]
            await tick(first, "BTCUSDT", "61000.01", qty="0.002", trade_id=500)  # partial fill
    second = create_app(settings)  # a new process: nothing in memory
    async with second.router.lifespan_context(second):
        await second.state.runtime.trading_matcher.drain()
        assert oid in second.state.runtime.trading.index
        assert second.state.runtime.trading.prices.last["BTCUSDT"] == D(
            "61000.01"
        )  # seeded from marks
        await tick(second, "BTCUSDT", "61000.01", qty="0.002", trade_id=500)  # re-delivered
        async with asgi_client(second) as c:
            o = (await c.get(f"/api/v1/orders/{oid}", headers=h)).json()
            assert (o["status"], D(o["executed_qty"])) == ("PARTIALLY_FILLED", D("0.002"))
            await tick(second, "BTCUSDT", "61500", qty="1", trade_id=501)
            o = (await c.get(f"/api/v1/orders/{oid}", headers=h)).json()
            assert (o["status"], D(o["executed_qty"])) == ("FILLED", D("0.005"))
            trades = (await c.get("/api/v1/trades", headers=h)).json()
            assert len(trades) == 3  # the market buy and two maker fills, none twice


async def test_equity_snapshot_job_feeds_the_equity_curve(db_url: str, tmp_path: Path) -> None:
    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app):
        _, h = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        async with asgi_client(app) as c:
            await c.get("/api/v1/account", headers=h)
            ctx = {
                "settings": app.state.runtime.settings,
                "sessionmaker": app.state.runtime.sessionmaker,
            }
            assert await tasks.snapshot_equity(ctx, force=True) >= 1
            points = (await c.get("/api/v1/portfolio/equity", headers=h)).json()
            # (the in-process cron may add a point of its own at a 5-minute boundary)
            assert points and {D(p["equity"]) for p in points} == {D("10000")}


async def test_matcher_can_run_in_the_worker_instead_of_the_api(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path, trading_run_matcher="worker")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert app.state.runtime.trading_matcher is None  # the API only publishes and prices
        worker = build_runtime(settings, "worker")
        worker.bus = app.state.runtime.bus  # one process here: share its in-process bus
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(symbol_rules(worker))
            await stack.enter_async_context(trading_feed(worker))
            await stack.enter_async_context(trading_matcher(worker))
            matcher = worker.trading_matcher
            assert matcher is not None
            await matcher.drain()
            _, h = await make_user(app)
            frame = trade_frame("BTCUSDT", "60000")
            await app.state.runtime.bus.publish("btcusdt@trade", frame)
            await matcher.drain()
            async with asgi_client(app) as c:
                r = await c.post(
                    "/api/v1/orders", headers=h, json={**LIMIT, "side": "BUY", "price": "59000"}
                )
                oid = r.json()["id"]
                await app.state.runtime.bus.publish(
                    "btcusdt@trade", trade_frame("BTCUSDT", "58000", "1")
                )
                await matcher.drain()
                o = (await c.get(f"/api/v1/orders/{oid}", headers=h)).json()
                assert o["status"] == "FILLED"
