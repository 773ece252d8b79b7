"""The alert checker: market trades and tickers -> firings (one per deployment, by the
`alerts.checker` lease; it runs where the matcher runs: the worker with Redis, the API process
embedded). The part that runs it (the lease, the bus subscriptions, the timers) is part.py.

* It follows `<sym>@trade` and `<sym>@ticker` (last price) on the bus (feed.py). A ticker
  repeating the price just checked, with nothing new to check at it, is skipped (no double
  work); one older than the last checked tick is dropped (it would read as a move back). A price
  reached by both is guarded like any repeat: the firing's conditional UPDATE.

* Price alerts sit in the sorted index (index.py); `change_pct` alerts look at the window's
  low and high of the prices seen (per second); `rsi_*` alerts are evaluated every
  ALERTS_RSI_INTERVAL_S from the stored candles (analysis `latest_value`, at market time).
* The index is built from the active alerts at start, kept current by `alerts:index` events
  (the row is re-read) and compared with the database every ALERTS_RESYNC_INTERVAL_S (which
  also expires alerts past `expires_at`).
* A firing is `service.fire`: a conditional UPDATE (still active, at the version the checker
  saw, out of cooldown, not the tick that fired it last) + the firing row + the notification
  and its outbox rows, one transaction. A takeover, a replayed tick or a second checker finds
  the row moved and fires nothing.
* Gaps: the last checked market time and price per symbol are kept in `alert_checkpoints`.
  When a trade comes a minute or more of market time after it (the checker was down, a bus
  message was lost), the stored 1m candles wholly in between are checked first, each as its
  path O -> L -> H -> C (up) or O -> H -> L -> C (down), and what fires is marked `late`.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts import service
from backend.alerts.conditions import (
    PRICE_CONDITIONS,
    RSI_CONDITIONS,
    candle_path,
    change_fires,
    rsi_fires,
)
from backend.alerts.index import Entry, PriceIndex
from backend.alerts.models import ACTIVE, Alert
from backend.alerts.repository import AlertRepository, CheckpointRepository
from backend.bus import Bus
from backend.config import Settings
from backend.db import transaction
from backend.market.repository import CandleRepository
from backend.metrics import ALERTS_FIRED, ALERTS_INDEX_DRIFT

GAP_MS = 60_000
CANDLE_MS = 60_000
CHECKPOINT_EVERY_S = 5.0
CATCHUP_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Watched:
    """A change_pct or RSI alert (evaluated per tick or on a timer, not indexed by level)."""

    id: int
    symbol: str
    condition: str
    value: Decimal
    version: int
    cooldown_s: int
    window_s: int | None
    direction: str | None
    interval: str | None


class AlertChecker:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], bus: Bus | None, settings: Settings
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.settings = settings
        self.symbols = list(settings.market_symbols)
        self.index = PriceIndex()
        self.cooldowns: dict[int, int] = {}  # price alert id -> cooldown_s
        self.watched: dict[int, Watched] = {}
        self.changes: dict[str, dict[int, Watched]] = {}  # change_pct alerts per symbol
        self.asleep_until: dict[int, float] = {}  # watched alert id -> wall clock
        self.prev: dict[str, Decimal] = {}
        self.checked: dict[str, int] = {}
        # per symbol: (second, low, high) of the prices seen, for change_pct windows
        self.seconds: dict[str, collections.deque[tuple[int, Decimal, Decimal]]] = {}
        self._saved_at: dict[str, float] = {}
        self.lock = asyncio.Lock()  # one tick, catch-up, refresh or resync at a time
        self.fired = 0
        self.skipped = 0  # tickers that could fire nothing (repeats, stale)
        # symbols with an alert newly awake (tracked, woken) since their last check: a ticker
        # at the same price must still be checked there
        self._dirty: set[str] = set()

    # --- the index ---

    async def load(self) -> None:
        async with transaction(self.sessionmaker) as tx:
            rows = await AlertRepository(tx.session).active(self.symbols)
            points = await CheckpointRepository(tx.session).all()
        # in level order, each index insert appends (no list shifting: O(n log n) in all)
        for row in sorted(rows, key=lambda r: (r.value, r.id)):
            self.track(row)
        for symbol, (checked_ms, price) in points.items():
            self.checked[symbol] = checked_ms
            self.prev[symbol] = price
        await self._seed_windows()
        logger.bind(alerts=len(rows)).info("alerts.checker_loaded")

    async def _seed_windows(self) -> None:
        """change_pct windows after a restart: the stored 1m candles of the longest window
        before the last checked tick stand for the prices seen then (their low and high)."""
        longest: dict[str, int] = {}
        for w in self.watched.values():
            if w.condition == "change_pct" and w.window_s:
                longest[w.symbol] = max(longest.get(w.symbol, 0), w.window_s)
        for symbol, window_s in longest.items():
            until = self.checked.get(symbol)
            if until is None:
                continue
            async with transaction(self.sessionmaker) as tx:
                candles = await CandleRepository(tx.session).klines(
                    symbol, "1m", start_time=until - window_s * 1000, end_time=until, limit=10_080
                )
            seconds = self.seconds.setdefault(symbol, collections.deque())
            for c in candles:
                seconds.append((c.open_time // 1000, c.low, c.high))

    def untrack(self, alert_id: int) -> None:
        self.index.remove(alert_id)
        self.cooldowns.pop(alert_id, None)
        watched = self.watched.pop(alert_id, None)
        if watched is not None:
            self.changes.get(watched.symbol, {}).pop(alert_id, None)
        self.asleep_until.pop(alert_id, None)

    def track(self, row: Alert) -> None:
        self.untrack(row.id)
        if row.state != ACTIVE or row.symbol not in self.symbols:
            return
        wake = 0.0
        if row.last_fired_at is not None:
            wake = row.last_fired_at.timestamp() + row.cooldown_s
        if row.condition in PRICE_CONDITIONS:
            entry = Entry(row.id, row.symbol, row.condition, row.value, row.version)
            self.cooldowns[row.id] = row.cooldown_s
            if wake > time.time():
                self.index.suspend(entry, wake)
            else:
                self.index.add(entry)
                self._dirty.add(row.symbol)
            return
        watched = self.watched[row.id] = Watched(
            row.id,
            row.symbol,
            row.condition,
            row.value,
            row.version,
            row.cooldown_s,
            row.window_s,
            row.direction,
            row.interval,
        )
        if row.condition == "change_pct" and row.window_s:
            self.changes.setdefault(row.symbol, {})[row.id] = watched
        if wake > time.time():
            self.asleep_until[row.id] = wake
        else:
            self._dirty.add(row.symbol)

    async def refresh(self, alert_id: int) -> None:
        """Re-read one alert (an `alerts:index` event, or a firing the guard refused)."""
        async with transaction(self.sessionmaker) as tx:
            row = await AlertRepository(tx.session).get(alert_id)
        if row is None:
            self.untrack(alert_id)
        else:
            self.track(row)

    def tracked_versions(self) -> dict[int, int]:
        versions = {i: e.version for i, e in self.index.entries.items()}
        versions.update({i: e.version for i, e in self.index._asleep.items()})
        versions.update({i: w.version for i, w in self.watched.items()})
        return versions

    async def resync(self) -> int:
        """Expire what is due, then repair the index against the active rows; the repairs."""
        async with self.lock:
            async with transaction(self.sessionmaker) as tx:
                repo = AlertRepository(tx.session)
                expired = await repo.expire_due(datetime.now(UTC))
                rows = await repo.active(self.symbols)
            for row in expired:
                self.untrack(row.id)
            tracked = self.tracked_versions()
            repairs = 0
            active = {row.id for row in rows}
            for row in rows:
                if tracked.get(row.id) != row.version:
                    self.track(row)
                    repairs += 1
            for alert_id in set(tracked) - active:
                self.untrack(alert_id)
                repairs += 1
            if repairs:
                ALERTS_INDEX_DRIFT.inc(repairs)
                logger.bind(repairs=repairs).warning("alerts.index_drift")
            return repairs

    # --- ticks ---

    async def on_tick(self, symbol: str, price: Decimal, market_ms: int) -> None:
        """A trade: always checked (a replay restarted from its start may go back in time)."""
        async with self.lock:
            await self._tick(symbol, price, market_ms)

    async def on_last_price(self, symbol: str, price: Decimal, market_ms: int) -> bool:
        """A ticker's last price: checked like a trade unless it can fire nothing (older than
        the last checked tick, or the same price with no alert awake since); False: skipped."""
        async with self.lock:
            if not self._news(symbol, price, market_ms):
                self.skipped += 1
                return False
            await self._tick(symbol, price, market_ms)
            return True

    def _news(self, symbol: str, price: Decimal, market_ms: int) -> bool:
        last = self.checked.get(symbol)
        if last is not None and market_ms < last:
            return False
        if last is None or price != self.prev.get(symbol) or market_ms - last >= GAP_MS:
            return True
        self._wake(time.time())
        return symbol in self._dirty

    def _wake(self, now: float) -> None:
        """Alerts whose cooldown ended come back (and mark their symbol to be checked)."""
        for entry in self.index.wake(now):
            self._dirty.add(entry.symbol)
        for alert_id in [i for i, t in self.asleep_until.items() if t <= now]:
            del self.asleep_until[alert_id]
            watched = self.watched.get(alert_id)
            if watched is not None:
                self._dirty.add(watched.symbol)

    async def _tick(self, symbol: str, price: Decimal, market_ms: int) -> None:
        last = self.checked.get(symbol)
        if last is not None and market_ms - last >= GAP_MS:
            await self._catch_up(symbol, last, market_ms)
        await self._check(symbol, price, market_ms, late=False)
        await self._save_checkpoint(symbol)

    async def _catch_up(self, symbol: str, since_ms: int, until_ms: int) -> None:
        """Check the stored 1m candles wholly between the last checked tick and this one."""
        start = since_ms - since_ms % CANDLE_MS + CANDLE_MS
        while start + CANDLE_MS <= until_ms:
            async with transaction(self.sessionmaker) as tx:
                candles = await CandleRepository(tx.session).klines(
                    symbol,
                    "1m",
                    start_time=start,
                    end_time=until_ms - CANDLE_MS,
                    limit=CATCHUP_PAGE,
                )
            if not candles:
                return
            for candle in candles:
                path = candle_path(candle.open, candle.high, candle.low, candle.close)
                for i, price in enumerate(path):
                    # distinct market times inside the candle, in the order of its path
                    await self._check(symbol, price, candle.open_time + i * 15_000, late=True)
            start = candles[-1].open_time + CANDLE_MS
            logger.bind(symbol=symbol, candles=len(candles)).info("alerts.catch_up")

    async def _check(self, symbol: str, price: Decimal, market_ms: int, *, late: bool) -> None:
        now = time.time()
        self._wake(now)
        self._dirty.discard(symbol)
        prev = self.prev.get(symbol)
        for entry in self.index.matches(symbol, prev, price):
            await self._fire(
                entry.id, entry.version, self.cooldowns.get(entry.id, 0), price, market_ms, late
            )
        changes = self.changes.get(symbol)
        if changes:
            self._remember(symbol, price, market_ms, changes)
            for w in list(changes.values()):
                if w.window_s is None or self.asleep_until.get(w.id, 0.0) > now:
                    continue
                low, high = self._window(symbol, market_ms, w.window_s)
                if change_fires(w.direction or "any", w.value, low, high, price):
                    await self._fire(w.id, w.version, w.cooldown_s, price, market_ms, late)
        self.prev[symbol] = price
        self.checked[symbol] = market_ms  # may go back: a replay that restarted from its start

    def _remember(
        self, symbol: str, price: Decimal, market_ms: int, changes: dict[int, Watched]
    ) -> None:
        seconds = self.seconds.setdefault(symbol, collections.deque())
        second = market_ms // 1000
        if seconds and second < seconds[-1][0] - GAP_MS // 1000:
            # Market time went back a minute or more (a replay started again from
            # REPLAY_START; a trade a little older than the last ticker is not that): the
            # window's prices are the market's future now, and comparing with them would fire
            # on a move that never happened. The window starts over with the new run.
            seconds.clear()
        if seconds and seconds[-1][0] == second:
            _, low, high = seconds[-1]
            seconds[-1] = (second, min(low, price), max(high, price))
        else:
            seconds.append((second, price, price))
        longest = max((w.window_s or 0 for w in changes.values()), default=0)
        while seconds and seconds[0][0] < second - longest:
            seconds.popleft()

    def _window(self, symbol: str, market_ms: int, window_s: int) -> tuple[Decimal, Decimal]:
        since = market_ms // 1000 - window_s
        inside = [(lo, hi) for s, lo, hi in self.seconds.get(symbol, ()) if s >= since]
        return min(lo for lo, _ in inside), max(hi for _, hi in inside)

    async def _fire(
        self,
        alert_id: int,
        version: int,
        cooldown_s: int,
        price: Decimal,
        market_ms: int,
        late: bool,
    ) -> None:
        async with transaction(self.sessionmaker) as tx:
            alert = await service.fire(
                tx,
                self.bus,
                alert_id=alert_id,
                version=version,
                cooldown_s=cooldown_s,
                price=price,
                market_ms=market_ms,
                late=late,
            )
        if alert is None:
            await self.refresh(alert_id)  # fired elsewhere, edited, paused or deleted
            return
        self.fired += 1
        ALERTS_FIRED.labels(late=str(late).lower()).inc()
        logger.bind(alert_id=alert_id, firing=alert.firings, late=late).info("alerts.fired")
        self.track(alert)  # recurring: back after its cooldown; one-shot: out (triggered)

    async def _save_checkpoint(self, symbol: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved_at.get(symbol, 0.0) < CHECKPOINT_EVERY_S:
            return
        self._saved_at[symbol] = now
        async with transaction(self.sessionmaker) as tx:
            await CheckpointRepository(tx.session).save(
                symbol, self.checked[symbol], self.prev[symbol]
            )

    async def save_checkpoints(self) -> None:
        async with self.lock:
            for symbol in list(self.checked):
                if symbol in self.prev:
                    await self._save_checkpoint(symbol, force=True)

    # --- RSI ---

    async def check_rsi(self) -> None:
        from backend.analysis.service import latest_value

        async with self.lock:
            now = time.time()
            for w in list(self.watched.values()):
                if w.condition not in RSI_CONDITIONS or w.interval is None:
                    continue
                if self.asleep_until.get(w.id, 0.0) > now:
                    continue
                price, market_ms = self.prev.get(w.symbol), self.checked.get(w.symbol)
                if price is None or market_ms is None:
                    continue
                async with transaction(self.sessionmaker) as tx:
                    rsi = await latest_value(
                        tx, w.symbol, w.interval, "rsi", {"period": 14}, now_ms=market_ms
                    )
                if rsi_fires(w.condition, w.value, rsi):
                    await self._fire(w.id, w.version, w.cooldown_s, price, market_ms, False)
