"""The observability endpoints' entry points: logs, the dashboard summary, the health report."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime

from backend.config import Settings
from backend.db import Tx
from backend.observability import health, logs, summary
from backend.observability.schemas import (
    ComponentOut,
    HealthOut,
    LogLineOut,
    LogPage,
    MetricsSummary,
)
from backend.runtime import Runtime

DEFAULT_SOURCES: list[logs.LogSource] = ["api", "worker"]


async def read_logs(
    settings: Settings,
    *,
    sources: list[logs.LogSource] | None,
    level: str | None,
    q: str | None,
    request_id: str | None,
    limit: int,
) -> LogPage:
    """The newest `limit` matching lines (newest last); api and worker merged by default, so
    one request id is followed from the API into the jobs it enqueued."""
    chosen = sources or DEFAULT_SOURCES
    flt = logs.LogFilter(level=level, q=q, request_id=request_id)
    lines = await asyncio.to_thread(logs.tail, settings.log_dir, chosen, flt, limit)
    return LogPage(
        lines=[LogLineOut.model_validate(asdict(line)) for line in lines],
        sources=list(chosen),
        log_to_file=settings.log_to_file,
    )


async def metrics_summary(tx: Tx, rt: Runtime, now: datetime) -> MetricsSummary:
    return await summary.summary(tx, rt, now)


async def system_health(tx: Tx, rt: Runtime, now: datetime) -> HealthOut:
    components = await health.check_all(rt, tx, now)
    return HealthOut(
        status=health.worst(components),
        checked_at=now,
        components=[ComponentOut.model_validate(asdict(c)) for c in components],
    )
