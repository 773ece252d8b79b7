"""The `alerts.checker` part: a candidate for the checker's lease where the matcher may run
(the worker with Redis, the API process embedded). It subscribes to `<sym>@trade`,
`<sym>@ticker` (feed.py) and `alerts:index` at start; the lease holder feeds them, in order, to
its one `AlertChecker` (checker.py) and runs the resync and RSI timers. A standby keeps the last
REPLAY_WINDOW_S of ticks and checks them at takeover (the firing's guard makes a repeat
harmless).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from loguru import logger

from backend import streams
from backend.alerts.checker import AlertChecker
from backend.alerts.feed import LastPrice, Tick, ticker_price, trade_tick
from backend.bus import Subscription
from backend.leases import singleton
from backend.runtime import Runtime
from backend.trading.lifespan import REPLAY_WINDOW_S, matcher_candidate

CHECKER_LEASE = "alerts.checker"


class CheckerTask:
    """The lease holder's loop: one consumer of ticks and index events, plus the timers."""

    def __init__(self, checker: AlertChecker) -> None:
        self.checker = checker
        self.queue: asyncio.Queue[Tick | LastPrice | int] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        settings = self.checker.settings
        self._tasks = [
            asyncio.create_task(self._consume(), name="alerts.checker"),
            asyncio.create_task(
                self._every(settings.alerts_resync_interval_s, self.checker.resync),
                name="alerts.resync",
            ),
            asyncio.create_task(
                self._every(settings.alerts_rsi_interval_s, self.checker.check_rsi),
                name="alerts.rsi",
            ),
        ]

    async def _consume(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if isinstance(item, int):
                    async with self.checker.lock:
                        await self.checker.refresh(item)
                elif isinstance(item, LastPrice):
                    await self.checker.on_last_price(item.symbol, item.price, item.market_ms)
                else:
                    await self.checker.on_tick(*item)
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                logger.opt(exception=True).error("alerts.checker_failed")
            finally:
                self.queue.task_done()

    @staticmethod
    async def _every(seconds: float, body: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await body()
            except Exception:
                logger.opt(exception=True).error("alerts.timer_failed")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.checker.save_checkpoints()


def parse_index_event(data: bytes) -> int | None:
    try:
        return int(json.loads(data)["id"])
    except (KeyError, TypeError, ValueError):
        return None


@asynccontextmanager
async def alert_checker(rt: Runtime) -> AsyncIterator[None]:
    """The part: a candidate for the checker's lease (where the matcher may run)."""
    if not matcher_candidate(rt.settings, rt.process):
        yield
        return
    holder: list[CheckerTask] = []
    recent: collections.deque[tuple[float, Tick | LastPrice]] = collections.deque()

    def feed(item: Tick | LastPrice | None) -> None:
        if item is None:
            return
        if holder:
            holder[0].queue.put_nowait(item)
            return
        now = time.monotonic()
        recent.append((now, item))
        while recent and now - recent[0][0] > REPLAY_WINDOW_S:
            recent.popleft()

    def on_trade(_channel: str, data: bytes) -> None:
        feed(trade_tick(data))

    def on_ticker(_channel: str, data: bytes) -> None:
        feed(ticker_price(data))

    def on_index(_channel: str, data: bytes) -> None:
        alert_id = parse_index_event(data)
        if alert_id is not None and holder:
            holder[0].queue.put_nowait(alert_id)

    subs: list[Subscription] = []
    for symbol in rt.settings.market_symbols:
        subs.append(await rt.bus.subscribe(streams.trade(symbol), on_trade))
        subs.append(await rt.bus.subscribe(streams.ticker(symbol), on_ticker))
    subs.append(await rt.bus.subscribe(streams.ALERTS_INDEX, on_index))

    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        checker = AlertChecker(rt.sessionmaker, rt.bus, rt.settings)
        await checker.load()
        task = CheckerTask(checker)
        # No await from here to the yield: every trade from now on reaches this checker, and
        # the last ones a standby saw are checked first (the guard makes a repeat harmless).
        for _, item in recent:
            task.queue.put_nowait(item)
        recent.clear()
        holder.append(task)
        task.start()
        logger.bind(process=rt.process).info("alerts.checker_started")
        try:
            yield
        finally:
            holder.clear()
            await task.stop()

    try:
        async with singleton(rt.leases.lease(CHECKER_LEASE), run):
            yield
    finally:
        for sub in subs:
            await sub.close()
