"""Trading jobs: the equity snapshot (the matcher is trading/matcher.py, its parts lifespan.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.config import Settings
from backend.db import transaction
from backend.jobs import CronSpec, JobContext, JobSpec
from backend.trading import history
from backend.trading.lifespan import build_trading_engine

SNAPSHOT_JOB = "trading.snapshot_equity"


async def snapshot_equity(ctx: JobContext, *, force: bool = False) -> int:
    """Cron: one equity point per account every TRADING_SNAPSHOT_MINUTES (the cron ticks each
    minute because the cron list is built before settings exist; the cadence is checked here)."""
    settings: Settings = ctx["settings"]
    # the slot's minute, not the clock's second: a second run in that minute adds nothing
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    every = max(1, settings.trading_snapshot_minutes)
    if not force and (now.hour * 60 + now.minute) % every != 0:
        return 0
    engine = build_trading_engine(settings, {})  # equity needs prices and balances, no rules
    async with transaction(ctx["sessionmaker"]) as tx:
        return await history.snapshot_equity(tx, engine, now)


def job_specs() -> list[JobSpec]:
    return [JobSpec(SNAPSHOT_JOB, snapshot_equity, timeout_s=120)]


def crons() -> list[CronSpec]:
    return [CronSpec(SNAPSHOT_JOB)]  # every minute at second 0; the job applies the cadence
