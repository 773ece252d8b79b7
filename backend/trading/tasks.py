"""Trading processes: the matcher (market trades -> fills) and the equity snapshot job.

The matcher subscribes to `<sym>@trade` for every symbol with rules and to `trading:book`
(index updates published after order commits). Bus handlers only enqueue; one task consumes
the queue in order, so fills of one symbol happen in market order. At start it rebuilds the
index from the open orders in the database, so a restart resumes where the rows are; each fill
is keyed by (order, market trade id) and re-checked under the order's row lock, so a re-delivered
tick cannot fill twice. Ticks that arrive while the matcher is down are not replayed (README).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, Subscription
from backend.config import Settings
from backend.db import transaction
from backend.jobs import CronSpec, JobContext, JobSpec
from backend.trading import history, orders
from backend.trading.engine import (
    BOOK_CHANNEL,
    Tick,
    TradingConfig,
    TradingEngine,
    book_entry,
    load_rules,
)
from backend.trading.pricing import MarketModel
from backend.trading.repository import MarkRepository, OrderRepository

SNAPSHOT_JOB = "trading.snapshot_equity"
MARK_EVERY_S = 5.0
_MARKET_SNAPSHOT = Path(__file__).resolve().parent.parent / "market" / "exchange_info_snapshot.json"


def make_engine(settings: Settings) -> TradingEngine:
    config = TradingConfig(
        start_balance=settings.trading_start_balance,
        quote_asset=settings.trading_quote_asset,
        taker_fee=settings.trading_taker_fee,
        maker_fee=settings.trading_maker_fee,
        model=MarketModel(settings.trading_half_spread_bps, settings.trading_impact_bps),
    )
    path = settings.trading_exchange_info_path or _MARKET_SNAPSHOT
    return TradingEngine(config, load_rules(path))


class Matcher:
    """Consumes trade ticks and applies them to the indexed orders (one task, in order)."""

    def __init__(
        self, engine: TradingEngine, sessionmaker: async_sessionmaker[AsyncSession], bus: Bus
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.queue: asyncio.Queue[Tick] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._marked: dict[str, float] = {}
        self.ready = asyncio.Event()  # set once the index holds every open order

    async def rebuild(self) -> int:
        """Index every open order from the database (start-up after a crash or deploy)."""
        async with self.sessionmaker() as session:
            for order in await OrderRepository(session).all_open():
                entry = book_entry(order)
                if entry is not None:
                    self.engine.index.add(order.symbol, order.id, *entry)
        return len(self.engine.index)

    def on_trade(self, channel: str, data: bytes) -> None:
        tick = self.engine.on_trade_event(channel, data)
        if tick is not None:
            self.queue.put_nowait(tick)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="trading-matcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def drain(self) -> None:
        """Wait until the index is rebuilt and every queued tick applied (tests and benches)."""
        await self.ready.wait()
        await self.queue.join()

    async def _rebuild_until_ok(self) -> None:
        # The database may be down at start (the app still starts and reports not ready);
        # no tick is applied before the index holds every open order.
        delay = 0.5
        while True:
            try:
                count = await self.rebuild()
            except Exception:
                logger.opt(exception=True).warning("trading.rebuild_failed")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            logger.bind(open_orders=count).info("trading.index_rebuilt")
            self.ready.set()
            return

    async def _run(self) -> None:
        await self._rebuild_until_ok()
        while True:
            tick = await self.queue.get()
            try:
                await self.apply(tick)
                await self._mark(tick)
            except Exception:
                logger.opt(exception=True).bind(symbol=tick.symbol).error("trading.tick_failed")
            finally:
                self.queue.task_done()

    async def _mark(self, tick: Tick) -> None:
        # The last price survives restarts and feeds equity snapshots in other processes;
        # written at most every MARK_EVERY_S per symbol, not on every trade.
        now = asyncio.get_running_loop().time()
        if now - self._marked.get(tick.symbol, -MARK_EVERY_S) < MARK_EVERY_S:
            return
        self._marked[tick.symbol] = now
        async with transaction(self.sessionmaker) as tx:
            await MarkRepository(tx.session).upsert(tick.symbol, tick.price, tick.at)

    async def apply(self, tick: Tick) -> int:
        """Fill/trigger what this trade hits; each order in its own transaction. O(k log n)."""
        hits = self.engine.index.hits(tick.symbol, tick.price)
        for hit in hits:
            try:
                async with transaction(self.sessionmaker) as tx:
                    still_open = await orders.on_market_tick(
                        tx, self.bus, self.engine, hit.order_id, tick
                    )
            except Exception:
                logger.opt(exception=True).bind(order_id=hit.order_id).error("trading.fill_failed")
                self.engine.index.add(tick.symbol, hit.order_id, hit.book, hit.price)  # retry
                continue
            if still_open is not None:
                entry = book_entry(still_open)
                if entry is not None:
                    self.engine.index.add(tick.symbol, still_open.id, *entry)
        return len(hits)


async def seed_prices(
    engine: TradingEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Start from the last marks in the database until the trade stream speaks."""
    try:
        async with sessionmaker() as session:
            marks = await MarkRepository(session).all_prices()
    except Exception:  # database down at start: prices come from the stream instead
        logger.opt(exception=True).warning("trading.seed_prices_failed")
        return
    for symbol, price in marks.items():
        engine.prices.last.setdefault(symbol, price)


def matcher_here(settings: Settings, process: str) -> bool:
    """Where the one matcher runs: `auto` = the API process without Redis, else the worker."""
    mode = settings.trading_run_matcher
    if mode == "auto":
        mode = "api" if settings.redis_url is None else "worker"
    return mode == process


@contextlib.asynccontextmanager
async def running_engine(
    engine: TradingEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    *,
    with_matcher: bool,
) -> AsyncIterator[Matcher | None]:
    """Price feed for the engine, plus the matcher (index feed, tick consumer) if asked."""
    await seed_prices(engine, sessionmaker)
    subs: list[Subscription] = []
    matcher: Matcher | None = None
    if with_matcher:
        matcher = Matcher(engine, sessionmaker, bus)
        subs.append(await bus.subscribe(BOOK_CHANNEL, engine.on_book_event))
        matcher.start()
    handler: Any = matcher.on_trade if matcher else engine.on_trade_event
    for symbol in engine.rules:
        subs.append(await bus.subscribe(f"{symbol.lower()}@trade", handler))
    try:
        yield matcher
    finally:
        for sub in subs:
            await sub.close()
        if matcher is not None:
            await matcher.stop()


@contextlib.asynccontextmanager
async def trading_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """API start-up: the engine on app.state, its price feed, and the matcher if it runs here."""
    settings: Settings = app.state.settings
    engine = make_engine(settings)
    app.state.trading = engine
    here = matcher_here(settings, "api")
    async with running_engine(
        engine, app.state.sessionmaker, app.state.bus, with_matcher=here
    ) as matcher:
        app.state.trading_matcher = matcher
        yield


@contextlib.asynccontextmanager
async def worker_matcher(ctx: JobContext) -> AsyncIterator[None]:
    """Worker start-up (backend/worker.py): the matcher, when it runs in the worker.

    Run one worker with it (or set TRADING_RUN_MATCHER=no on the others): a second matcher is
    safe (fills are keyed by (order, trade) under the order's row lock) but does double work.
    """
    settings: Settings = ctx["settings"]
    if not matcher_here(settings, "worker"):
        yield
        return
    engine = make_engine(settings)
    async with running_engine(engine, ctx["sessionmaker"], ctx["bus"], with_matcher=True) as m:
        ctx["trading_matcher"] = m
        yield


async def snapshot_equity(ctx: JobContext, *, force: bool = False) -> int:
    """Cron: one equity point per account every TRADING_SNAPSHOT_MINUTES (the cron ticks each
    minute because the cron list is built before settings exist; the cadence is checked here)."""
    settings: Settings = ctx["settings"]
    now = datetime.now(UTC)
    every = max(1, settings.trading_snapshot_minutes)
    if not force and (now.hour * 60 + now.minute) % every != 0:
        return 0
    engine = make_engine(settings)
    async with transaction(ctx["sessionmaker"]) as tx:
        return await history.snapshot_equity(tx, engine, now)


def job_specs() -> list[JobSpec]:
    return [JobSpec(SNAPSHOT_JOB, snapshot_equity, timeout_s=120)]


def crons() -> list[CronSpec]:
    return [CronSpec(SNAPSHOT_JOB)]  # every minute at second 0; the job applies the cadence
