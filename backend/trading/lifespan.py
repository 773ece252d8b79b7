"""The trading domain's long-running parts and its engine factory.

* `trading_feed` (API and worker processes): the engine's prices from `<sym>@trade`, the
  partial order book (API only: MARKET orders walk it), and each trade handed to the matcher
  when this process holds its lease. While it does not, the last `REPLAY_WINDOW_S` of trades
  are kept, so a standby that takes over replays what the old holder may not have applied
  (fills are keyed by (order, trade), so a replayed trade never fills twice).
* `trading_matcher` (API and worker processes, per TRADING_RUN_MATCHER): the one matcher of
  the deployment, held by the `trading.matcher` lease (leases.py).
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from loguru import logger

from backend import streams
from backend.bus import Subscription
from backend.config import Settings
from backend.leases import singleton
from backend.runtime import Runtime
from backend.trading.depth import DepthFeed
from backend.trading.engine import (
    BOOK_CHANNEL,
    Tick,
    TradingConfig,
    TradingEngine,
)
from backend.trading.matcher import Matcher, seed_prices
from backend.trading.pricing import MarketModel
from backend.trading.rules import SymbolRules

MATCHER_LEASE = "trading.matcher"
# Longer than a lease's ttl (leases.DEFAULT_TTL_S): a standby's window covers the time between
# the holder's death and the takeover.
REPLAY_WINDOW_S = 30.0


def build_trading_engine(settings: Settings, rules: Mapping[str, SymbolRules]) -> TradingEngine:
    """The one place a `TradingEngine` is made (API, worker, jobs, benches). `rules` is the
    market domain's parsed symbol rules (`Runtime.symbols`, market/rulebook.py)."""
    config = TradingConfig(
        start_balance=settings.trading_start_balance,
        quote_asset=settings.trading_quote_asset,
        taker_fee=settings.trading_taker_fee,
        maker_fee=settings.trading_maker_fee,
        model=MarketModel(settings.trading_half_spread_bps, settings.trading_impact_bps),
        depth_levels=settings.market_depth_levels,
        depth_max_age_s=settings.trading_depth_max_age_s,
    )
    return TradingEngine(config, rules)


def matcher_candidate(settings: Settings, process: str) -> bool:
    """TRADING_RUN_MATCHER: `auto` = every API and worker process is a candidate for the lease."""
    mode = settings.trading_run_matcher
    return mode == "auto" or mode == process


class RecentTrades:
    """Trades seen while this process does not run the matcher (the takeover's replay)."""

    def __init__(self) -> None:
        self.items: collections.deque[tuple[float, Tick, datetime]] = collections.deque()

    def add(self, tick: Tick) -> None:
        now = time.monotonic()
        self.items.append((now, tick, datetime.now(UTC)))
        while self.items and now - self.items[0][0] > REPLAY_WINDOW_S:
            self.items.popleft()

    def drain_into(self, matcher: Matcher) -> int:
        count = len(self.items)
        for _, tick, seen_at in self.items:
            matcher.enqueue(tick, seen_at)
        self.items.clear()
        return count


@asynccontextmanager
async def trading_feed(rt: Runtime) -> AsyncIterator[None]:
    """The part: prices (and the book) for the engine, trades for the matcher."""
    engine = rt.trading
    await seed_prices(engine, rt.sessionmaker)
    recent = RecentTrades() if matcher_candidate(rt.settings, rt.process) else None
    rt.trading_recent = recent

    def on_trade(channel: str, data: bytes) -> None:
        tick = engine.on_trade_event(channel, data)
        if tick is None:
            return
        matcher = rt.trading_matcher
        if matcher is not None:
            matcher.enqueue(tick)
        elif recent is not None:
            recent.add(tick)

    # Every configured symbol, not only those with rules yet: a symbol the bundled snapshot
    # lacks gets its rules when the live exchangeInfo arrives (market/rulebook.py), later.
    symbols = rt.settings.market_symbols
    subs: list[Subscription] = [
        await rt.bus.subscribe(streams.trade(symbol), on_trade) for symbol in symbols
    ]
    depth: DepthFeed | None = None
    if rt.process == "api":
        depth = DepthFeed(engine.depth, rt.bus, symbols, levels=engine.config.depth_levels)
        await depth.start()
    try:
        yield
    finally:
        if depth is not None:
            await depth.close()
        for sub in subs:
            await sub.close()


@asynccontextmanager
async def trading_matcher(rt: Runtime) -> AsyncIterator[None]:
    """The part: a candidate for the matcher's lease (see `matcher_candidate`)."""
    if not matcher_candidate(rt.settings, rt.process):
        yield
        return

    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        matcher = Matcher(
            rt.trading,
            rt.sessionmaker,
            rt.bus,
            resync_every_s=rt.settings.trading_resync_interval_s,
        )
        book = await rt.bus.subscribe(BOOK_CHANNEL, matcher.on_book)
        matcher.start()
        # No await from here to the yield: every trade from now on reaches this matcher, and
        # the ones before it (while another process held the lease) are replayed first.
        rt.trading_matcher = matcher
        replayed = rt.trading_recent.drain_into(matcher) if rt.trading_recent else 0
        logger.bind(process=rt.process, replayed=replayed).info("trading.matcher_started")
        try:
            yield
        finally:
            rt.trading_matcher = None
            await book.close()
            with contextlib.suppress(Exception):
                await matcher.stop()

    async with singleton(rt.leases.lease(MATCHER_LEASE), run):
        yield
