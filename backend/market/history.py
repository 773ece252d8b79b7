"""Bulk history: REST backfill from Binance and import of candle folders (`backend.cli`).

Both are resumable and idempotent: each (symbol, interval) restarts after its newest stored
candle, rows are committed batch by batch, and the store skips candles it already has (COPY
into a temp table + INSERT ... ON CONFLICT DO NOTHING on PostgreSQL; bench/ingest.py).
The import also derives coarser stored intervals (4h, 1d from 1h files) with the same
aggregation as the live builder; only complete buckets are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from backend.db import transaction
from backend.integrations.binance.client import BinanceRestClient
from backend.integrations.binance.schemas import Kline
from backend.market.candles import aggregate, floor_open, interval_ms
from backend.market.replay import SourceCandle, candle_files, read_candles
from backend.market.repository import CandleRepository, candle_row

BATCH = 10_000
Progress = Callable[[int], None]


@dataclass(slots=True)
class Imported:
    rows_read: int = 0
    rows_new: int = 0
    per_series: dict[str, int] = field(default_factory=dict)


def source_kline(c: SourceCandle) -> Kline:
    return Kline(
        symbol=c.symbol,
        interval=c.interval,
        open_time=c.open_time,
        close_time=c.open_time + interval_ms(c.interval) - 1,
        open=c.open,
        high=c.high,
        low=c.low,
        close=c.close,
        volume=c.volume,
        quote_volume=Decimal(0),  # not in the files (DATA.md)
    )


def rollup(candles: Iterable[Kline], target: str) -> Iterator[Kline]:
    """Complete `target` candles from consecutive finer candles (incomplete buckets dropped)."""
    bucket: list[Kline] = []
    for k in candles:
        if bucket and floor_open(k.open_time, target) != floor_open(bucket[0].open_time, target):
            if len(bucket) * interval_ms(bucket[0].interval) == interval_ms(target):
                yield aggregate(bucket, target, closed=True)
            bucket = []
        bucket.append(k)
    if bucket and len(bucket) * interval_ms(bucket[0].interval) == interval_ms(target):
        yield aggregate(bucket, target, closed=True)


async def _last(
    sm: async_sessionmaker[AsyncSession], symbol: str, interval: str, source: str
) -> int | None:
    """Where an earlier run of the same kind stopped. Candles the live feed stored (e.g. a
    replay from a later start) do not count, or older history would never be imported."""
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        return await repo.last_open_time(symbol, interval, source=source)


async def store(sm: async_sessionmaker[AsyncSession], rows: Sequence[dict[str, Any]]) -> int:
    """One committed batch through the repository's bulk path; returns the new rows."""
    async with transaction(sm) as tx:
        return await CandleRepository(tx.session).insert_candles(rows)


async def _store_stream(
    sm: async_sessionmaker[AsyncSession], klines: Iterable[Kline], source: str, bar: tqdm[Any]
) -> tuple[int, int]:
    read = new = 0
    batch: list[dict[str, Any]] = []
    for k in klines:
        batch.append(candle_row(k, source))
        if len(batch) >= BATCH:
            new += await store(sm, batch)
            read += len(batch)
            bar.update(len(batch))
            batch = []
    if batch:
        new += await store(sm, batch)
        read += len(batch)
        bar.update(len(batch))
    return read, new


async def import_dir(
    sm: async_sessionmaker[AsyncSession],
    directory: Path,
    *,
    symbols: Sequence[str] | None = None,
    derive: Sequence[str] = (),
    show_progress: bool = True,
) -> Imported:
    result = Imported()
    files = candle_files(directory)
    for symbol in sorted(files):
        if symbols is not None and symbol not in symbols:
            continue
        for interval, path in sorted(files[symbol].items(), key=lambda kv: interval_ms(kv[0])):
            targets = [
                t
                for t in derive
                if t not in files[symbol]
                and interval_ms(t) > interval_ms(interval)
                and interval_ms(t) % interval_ms(interval) == 0
                and interval == max(files[symbol], key=interval_ms)  # derive from the coarsest
            ]
            for target in [interval, *targets]:
                last = await _last(sm, symbol, target, "import")
                # Resume: re-read from the bucket after the newest stored one.
                start = None if last is None else last + interval_ms(target)
                klines: Iterable[Kline] = (
                    source_kline(c) for c in read_candles(path, symbol, interval, start_ms=start)
                )
                if target != interval:
                    klines = rollup(klines, target)
                desc = f"{symbol} {target}" + ("" if target == interval else f" (from {interval})")
                with tqdm(desc=desc, unit=" candles", disable=not show_progress) as bar:
                    read, new = await _store_stream(sm, klines, "import", bar)
                result.rows_read += read
                result.rows_new += new
                result.per_series[f"{symbol}/{target}"] = new
    return result


async def backfill(
    sm: async_sessionmaker[AsyncSession],
    rest: BinanceRestClient,
    symbols: Sequence[str],
    interval: str,
    since_ms: int,
    *,
    until_ms: int | None = None,
    show_progress: bool = True,
) -> Imported:
    """Closed candles from Binance REST, pages of 1000, committed per page."""
    result = Imported()
    step = interval_ms(interval)
    for symbol in symbols:
        last = await _last(sm, symbol, interval, "backfill")
        start = since_ms if last is None else max(since_ms, last + step)
        total = None if until_ms is None else max(0, (until_ms - start) // step + 1)
        new = 0
        with tqdm(
            desc=f"{symbol} {interval}", total=total, unit=" candles", disable=not show_progress
        ) as bar:
            async for page in rest.klines_between(symbol, interval, start, until_ms):
                rows = [candle_row(k, "backfill") for k in page if k.closed]
                new += await store(sm, rows)
                result.rows_read += len(rows)
                bar.update(len(page))
        result.rows_new += new
        result.per_series[f"{symbol}/{interval}"] = new
    return result


def recorded_history(
    files: dict[str, Path], symbol: str, intervals: Sequence[str], before_ms: int, count: int
) -> list[Kline]:
    """The last `count` candles before `before_ms` of every stored interval a file can give:
    straight from the file of that interval, else rolled up from the coarsest file that
    divides it (1h -> 4h, 1d). Blocking file reads: call it in a thread."""
    out: list[Kline] = []
    for target in intervals:
        sources = [i for i in files if interval_ms(target) % interval_ms(i) == 0 and i != "1M"]
        if not sources:
            continue  # e.g. 1m and 5m from 15m/1h files: only the replay itself makes those
        fi = max(sources, key=interval_ms)
        span = count * interval_ms(target)
        klines = (
            source_kline(c)
            for c in read_candles(files[fi], symbol, fi, start_ms=before_ms - span)
            if c.open_time + interval_ms(fi) <= before_ms
        )
        rows = list(klines) if fi == target else list(rollup(klines, target))
        out.extend(rows[-count:])
    return out
