"""Background import of the full recorded history (MARKET_REPLAY_DIR) into the candles table.

The replay itself stores only the candles it plays plus HISTORY_CANDLES before its start, but
forecasts train and evaluate on years of candles. This part imports every recorded file of the
configured symbols (`<interval>/<SYMBOL>.csv.gz`: 1h since 2022, 15m since 2024-12, ~490k rows)
and the stored intervals coarser than the coarsest file (4h, 1d rolled up from 1h, complete
buckets only, like `backend.cli import`), including candles beyond the replay's clock:

* once per deployment: a `Part` whose body holds the `market.history_import` lease;
* without blocking the API or the replay: files are read and parsed in a thread, rows are
  committed in batches of BATCH, the event loop gets a turn between batches;
* resumable and idempotent: rows carry `source="import"` (the CLI's tag), each series restarts
  after its newest imported candle, and the store skips rows it has (ON CONFLICT DO NOTHING), so
  a killed import goes on where it stopped, a finished one re-reads nothing, and candles the
  replay stored first are kept. The replay in turn meets imported candles ahead of its clock
  only through the same skipping insert, and `/market/klines` hides everything after its clock;
* a failed run (database not reachable yet, a damaged file) is retried with a growing delay;
* progress: `rt.market.history_import` (`/market/status` -> `history_import`), published on
  PROGRESS_CHANNEL for the other processes (re-sent every REPUBLISH_S), and the log
  (`market.history_import.*`).

MARKET_HISTORY_IMPORT: `auto` imports when MARKET_REPLAY_DIR is set and the source is not
`binance`; `yes` whenever MARKET_REPLAY_DIR is set; `no` never (the tests' default).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, BusUnavailable
from backend.config import Settings
from backend.db import transaction
from backend.integrations.binance.schemas import Kline
from backend.leases import singleton
from backend.market.candles import interval_ms
from backend.market.history import rollup, source_kline, store
from backend.market.replay import SourceCandle, candle_files, read_candles
from backend.market.repository import CandleRepository, candle_row
from backend.market.state import HistoryImportStatus
from backend.runtime import Runtime

HISTORY_IMPORT_LEASE = "market.history_import"
PROGRESS_CHANNEL = "market:history_import"  # not a stream name: the /ws hub never offers it
SOURCE = "import"  # the same tag as `backend.cli import`: each resumes where the other stopped
BATCH = 2000  # rows per committed batch (PostgreSQL: COPY from 2000 rows; small loop stalls)
REPUBLISH_S = 5.0
RETRY_FIRST_S = 30.0  # a failed import is retried after this, then twice as long each time
RETRY_MAX_S = 600.0
STORE_ATTEMPTS = 3  # a batch that meets a transient database error (deadlock, lock) is retried


def enabled(settings: Settings) -> bool:
    if settings.market_history_import == "no" or settings.market_replay_dir is None:
        return False
    return settings.market_history_import == "yes" or settings.market_source != "binance"


@dataclass(frozen=True, slots=True)
class Series:
    """One stored series: `target` candles of `symbol` read from the `interval` file at `path`
    (`target == interval`, or a coarser interval rolled up from it)."""

    symbol: str
    interval: str
    target: str
    path: Path

    @property
    def label(self) -> str:
        if self.target == self.interval:
            return f"{self.symbol} {self.target}"
        return f"{self.symbol} {self.target} (from {self.interval})"


def plan(directory: Path, symbols: Iterable[str], intervals: Iterable[str]) -> list[Series]:
    """Every file of the wanted symbols, plus the wanted intervals rolled up from the coarsest
    file that divides them; coarsest target first (the ones training uses most are short)."""
    files = candle_files(directory)
    wanted = list(intervals)
    out: list[Series] = []
    for symbol in symbols:
        found = files.get(symbol)
        if not found:
            continue
        out.extend(Series(symbol, i, i, p) for i, p in found.items())
        coarsest = max(found, key=interval_ms)
        for target in wanted:
            if (
                target not in found
                and target != "1M"
                and interval_ms(target) > interval_ms(coarsest)
                and interval_ms(target) % interval_ms(coarsest) == 0
            ):
                out.append(Series(symbol, coarsest, target, found[coarsest]))
    out.sort(key=lambda s: (-interval_ms(s.target), s.symbol))
    return out


def count_rows(path: Path, interval: str, start_ms: int | None) -> tuple[int, int]:
    """(rows in the file, rows before `start_ms` that a resumed run skips). Blocking."""
    total = before = 0
    step = interval_ms(interval)
    with gzip.open(path, "rt") as fh:
        fh.readline()
        for line in fh:
            if not line.strip():
                continue
            total += 1
            if start_ms is not None and int(line.split(",", 1)[0]) + step <= start_ms:
                before += 1
    return total, before


class _Reader:
    """The rows of one series, taken batch by batch in a worker thread (one at a time)."""

    def __init__(self, series: Series, start_ms: int | None) -> None:
        self.consumed = 0  # source rows read so far
        candles = self._counted(read_candles(series.path, series.symbol, series.interval,
                                             start_ms=start_ms))  # fmt: skip
        klines: Iterator[Kline] = (source_kline(c) for c in candles)
        if series.target != series.interval:
            klines = rollup(klines, series.target)
        self._klines = klines

    def _counted(self, candles: Iterator[SourceCandle]) -> Iterator[SourceCandle]:
        for c in candles:
            self.consumed += 1
            yield c

    def take(self, n: int) -> list[dict[str, Any]]:
        return [candle_row(k, SOURCE) for k in islice(self._klines, n)]


async def _last_imported(
    sm: async_sessionmaker[AsyncSession], symbol: str, interval: str
) -> int | None:
    async with transaction(sm) as tx:
        return await CandleRepository(tx.session).last_open_time(symbol, interval, source=SOURCE)


async def _store(sm: async_sessionmaker[AsyncSession], rows: list[dict[str, Any]]) -> int:
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            return await store(sm, rows)
        except DBAPIError:
            if attempt == STORE_ATTEMPTS:
                raise
            logger.opt(exception=True).bind(attempt=attempt).warning("market.history_import.retry")
            await asyncio.sleep(attempt)
    return 0  # unreachable


class Publisher:
    """Sends the holder's progress to the other processes (best effort: the bus may be down)."""

    def __init__(self, bus: Bus, status: HistoryImportStatus) -> None:
        self.bus = bus
        self.status = status

    async def __call__(self) -> None:
        with contextlib.suppress(BusUnavailable):
            await self.bus.publish(PROGRESS_CHANNEL, json.dumps(self.status.to_json()).encode())


async def import_history(
    sm: async_sessionmaker[AsyncSession],
    directory: Path,
    symbols: Iterable[str],
    intervals: Iterable[str],
    status: HistoryImportStatus,
    *,
    on_progress: Callable[[], Awaitable[None]] | None = None,
    batch: int = BATCH,
) -> int:
    """Import every planned series; returns the new rows. `status` moves as it goes."""
    series = await asyncio.to_thread(plan, directory, list(symbols), list(intervals))
    starts: list[int | None] = []
    for s in series:
        last = await _last_imported(sm, s.symbol, s.target)
        starts.append(None if last is None else last + interval_ms(s.target))
    counts = [
        await asyncio.to_thread(count_rows, s.path, s.interval, start)
        for s, start in zip(series, starts, strict=True)
    ]
    status.state, status.error, status.current = "running", None, None
    status.total = sum(total for total, _ in counts)
    status.done = sum(before for _, before in counts)
    log = logger.bind(series=len(series), total=status.total, done=status.done)
    log.info("market.history_import.started")
    new_rows = 0
    for s, start, (_total, before) in zip(series, starts, counts, strict=True):
        status.current = s.label
        base = status.done - before  # progress up to this series
        reader = _Reader(s, start)
        new_here = 0
        while True:
            rows = await asyncio.to_thread(reader.take, batch)
            if rows:
                new_here += await _store(sm, rows)
            status.done = base + before + reader.consumed
            if on_progress is not None:
                await on_progress()
            if len(rows) < batch:
                break
            await asyncio.sleep(0)
        new_rows += new_here
        logger.bind(series=s.label, new=new_here, done=status.done, total=status.total).info(
            "market.history_import.series_done"
        )
    status.state, status.current = "done", None
    status.done = status.total
    logger.bind(total=status.total, new=new_rows).info("market.history_import.finished")
    return new_rows


def _follow(status: HistoryImportStatus, data: bytes) -> None:
    """Apply the holder's progress frame (another process runs the import)."""
    try:
        msg = json.loads(data)
    except ValueError:
        return
    if not isinstance(msg, dict):
        return
    state, done, total = msg.get("state"), msg.get("done"), msg.get("total")
    current, error = msg.get("current"), msg.get("error")
    if isinstance(state, str) and isinstance(done, int):
        status.state, status.done = state, done
        status.total = total if isinstance(total, int) else None
        status.current = current if isinstance(current, str) else None
        status.error = error if isinstance(error, str) else None


@asynccontextmanager
async def history_import(rt: Runtime) -> AsyncIterator[None]:
    """The part: a candidate for the import's lease; the holder imports, then keeps telling."""
    settings, status = rt.settings, rt.market.history_import
    if not enabled(settings):
        status.state = "off"
        yield
        return
    assert settings.market_replay_dir is not None  # enabled() checked it
    directory = Path(settings.market_replay_dir)
    status.state = "waiting"
    publish = Publisher(rt.bus, status)
    holding = False

    def follow(_channel: str, data: bytes) -> None:
        if not holding:
            _follow(status, data)

    async def run() -> None:
        delay = RETRY_FIRST_S
        while True:
            try:
                await import_history(
                    rt.sessionmaker,
                    directory,
                    settings.market_symbols,
                    settings.market_intervals,
                    status,
                    on_progress=publish,
                )
                break
            except Exception as exc:
                # e.g. the database not reachable yet, a damaged file: retried (it resumes)
                status.state, status.error = "failed", f"{type(exc).__name__}: {exc}"
                logger.opt(exception=True).bind(retry_in_s=delay).error(
                    "market.history_import.failed"
                )
                await publish()
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
        while True:  # processes that start later learn the outcome
            await publish()
            await asyncio.sleep(REPUBLISH_S)

    @asynccontextmanager
    async def body() -> AsyncIterator[None]:
        nonlocal holding
        holding = True
        task = asyncio.create_task(run(), name="market-history-import")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            holding = False
            if status.state == "running":
                status.state = "waiting"  # interrupted: a later holder resumes

    async with contextlib.AsyncExitStack() as stack:
        if settings.redis_url:
            sub = await rt.bus.subscribe(PROGRESS_CHANNEL, follow)
            stack.push_async_callback(sub.close)
        await stack.enter_async_context(singleton(rt.leases.lease(HISTORY_IMPORT_LEASE), body))
        yield
