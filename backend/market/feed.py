"""The market domain's long-running part: the feed that keeps `MarketState` live.

* The ingestor (`ingestor.run_feed`) is a singleton by lease (`market.ingestor`): every
  candidate process (an API process unless RUN_INGESTOR=no, the `make ingestor` process)
  waits for the lease, and exactly one ingests. Embedded (no Redis) the lease is always granted.
* An API process that does not hold the lease follows the holder's bus frames into its own
  state (`MarketState.follow_frame`), so every replica serves tickers and the forming kline.
* `feed_health` is the feed's entry in /health/ready: `starting` until its first events are in,
  then `up` or `down`. It is reported, never required (health/service.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from backend import streams
from backend.bus import Bus, Subscription
from backend.config import Settings
from backend.leases import singleton
from backend.market.ingestor import run_feed
from backend.market.state import STATUS_CHANNEL, MarketState
from backend.metrics import MARKET_FEED_UP
from backend.runtime import Runtime
from backend.stopping import cancel_and_wait

INGESTOR_LEASE = "market.ingestor"
STALE_AFTER_MS = 120_000  # no event for 2 minutes: the feed is down
STARTING_GRACE_S = 120.0  # a feed that has not spoken this long after start is down, not starting


def ingest_candidate(settings: Settings, process: str) -> bool:
    """Whether this process competes for the ingestor lease."""
    if process == "ingestor":
        return True
    return process == "api" and settings.run_ingestor != "no"


def feed_health(state: MarketState, started_at: float) -> tuple[bool, dict[str, Any]]:
    """(up, info) with info["state"] = `starting` | `up` | `down`."""
    status = state.status
    now = time.time()
    info: dict[str, Any] = {"source": status.source, "connected": status.connected}
    if status.error:
        info["error"] = status.error
        verdict = "down"
    elif status.last_event_ms is None:
        verdict = "starting" if now - started_at < STARTING_GRACE_S else "down"
        if verdict == "down":
            info["error"] = "no market events received since start"
    elif now * 1000 - status.last_event_ms >= STALE_AFTER_MS:
        info["error"] = "no market events received recently"
        verdict = "down"
    else:
        verdict = "up" if status.source is not None and status.connected else "down"
    info["state"] = verdict
    MARKET_FEED_UP.set({"up": 1.0, "starting": 0.5, "down": 0.0}[verdict])
    return verdict == "up", info


class Follower:
    """Applies the ingestor's bus frames (tickers, klines, status) to this process's state."""

    def __init__(self, bus: Bus, state: MarketState) -> None:
        self.bus = bus
        self.state = state
        self._subs: list[Subscription] = []

    def channels(self) -> list[str]:
        out = [STATUS_CHANNEL]
        for s in self.state.symbols:
            out.append(streams.ticker(s))
            out.extend(streams.kline(s, i) for i in self.state.intervals)
        return out

    async def start(self) -> None:
        if not self._subs:
            self._subs = [
                await self.bus.subscribe(c, self.state.follow_frame) for c in self.channels()
            ]

    async def stop(self) -> None:
        subs, self._subs = self._subs, []
        for sub in subs:
            await sub.close()


@asynccontextmanager
async def market_feed(rt: Runtime) -> AsyncIterator[None]:
    """The part: follow the feed (Redis), and be a candidate for the ingestor lease."""
    settings, state = rt.settings, rt.market
    started_at = time.time()
    follower = Follower(rt.bus, state) if settings.redis_url and rt.process == "api" else None

    @asynccontextmanager
    async def ingest() -> AsyncIterator[None]:
        # The holder writes its state directly; it follows nobody meanwhile.
        if follower is not None:
            await follower.stop()
        task = asyncio.create_task(
            run_feed(settings, rt.sessionmaker, rt.bus, state), name="market-feed"
        )
        try:
            yield
        finally:
            await cancel_and_wait(task)  # cancels again if a cancellation was swallowed
            state.status.ingestor = "none"
            if follower is not None:
                await follower.start()

    async def check() -> tuple[bool, dict[str, Any]]:
        return feed_health(state, started_at)

    rt.info_checks["market"] = check
    async with contextlib.AsyncExitStack() as stack:
        if follower is not None:
            await follower.start()
            stack.push_async_callback(follower.stop)
        if ingest_candidate(settings, rt.process):
            await stack.enter_async_context(singleton(rt.leases.lease(INGESTOR_LEASE), ingest))
        yield
