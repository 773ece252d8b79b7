"""The matcher's periodic resync: a `trading:book` message lost on the bus no longer leaves the
index wrong until a restart; drift is repaired in both directions and counted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import REGISTRY

from backend.bus import MemoryBus
from backend.db import transaction
from backend.main import create_app
from backend.trading import orders
from backend.trading.matching import Book
from backend.trading.models import Order
from backend.trading.rules import OrderType, Side, TimeInForce
from tests.conftest import REDIS_URL, asgi_client
from tests.trading.conftest import make_user, tick, trade_frame, trading_settings
from tests.trading.ledger_checks import assert_ledger_whole

LOST = MemoryBus()  # nobody listens here: what a publish that never arrives looks like


def drift(kind: str) -> float:
    return REGISTRY.get_sample_value("cd_trading_index_drift_total", {"kind": kind}) or 0.0


async def place_lost(app: FastAPI, uid: int, price: str) -> Order:
    """Place a resting BUY whose `trading:book` event is lost."""
    cmd = orders.PlaceOrder(
        symbol="BTCUSDT", side=Side.BUY, type=OrderType.LIMIT, quantity=D("0.002"),
        price=D(price), time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    async with transaction(app.state.runtime.sessionmaker) as tx:
        return await orders.place_order(
            tx, LOST, app.state.runtime.trading, uid, cmd, datetime.now(UTC)
        )


async def cancel_lost(app: FastAPI, uid: int, order_id: int) -> None:
    async with transaction(app.state.runtime.sessionmaker) as tx:
        await orders.cancel_order(
            tx, LOST, app.state.runtime.trading, uid, order_id, datetime.now(UTC)
        )


async def test_resync_repairs_missing_stale_and_moved_entries(db_url: str, tmp_path: Path) -> None:
    app = create_app(trading_settings(db_url, tmp_path, trading_resync_interval_s=0))
    async with app.router.lifespan_context(app):
        uid, _ = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        matcher, index = app.state.runtime.trading_matcher, app.state.runtime.trading.index
        assert await matcher.resync(settle_s=0) == {}  # nothing to repair: nothing counted
        missing = await place_lost(app, uid, "59000")
        stale = await place_lost(app, uid, "58000")
        index.add("BTCUSDT", stale.id, Book.BUY_LIMIT, D("58000"))  # its add did arrive ...
        await cancel_lost(app, uid, stale.id)  # ... its remove did not
        moved = await place_lost(app, uid, "57000")
        index.add("BTCUSDT", moved.id, Book.BUY_LIMIT, D("57500"))  # a stale price
        assert missing.id not in index and stale.id in index
        before = {k: drift(k) for k in ("missing", "stale", "moved")}
        assert await matcher.resync(settle_s=0) == {"missing": 1, "stale": 1, "moved": 1}
        assert {k: drift(k) - before[k] for k in before} == {"missing": 1, "stale": 1, "moved": 1}
        assert index.entry(missing.id) == ("BTCUSDT", Book.BUY_LIMIT, D("59000"))
        assert stale.id not in index
        assert index.entry(moved.id) == ("BTCUSDT", Book.BUY_LIMIT, D("57000"))
        assert await matcher.resync(settle_s=0) == {}
        # the repaired order now fills on the market like any other
        await tick(app, "BTCUSDT", "58500", qty="1")
        async with app.state.runtime.sessionmaker() as s:
            got = await s.get(Order, missing.id)
            assert got is not None and got.status == "FILLED"
        await assert_ledger_whole(app.state.runtime.sessionmaker, uid)


async def test_a_difference_gone_by_the_second_look_is_not_repaired(
    db_url: str, tmp_path: Path
) -> None:
    """An order committed between the resync's read and its compare has its book event still on
    the way; the resync must not count (or undo) that as drift."""
    app = create_app(trading_settings(db_url, tmp_path, trading_resync_interval_s=0))
    async with app.router.lifespan_context(app):
        uid, _ = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        matcher, index = app.state.runtime.trading_matcher, app.state.runtime.trading.index
        late = await place_lost(app, uid, "59000")
        before = drift("missing")
        resync = asyncio.create_task(matcher.resync(settle_s=2.0))
        for _ in range(200):  # until the first look has seen the difference
            if matcher.resync_suspects == 1:
                break
            await asyncio.sleep(0.01)
        assert matcher.resync_suspects == 1 and not resync.done()
        index.add("BTCUSDT", late.id, Book.BUY_LIMIT, D("59000"))  # the event arrives
        assert await resync == {}
        assert drift("missing") == before


async def test_the_periodic_resync_runs_on_its_own(db_url: str, tmp_path: Path) -> None:
    app = create_app(trading_settings(db_url, tmp_path, trading_resync_interval_s=0.2))
    async with app.router.lifespan_context(app):
        uid, _ = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        lost = await place_lost(app, uid, "59000")
        index = app.state.runtime.trading.index
        for _ in range(200):  # fails after 10 s; typically repaired within ~1.5 s
            if lost.id in index:
                break
            await asyncio.sleep(0.05)
        assert index.entry(lost.id) == ("BTCUSDT", Book.BUY_LIMIT, D("59000"))


async def test_no_drift_is_reported_while_orders_stream_through_redis(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    """With RedisBus the book events arrive a little after each commit: resyncs running during
    a stream of placements and cancels must find nothing to repair."""
    settings = trading_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, jobs_inline=True,
        trading_run_matcher="api", trading_resync_interval_s=0,
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        _, h = await make_user(app)
        await app.state.runtime.bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "60000"))
        matcher = app.state.runtime.trading_matcher
        for _ in range(200):
            if "BTCUSDT" in app.state.runtime.trading.prices.last:
                break
            await asyncio.sleep(0.05)
        before = {k: drift(k) for k in ("missing", "stale", "moved")}

        async def trade() -> list[int]:
            ids = []
            for i in range(30):
                r = await c.post(
                    "/api/v1/orders", headers=h,
                    json={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                          "quantity": "0.001", "price": str(59000 - i), "time_in_force": "GTC"},
                )  # fmt: skip
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
                if i % 3 == 0:
                    assert (await c.delete(f"/api/v1/orders/{ids[-1]}", headers=h)).is_success
            return ids

        async def resyncs() -> list[dict[str, int]]:
            return [await matcher.resync(settle_s=0.3) for _ in range(8)]

        ids, results = await asyncio.gather(trade(), resyncs())
        assert all(r == {} for r in results), results
        assert {k: drift(k) for k in before} == before
        open_ids = {i for n, i in enumerate(ids) if n % 3}
        for _ in range(200):  # the last events may still be on their way
            if set(app.state.runtime.trading.index.ids()) == open_ids:
                break
            await asyncio.sleep(0.05)
        assert set(app.state.runtime.trading.index.ids()) == open_ids
