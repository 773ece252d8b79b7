"""A heartbeat for a process without a Runtime (the Telegram bot): a `metric_samples` row every
minute with its process name, CPU and memory, as the sampler writes for the API, workers and the
ingestor. Health shows it as `process:<name>` (red when silent) and the telegram row reads it;
the API's sampler deletes it with every other row past retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import transaction
from backend.observability import sampling
from backend.observability.repository import SampleRepository
from backend.observability.sampler import SAMPLE_EVERY_S, instance_name


class Heartbeat:
    def __init__(self, sm: async_sessionmaker[AsyncSession], process: str) -> None:
        self.sm = sm
        self.process = process
        self.instance = instance_name()
        self.handled = 0  # what the process did since the last beat (the bot: updates)
        self._cpu = sampling.CpuMeter()

    def measure(self, now: datetime) -> dict[str, Any]:
        elapsed, cpu_percent = self._cpu.lap()
        row = {
            "process": self.process,
            "instance": self.instance,
            "at": now,
            "ws_connections": 0,
            "requests": self.handled,
            "interval_s": round(elapsed, 3),
            "latency_p50_ms": None,
            "latency_p99_ms": None,
            "cpu_percent": round(cpu_percent, 2),
            "rss_bytes": sampling.rss_bytes(),
            "db_pool_in_use": 0,
            "data": {},
        }
        self.handled = 0
        return row

    async def beat_once(self, now: datetime | None = None) -> None:
        row = self.measure(now or datetime.now(UTC))
        async with transaction(self.sm) as tx:
            SampleRepository(tx.session).add(row)

    async def run(self, every_s: float) -> None:
        while True:
            try:
                await self.beat_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down: the next beat tries again
                logger.opt(exception=True).warning("observability.heartbeat_failed")
            await asyncio.sleep(every_s)


@asynccontextmanager
async def heartbeat(
    sm: async_sessionmaker[AsyncSession], process: str, every_s: float = SAMPLE_EVERY_S
) -> AsyncIterator[Heartbeat]:
    """Beats at once and every `every_s` after, until the block ends."""
    beat = Heartbeat(sm, process)
    task = asyncio.create_task(beat.run(every_s), name=f"observability.heartbeat.{process}")
    try:
        yield beat
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
