"""Candle catch-up: what the market did while the matcher did not see it (down, or a bus gap).

The matcher remembers, per symbol, the last trade it applied (market time) and when (wall
clock): in memory for every tick, and in `trading_matcher_checkpoints` every few seconds. When
the next trade of a symbol arrives at least a minute of market time later (the first trade after
a restart, or after a bus outage), the stored closed 1m candles that lie wholly between the two
are replayed before that trade is applied:

- Each candle becomes the four trades of its path: O -> L -> H -> C for a candle that closed up,
  O -> H -> L -> C for one that closed down (the replay source's convention), each carrying the
  candle's volume and the source id `candle:<SYMBOL>:<open_time>`. They go through
  `orders.on_market_tick`, the live path: a limit fills as maker at its own price only when a
  vertex goes strictly through it, taking at most the candle's volume (the live rule "at most
  the traded quantity"); a stop triggers on a vertex at or beyond its stop price and then works
  as a limit (it may take at once, or rest and fill on a later vertex of the same candle).
- Fills are keyed by (order, `candle:<SYMBOL>:<open_time>`) like live fills by (order, trade id),
  under the order's row lock, so a second catch-up of the same period cannot fill twice.
- A candle that began before the last applied trade is skipped (its trades before that point
  were already applied live and the candle cannot tell when its low or high happened), as are
  candles without trades; the forming minute is not stored yet, so it is not replayed.
- An order placed while the matcher was not looking must not fill on candles from before it
  existed. Its placement is known in wall-clock time only; it is mapped onto market time by
  the two known points (last applied trade, the trade that ends the gap), which is exact for a
  live feed (market time is wall time) and follows the replay speed for a replayed one. Only
  candles that open at or after that moment count for it. When market time went backwards (a
  replay restarted from its start) the window is empty and nothing is replayed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from loguru import logger
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.db import transaction
from backend.market.models import Candle
from backend.market.repository import CandleRepository
from backend.trading import orders
from backend.trading.engine import Tick, TradingEngine, book_entry
from backend.trading.matching import Book, OrderIndex
from backend.trading.models import OPEN_STATUSES, MatcherCheckpoint, Order

GAP_MS = 60_000  # a shorter gap cannot hold a whole 1m candle
CANDLE_MS = 60_000
PAGE = 500


@dataclass(frozen=True, slots=True)
class Anchor:
    """The last trade the matcher applied on a symbol: market time, and wall-clock seconds."""

    at: datetime
    wall: float


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class CheckpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, Anchor]:
        rows = (await self.session.execute(select(MatcherCheckpoint))).scalars().all()
        return {r.symbol: Anchor(r.last_trade_at, r.updated_at.timestamp()) for r in rows}

    async def upsert(self, symbol: str, trade_id: str, at: datetime, now: datetime) -> None:
        bind = self.session.bind
        assert bind is not None
        insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
        values = {"last_trade_id": trade_id, "last_trade_at": at, "updated_at": now}
        stmt = insert(MatcherCheckpoint).values(symbol=symbol, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["symbol"], set_=values)
        await self.session.execute(stmt)


async def open_orders_on(session: AsyncSession, symbol: str) -> Sequence[Order]:
    stmt = (
        select(Order)
        .where(Order.status.in_(OPEN_STATUSES), Order.symbol == symbol)
        .order_by(Order.id)
    )
    return (await session.execute(stmt)).scalars().all()


def candle_path(c: Candle) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The four vertices of a candle, in the order the replay source walks them."""
    if c.close >= c.open:
        return c.open, c.low, c.high, c.close
    return c.open, c.high, c.low, c.close


def order_start_ms(created_at: datetime, since: Anchor, until_ms: int, now_wall: float) -> int:
    """The market time at which an order began to rest (see the module docstring)."""
    start_ms = ms(since.at)
    created = created_at.timestamp()
    if created <= since.wall:
        return start_ms  # it rested while the matcher still applied trades
    if now_wall <= since.wall or until_ms <= start_ms:
        return until_ms  # no usable clock relation: never before the end of the window
    rate = (until_ms - start_ms) / ((now_wall - since.wall) * 1000)
    return min(until_ms, start_ms + math.ceil((created - since.wall) * 1000 * rate))


async def stored_candles(
    sessionmaker: async_sessionmaker[AsyncSession], symbol: str, start_ms: int, end_ms: int
) -> list[Candle]:
    """Closed 1m candles wholly inside [start_ms, end_ms) that had trades, oldest first."""
    out: list[Candle] = []
    cursor = start_ms
    last_open = end_ms - CANDLE_MS
    async with sessionmaker() as session:
        repo = CandleRepository(session)
        while cursor <= last_open:
            page = await repo.klines(
                symbol, "1m", start_time=cursor, end_time=last_open, limit=PAGE
            )
            out.extend(c for c in page if c.close_time < end_ms and c.trades > 0 and c.volume > 0)
            if len(page) < PAGE:
                break
            cursor = page[-1].open_time + 1
    return out


@dataclass(slots=True)
class CatchUpResult:
    candles: int = 0
    orders: int = 0  # orders filled (partly or wholly), triggered, or found closed meanwhile


async def catch_up(
    engine: TradingEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    symbol: str,
    since: Anchor,
    until: Tick,
    now_wall: float,
) -> CatchUpResult:
    """Replay the stored candles between `since` and the trade `until` (not applied here)."""
    result = CatchUpResult()
    start_ms, end_ms = ms(since.at), ms(until.at)
    if end_ms - start_ms < GAP_MS:
        return result
    async with sessionmaker() as session:
        resting = await open_orders_on(session, symbol)
    if not resting:
        return result
    candles = await stored_candles(sessionmaker, symbol, start_ms, end_ms)
    result.candles = len(candles)
    if not candles:
        return result
    starts = sorted(
        ((order_start_ms(o.created_at, since, end_ms, now_wall), o) for o in resting),
        key=lambda pair: (pair[0], pair[1].id),
    )
    local = OrderIndex()  # only the orders that already rested at the candle being replayed
    seen = {o.id: (o.executed_qty, book_entry(o)) for o in resting}
    changed: set[int] = set()
    waiting = 0
    for candle in candles:
        while waiting < len(starts) and starts[waiting][0] <= candle.open_time:
            order = starts[waiting][1]
            entry = book_entry(order)
            if entry is not None:
                local.add(symbol, order.id, *entry)
            waiting += 1
        at = datetime.fromtimestamp(candle.close_time / 1000, UTC)
        source = f"candle:{symbol}:{candle.open_time}"
        for price in candle_path(candle):
            tick = Tick(symbol, price, candle.volume, source, at)
            for hit in local.hits(symbol, price):
                after = await _apply(engine, sessionmaker, bus, local, hit.order_id, tick)
                if after is not None and after != seen[hit.order_id]:
                    changed.add(hit.order_id)
                    seen[hit.order_id] = after
    result.orders = len(changed)
    if changed:
        logger.bind(symbol=symbol, candles=result.candles, orders=result.orders).info(
            "trading.catchup"
        )
    return result


async def _apply(
    engine: TradingEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    local: OrderIndex,
    order_id: int,
    tick: Tick,
) -> tuple[Decimal, tuple[Book, Decimal] | None] | None:
    """One candle vertex on one order, through the live path; keeps both indexes in step.
    Returns (executed quantity, index entry) afterwards, or None if it could not be applied."""
    try:
        async with transaction(sessionmaker) as tx:
            order = await orders.on_market_tick(tx, bus, engine, order_id, tick)
            executed = order.executed_qty if order is not None else None
    except Exception:
        logger.opt(exception=True).bind(order_id=order_id).error("trading.catchup_fill_failed")
        return None  # left in the main index: the live stream or a later catch-up retries
    entry = book_entry(order) if order is not None else None
    if order is None or entry is None:
        engine.index.remove(order_id)  # filled, or closed meanwhile
        return (executed if executed is not None else Decimal(-1)), None
    local.add(tick.symbol, order_id, *entry)
    engine.index.add(tick.symbol, order_id, *entry)
    return order.executed_qty, entry
