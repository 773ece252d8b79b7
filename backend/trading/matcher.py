"""The order matcher: market trades -> fills of resting orders (one per deployment, by lease).

The matcher subscribes to `<sym>@trade` for every symbol with rules and to `trading:book`
(index updates published after order commits). Bus handlers only enqueue; one task consumes
the queue in order, so fills of one symbol happen in market order. At start it rebuilds the
index from the open orders in the database, so a restart resumes where the rows are; each fill
is keyed by (order, market trade id) and re-checked under the order's row lock, so a re-delivered
tick cannot fill twice.

What the matcher did not see is caught up from the stored 1m candles (catchup.py): it keeps a
checkpoint per symbol (last applied trade, in `trading_matcher_checkpoints`), and when a symbol's
next trade comes a minute or more of market time after it (a restart, a bus outage), the candles
in between are replayed through the same fill path first.
A `trading:book` message lost on the bus would leave an order out of the index: every
TRADING_RESYNC_INTERVAL_S the index is compared with the open orders in the database and
repaired in both directions (drift is logged and counted in cd_trading_index_drift_total).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.db import transaction
from backend.metrics import TRADING_CATCHUP_ORDERS, TRADING_INDEX_DRIFT
from backend.trading import orders
from backend.trading.catchup import GAP_MS, Anchor, CheckpointRepository, catch_up
from backend.trading.engine import Tick, TradingEngine, book_entry
from backend.trading.matching import Book
from backend.trading.repository import MarkRepository, OrderRepository

MARK_EVERY_S = 5.0
_GAP = timedelta(milliseconds=GAP_MS)
_Entry = tuple[str, Book, Decimal]  # (symbol, book, price): where an order rests in the index
RESYNC_SETTLE_S = 1.0  # a suspected drift is re-checked this much later before it is repaired


def _reraise_if_cancelling() -> None:
    """Inside `except Exception`: if this task is being cancelled, let the error end it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise


class Matcher:
    """Consumes trade ticks and applies them to the indexed orders (one task, in order)."""

    def __init__(
        self,
        engine: TradingEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus,
        *,
        resync_every_s: float = 30.0,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.resync_every_s = resync_every_s
        self.queue: asyncio.Queue[tuple[Tick, datetime | None]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._marked: dict[str, float] = {}
        # Last applied trade per symbol (market time, wall clock): where a catch-up starts.
        self.anchors: dict[str, Anchor] = {}
        # Ticks and catch-ups hold it; the resync holds it to compare a quiet index.
        self._lock = asyncio.Lock()
        self._resync_lock = asyncio.Lock()  # one resync at a time (it owns `_touched`)
        self._touched: set[int] | None = None  # book events seen while a resync reads
        self.resync_suspects = 0  # differences the last resync's first look found
        self.ready = asyncio.Event()  # set once the index holds every open order

    async def rebuild(self) -> int:
        """Index every open order from the database (start-up after a crash or deploy)."""
        async with self.sessionmaker() as session:
            for order in await OrderRepository(session).all_open():
                entry = book_entry(order)
                if entry is not None:
                    self.engine.index.add(order.symbol, order.id, *entry)
            for symbol, anchor in (await CheckpointRepository(session).all()).items():
                self.anchors.setdefault(symbol, anchor)
        return len(self.engine.index)

    def enqueue(self, tick: Tick, seen_at: datetime | None = None) -> None:
        """Queue a trade the price feed parsed (trading/lifespan.py); `seen_at` is when this
        process received it (a replayed one must not fill an order placed after that)."""
        self.queue.put_nowait((tick, seen_at))

    def on_book(self, channel: str, data: bytes) -> None:
        """`trading:book` events: the index update, noted for a resync that is reading."""
        self.engine.on_book_event(channel, data)
        if self._touched is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self._touched.add(int(json.loads(data)["id"]))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="trading-matcher")

    async def stop(self) -> None:
        # Cancel until both tasks are done: a driver may turn a cancellation into an ordinary
        # error that a retry loop then absorbs, and the resync task may start meanwhile.
        while True:
            tasks = [t for t in (self._resync_task, self._task) if t is not None and not t.done()]
            if not tasks:
                return
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=1.0)

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
                _reraise_if_cancelling()
                logger.opt(exception=True).warning("trading.rebuild_failed")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            logger.bind(open_orders=count).info("trading.index_rebuilt")
            self.ready.set()
            return

    async def _run(self) -> None:
        await self._rebuild_until_ok()
        if self.resync_every_s > 0:
            self._resync_task = asyncio.create_task(self._resync_loop(), name="trading-resync")
        while True:
            tick, seen_at = await self.queue.get()
            try:
                async with self._lock:
                    await self._catch_up(tick)
                    await self.apply(tick, seen_at)
                    self.anchors[tick.symbol] = Anchor(tick.at, time.time())
                await self._mark(tick)
            except Exception:
                logger.opt(exception=True).bind(symbol=tick.symbol).error("trading.tick_failed")
            finally:
                self.queue.task_done()

    async def _catch_up(self, tick: Tick) -> None:
        """Replay the stored candles of a gap before the trade that ends it (catchup.py)."""
        since = self.anchors.get(tick.symbol)
        if since is None or tick.at - since.at < _GAP:
            return
        try:
            done = await catch_up(
                self.engine, self.sessionmaker, self.bus, tick.symbol, since, tick, time.time()
            )
        except Exception:  # the live trade still applies; the gap stays (logged)
            logger.opt(exception=True).bind(symbol=tick.symbol).error("trading.catchup_failed")
            return
        if done.orders:
            TRADING_CATCHUP_ORDERS.inc(done.orders)

    async def _mark(self, tick: Tick) -> None:
        # The last price and the matcher's checkpoint survive restarts (the price feeds equity
        # snapshots in other processes, the checkpoint the catch-up); written at most every
        # MARK_EVERY_S per symbol, not on every trade. A checkpoint that lags the last applied
        # trade by those seconds only shortens the next catch-up window (catchup.py).
        now = asyncio.get_running_loop().time()
        if now - self._marked.get(tick.symbol, -MARK_EVERY_S) < MARK_EVERY_S:
            return
        self._marked[tick.symbol] = now
        async with transaction(self.sessionmaker) as tx:
            await MarkRepository(tx.session).upsert(tick.symbol, tick.price, tick.at)
            await CheckpointRepository(tx.session).upsert(
                tick.symbol, tick.trade_id, tick.at, datetime.now(UTC)
            )

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.resync_every_s)
            try:
                await self.resync()
            except Exception:
                _reraise_if_cancelling()
                logger.opt(exception=True).warning("trading.resync_failed")

    async def resync(self, settle_s: float = RESYNC_SETTLE_S) -> dict[str, int]:
        """Compare the index with the open orders in the database and repair the difference.

        The database is read without holding up the ticks; the compare (and the repair) runs
        under the matcher's lock, so no fill is half-applied to the index at that moment. A
        difference seen once may be a change the read missed (an order committed or filled
        meanwhile, its book event still on its way), so it is repaired only if a second look
        `settle_s` later finds the same one. Returns the repairs by kind: `missing` (an open
        order the index lacked), `stale` (an indexed order that is no longer open), `moved`
        (indexed at the wrong book or price).
        """
        async with self._resync_lock:
            try:
                want, touched = await self._read_open()
                async with self._lock:
                    first = self._diff(want, touched)
            finally:
                self._touched = None
            self.resync_suspects = len(first)
            if not first:
                return {}
            await asyncio.sleep(settle_s)
            try:
                want, touched = await self._read_open()
                async with self._lock:
                    return self._repair(first, self._diff(want, touched))
            finally:
                self._touched = None

    async def _read_open(self) -> tuple[dict[int, _Entry], set[int]]:
        """Where every open order should rest, and (growing until the compare) the ids that
        had a book event since this read began: those are newer than the read, left out."""
        touched: set[int] = set()
        self._touched = touched
        async with self.sessionmaker() as session:
            rows = await OrderRepository(session).all_open()
        want: dict[int, _Entry] = {}
        for order in rows:
            entry = book_entry(order)
            if entry is not None:
                want[order.id] = (order.symbol, *entry)
        return want, touched

    def _diff(self, want: dict[int, _Entry], touched: set[int]) -> dict[int, _Entry | None]:
        """Orders whose index entry differs from `want`: id -> the entry it should have."""
        index = self.engine.index
        out: dict[int, _Entry | None] = {}
        for order_id, expected in want.items():
            if order_id not in touched and index.entry(order_id) != expected:
                out[order_id] = expected
        for order_id in list(index.ids()):
            if order_id not in want and order_id not in touched:
                out[order_id] = None
        return out

    def _repair(
        self, first: dict[int, _Entry | None], second: dict[int, _Entry | None]
    ) -> dict[str, int]:
        fixed: dict[str, int] = {}
        index = self.engine.index
        for order_id, want in second.items():
            if order_id not in first or first[order_id] != want:
                continue
            if want is None:
                index.remove(order_id)
                kind = "stale"
            else:
                kind = "missing" if index.entry(order_id) is None else "moved"
                symbol, book, price = want
                index.add(symbol, order_id, book, price)
            fixed[kind] = fixed.get(kind, 0) + 1
            TRADING_INDEX_DRIFT.labels(kind=kind).inc()
            logger.bind(order_id=order_id, kind=kind).warning("trading.index_drift")
        return fixed

    async def apply(self, tick: Tick, seen_at: datetime | None = None) -> int:
        """Fill/trigger what this trade hits; each order in its own transaction. O(k log n)."""
        hits = self.engine.index.hits(tick.symbol, tick.price)
        for hit in hits:
            try:
                async with transaction(self.sessionmaker) as tx:
                    still_open = await orders.on_market_tick(
                        tx, self.bus, self.engine, hit.order_id, tick, seen_at=seen_at
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
