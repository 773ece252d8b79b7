"""The minute sampler: a part of every process (no lease: each process writes its own row).

Each sample is one `metric_samples` row: /ws connections, HTTP requests and latency p50/p99
since the previous sample (from the Prometheus histogram of http_metrics.py), CPU and resident
memory, database connections in use, the market feed's lag per symbol and the leases held. The
rows are the dashboard's 24 h series and each process's heartbeat (health.py). The sampler also
deletes rows past `RETENTION` and refreshes the Prometheus gauges it owns (metrics.py).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger

from backend.db import transaction
from backend.http_metrics import LATENCY
from backend.observability import prom, sampling
from backend.observability.repository import SampleRepository
from backend.runtime import Runtime

SAMPLE_EVERY_S = 60.0
RETENTION = timedelta(hours=48)


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def pool_in_use(rt: Runtime) -> int:
    checkedout = getattr(rt.engine.pool, "checkedout", None)
    return int(checkedout()) if callable(checkedout) else 0


def feed_lags_ms(rt: Runtime) -> dict[str, int | None]:
    """Per symbol, how long ago (wall clock, ms) the newest ticker this process has seen was
    sent; None when it has seen none. While replaying, market time runs `replay_speed` times
    faster than the wall clock, so the market-time gap is divided by it."""
    now = rt.market.now_ms()
    speed = rt.settings.replay_speed if rt.market.replay_now_ms() is not None else 1.0
    speed = speed if speed > 0 else 1.0
    lags: dict[str, int | None] = {}
    for symbol in rt.settings.market_symbols:
        ticker = rt.market.tickers.get(symbol)
        lags[symbol] = None if ticker is None else max(0, int((now - ticker.event_time) / speed))
    return lags


def feed_live(rt: Runtime) -> bool:
    """Whether this process's feed has delivered anything yet (until then a symbol without a
    ticker is starting, not failing)."""
    return rt.market.status.last_event_ms is not None


def lease_name(key: str, prefix: str) -> str:
    return key.removeprefix(f"{prefix}lease:")


class Sampler:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.instance = instance_name()
        self._latency = sampling.snapshot(LATENCY)
        self._cpu = sampling.CpuMeter()

    def measure(self, now: datetime) -> dict[str, Any]:
        """The row for now, and the counters reset for the next interval."""
        latency = sampling.snapshot(LATENCY)
        delta = latency.minus(self._latency)
        elapsed, cpu_percent = self._cpu.lap()
        self._latency = latency
        p50, p99 = sampling.quantile(delta, 0.5), sampling.quantile(delta, 0.99)
        prefix = self.rt.settings.redis_prefix
        return {
            "process": self.rt.process,
            "instance": self.instance,
            "at": now,
            "ws_connections": self.rt.ws_limits.total,
            "requests": int(delta.count),
            "interval_s": round(elapsed, 3),
            "latency_p50_ms": round(p50 * 1000, 3) if p50 is not None else None,
            "latency_p99_ms": round(p99 * 1000, 3) if p99 is not None else None,
            "cpu_percent": round(cpu_percent, 2),
            "rss_bytes": sampling.rss_bytes(),
            "db_pool_in_use": pool_in_use(self.rt),
            "data": {
                "feed_lag_ms": feed_lags_ms(self.rt),
                "feed_live": feed_live(self.rt),
                "leases": {
                    lease_name(k, prefix): token for k, token in self.rt.leases.held().items()
                },
            },
        }

    async def sample_once(self, now: datetime | None = None) -> dict[str, Any]:
        """Write one sample (and drop the rows past retention); returns the row written."""
        now = now or datetime.now(UTC)
        row = self.measure(now)
        async with transaction(self.rt.sessionmaker) as tx:
            repo = SampleRepository(tx.session)
            repo.add(row)
            await repo.delete_before(now - RETENTION)
            if self.rt.process == "api":
                await prom.record_business(tx.session, now)
        prefix = self.rt.settings.redis_prefix
        prom.record_sample(
            row,
            pool_size=self.rt.settings.database_pool_size,
            all_leases=[lease_name(lease.key, prefix) for lease in self.rt.leases.made],
        )
        return row

    async def run(self, every_s: float = SAMPLE_EVERY_S) -> None:
        while True:
            try:
                await self.sample_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.opt(exception=True).warning("observability.sample_failed")
            await asyncio.sleep(every_s)


@asynccontextmanager
async def metric_sampler(rt: Runtime) -> AsyncIterator[None]:
    """The part: samples at start (a heartbeat at once) and every minute after."""
    sampler = Sampler(rt)
    task = asyncio.create_task(sampler.run(), name="observability.sampler")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
