"""Market data repair (job `market.repair`): find gaps in the stored candles of the active
symbols and backfill them.

A gap is two consecutive stored candles of a series further apart than one interval, within the
last `days` before the series' newest candle (the live edge is the feed's catch-up, not a gap).
Missing candles come from the replay folder in replay mode (rolled up from the coarsest file
that divides the interval, as the history import does), else from Binance REST (live mode only;
a replay without its folder has nothing to fill from). The store
skips candles it has, so a second run finds nothing left to fill and changes nothing
(a gap the source cannot fill, e.g. an exchange outage, stays and is reported as `unfilled`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.db import transaction
from backend.integrations.binance.client import BinanceRestClient
from backend.integrations.binance.schemas import Kline
from backend.market.candles import interval_ms
from backend.market.history import rollup, source_kline, store
from backend.market.models import Candle
from backend.market.replay import candle_files, read_candles
from backend.market.repository import candle_row

DEFAULT_DAYS = 7
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Gap:
    first_ms: int  # open time of the first missing candle
    last_ms: int  # open time of the last missing candle

    def count(self, step: int) -> int:
        return (self.last_ms - self.first_ms) // step + 1


@dataclass(slots=True)
class Repaired:
    gaps: int = 0
    missing: int = 0
    filled: int = 0
    series: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "gaps": self.gaps,
            "missing": self.missing,
            "filled": self.filled,
            "unfilled": self.missing - self.filled,
            "series": self.series,
        }


# --- SQL (the repair's own two queries) ---


async def newest_open_time(session: AsyncSession, symbol: str, interval: str) -> int | None:
    stmt = select(func.max(Candle.open_time)).where(
        Candle.symbol == symbol, Candle.interval == interval
    )
    value = (await session.execute(stmt)).scalar_one_or_none()
    return None if value is None else int(value)


async def candle_gaps(
    session: AsyncSession, symbol: str, interval: str, since_ms: int
) -> list[Gap]:
    """Holes between consecutive stored candles opened at or after `since_ms`."""
    step = interval_ms(interval)
    prev = func.lag(Candle.open_time).over(order_by=Candle.open_time)
    series = (
        select(Candle.open_time.label("t"), prev.label("p"))
        .where(
            Candle.symbol == symbol,
            Candle.interval == interval,
            Candle.open_time >= since_ms,
        )
        .subquery()
    )
    stmt = (
        select(series.c.p, series.c.t)
        .where(series.c.p.is_not(None), series.c.t - series.c.p > step)
        .order_by(series.c.t)
    )
    return [Gap(int(p) + step, int(t) - step) for p, t in (await session.execute(stmt)).all()]


# --- where missing candles come from ---


class ReplaySource:
    """Candles from the recorded files (`<interval>/<SYMBOL>.csv.gz`)."""

    def __init__(self, folder: Path) -> None:
        self.files = candle_files(folder)

    def klines(self, symbol: str, interval: str, gap: Gap) -> list[Kline]:
        files = self.files.get(symbol, {})
        usable = [i for i in files if i != "1M" and interval_ms(interval) % interval_ms(i) == 0]
        if not usable:
            return []
        fi = max(usable, key=interval_ms)  # the coarsest file that divides the interval
        end = gap.last_ms + interval_ms(interval)
        raw: Iterable[Kline] = (
            source_kline(c)
            for c in read_candles(files[fi], symbol, fi, start_ms=gap.first_ms)
            if c.open_time < end
        )
        rows = raw if fi == interval else rollup(raw, interval)
        return [k for k in rows if gap.first_ms <= k.open_time <= gap.last_ms]


async def _rest_klines(
    rest: BinanceRestClient, symbol: str, interval: str, gap: Gap
) -> AsyncIterator[list[Kline]]:
    async for page in rest.klines_between(symbol, interval, gap.first_ms, gap.last_ms):
        yield [k for k in page if k.closed and gap.first_ms <= k.open_time <= gap.last_ms]


def use_replay(settings: Settings) -> bool:
    return settings.market_replay_dir is not None and settings.market_source != "binance"


def use_rest(settings: Settings) -> bool:
    """Binance REST only where the market is Binance's (never from a replay deployment)."""
    return not use_replay(settings) and settings.market_source in ("binance", "auto")


async def repair(
    settings: Settings,
    sm: async_sessionmaker[AsyncSession],
    *,
    symbols: Sequence[str] | None = None,
    intervals: Sequence[str] | None = None,
    days: int = DEFAULT_DAYS,
) -> Repaired:
    result = Repaired()
    replay = (
        ReplaySource(settings.market_replay_dir)
        if use_replay(settings) and settings.market_replay_dir is not None
        else None
    )
    wanted = [i for i in (intervals or settings.market_intervals) if i != "1M"]
    rest: BinanceRestClient | None = None
    try:
        for symbol in symbols or settings.market_symbols:
            for interval in wanted:
                step = interval_ms(interval)
                async with transaction(sm) as tx:
                    newest = await newest_open_time(tx.session, symbol, interval)
                    if newest is None:
                        continue
                    gaps = await candle_gaps(tx.session, symbol, interval, newest - days * DAY_MS)
                if not gaps:
                    continue
                missing = sum(g.count(step) for g in gaps)
                filled = 0
                for gap in gaps:
                    if replay is None and not use_rest(settings):
                        break  # nothing to fill from: reported as unfilled
                    if replay is not None:
                        rows = [
                            candle_row(k, "backfill") for k in replay.klines(symbol, interval, gap)
                        ]
                        filled += await store(sm, rows) if rows else 0
                        continue
                    if rest is None:
                        rest = BinanceRestClient(settings.binance_rest_url)
                    async for page in _rest_klines(rest, symbol, interval, gap):
                        if page:
                            filled += await store(sm, [candle_row(k, "backfill") for k in page])
                result.gaps += len(gaps)
                result.missing += missing
                result.filled += filled
                result.series[f"{symbol}/{interval}"] = {
                    "gaps": len(gaps),
                    "missing": missing,
                    "filled": filled,
                }
    finally:
        if rest is not None:
            await rest.aclose()
    return result
