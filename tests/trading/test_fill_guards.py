"""The fill path's own guards, whatever the caller's index says (issue 10 §1).

Two matchers on one database (deploy/k8s/worker.yaml once ran two workers, each with its own):
one triggers a stop-limit order and rests it, the other applies the same trade and must not fill
it as a maker at its limit. And a resting limit never fills from a trade that does not go
through its price, even when a caller asks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

from backend.db import transaction
from backend.main import create_app
from backend.trading import orders
from backend.trading.engine import Tick
from tests.conftest import asgi_client
from tests.trading.conftest import make_user, tick, trading_settings
from tests.trading.ledger_checks import assert_ledger_whole
from tests.trading.test_catchup import orders_and_trades, place


async def test_a_second_matcher_does_not_fill_a_stop_from_the_trade_that_triggered_it(
    db_url: str, tmp_path: Path
) -> None:
    settings = trading_settings(db_url, tmp_path, trading_resync_interval_s=0)
    first, second = create_app(settings), create_app(settings)
    async with first.router.lifespan_context(first):
        uid, h = await make_user(first)
        await tick(first, "BTCUSDT", "60000")
        async with asgi_client(first) as c:
            await place(c, h, side="BUY", type="MARKET", quantity="0.1")
            # Triggers at 59000 and rests: its limit is above the sell-side taker price
            # (59000 less the half spread), yet 59000 goes through it.
            stop = await place(
                c, h, side="SELL", type="STOP_LOSS_LIMIT", quantity="0.05",
                stop_price="59000", price="58999",
            )  # fmt: skip
        # the second matcher starts now: its index holds the stop (rebuilt from the database)
        async with second.router.lifespan_context(second):
            await second.state.runtime.trading_matcher.drain()
            await tick(first, "BTCUSDT", "59000", trade_id=777)
            placed, trades = await orders_and_trades(first)
            assert (placed[stop].is_working, placed[stop].status) == (True, "NEW")
            await tick(second, "BTCUSDT", "59000", trade_id=777)  # the same trade, again
            placed, trades = await orders_and_trades(first)
            assert (placed[stop].status, placed[stop].executed_qty) == ("NEW", D("0"))
            assert [t.order_id for t in trades if t.order_id == stop] == []
            # a later trade through its price fills it, once, in either matcher
            await tick(second, "BTCUSDT", "59500", qty="1", trade_id=778)
            await tick(first, "BTCUSDT", "59500", qty="1", trade_id=778)
            placed, trades = await orders_and_trades(first)
            assert placed[stop].status == "FILLED"
            assert [
                (t.source_trade_id, t.price, t.is_maker) for t in trades if t.order_id == stop
            ] == [("test:778", D("58999"), True)]
            await assert_ledger_whole(first.state.runtime.sessionmaker, uid)


async def test_a_resting_limit_never_fills_from_a_trade_that_does_not_reach_its_price(
    db_url: str, tmp_path: Path
) -> None:
    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app):
        uid, h = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        async with asgi_client(app) as c:
            buy = await place(c, h, side="BUY", type="LIMIT", quantity="0.01", price="59000")
        rt = app.state.runtime
        for price in ("60000", "59000"):  # above it, and exactly at it: neither goes through
            at = datetime.now(UTC)
            # a caller whose index wrongly says the trade hits the order
            async with transaction(rt.sessionmaker) as tx:
                still = await orders.on_market_tick(
                    tx, rt.bus, rt.trading, buy, Tick("BTCUSDT", D(price), D("1"), f"x{price}", at)
                )
            assert still is not None
        placed, trades = await orders_and_trades(app)
        assert (placed[buy].status, placed[buy].executed_qty) == ("NEW", D("0"))
        assert [t for t in trades if t.order_id == buy] == []
        await assert_ledger_whole(rt.sessionmaker, uid)


async def test_a_trade_seen_before_the_order_was_placed_does_not_fill_it(
    db_url: str, tmp_path: Path
) -> None:
    """A matcher taking over replays the trades it saw as a standby (trading/lifespan.py): an
    order placed after such a trade was received must not fill from it."""
    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app):
        uid, h = await make_user(app)
        await tick(app, "BTCUSDT", "60000")
        seen = datetime.now(UTC)  # the trade below was received here, before the order
        async with asgi_client(app) as c:
            buy = await place(c, h, side="BUY", type="LIMIT", quantity="0.01", price="59000")
        rt = app.state.runtime
        old = Tick("BTCUSDT", D("58000"), D("1"), "seen-before", seen)
        async with transaction(rt.sessionmaker) as tx:
            await orders.on_market_tick(tx, rt.bus, rt.trading, buy, old, seen_at=seen)
        placed, _ = await orders_and_trades(app)
        assert placed[buy].status == "NEW"
        new = Tick("BTCUSDT", D("58000"), D("1"), "seen-after", datetime.now(UTC))
        async with transaction(rt.sessionmaker) as tx:
            await orders.on_market_tick(tx, rt.bus, rt.trading, buy, new, seen_at=datetime.now(UTC))
        placed, _ = await orders_and_trades(app)
        assert placed[buy].status == "FILLED"
        await assert_ledger_whole(rt.sessionmaker, uid)
