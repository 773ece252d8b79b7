"""Market background jobs, registered with the arq worker and InlineJobs (backend/worker.py).

Code enqueues the first two by name through `Jobs`, and an operator runs the same work from the
command line (`backend.cli backfill` / `import`); the scheduler fires the repair hourly.
* `market.backfill` — closed candles from Binance REST (same path as `backend.cli backfill`).
* `market.import` — the candle folder (`MARKET_REPLAY_DIR` unless `directory` is given).
* `market.repair` — gaps in the stored candles of the active symbols, backfilled (repair.py).
All resumable and idempotent, so a retried or repeated job never duplicates a candle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.config import Settings
from backend.integrations.binance.client import BinanceRestClient
from backend.jobs import CronSpec, JobContext, JobSpec
from backend.market import history, repair
from backend.market.replay import parse_start

REPAIR_JOB = "market.repair"


async def backfill(
    ctx: JobContext,
    *,
    interval: str = "1h",
    since: str | int = "",
    symbols: list[str] | None = None,
    until: str | int | None = None,
) -> dict[str, Any]:
    settings: Settings = ctx["settings"]
    since_ms = parse_start(str(since)) if since != "" else None
    if since_ms is None:
        raise ValueError("market.backfill needs `since` (ISO date or epoch ms)")
    until_ms = parse_start(str(until)) if until is not None else None
    async with BinanceRestClient(settings.binance_rest_url) as rest:
        result = await history.backfill(
            ctx["sessionmaker"],
            rest,
            symbols or list(settings.market_symbols),
            interval,
            since_ms,
            until_ms=until_ms,
            show_progress=False,
        )
    return {"read": result.rows_read, "new": result.rows_new, "series": result.per_series}


async def import_folder(ctx: JobContext, *, directory: str | None = None) -> dict[str, Any]:
    settings: Settings = ctx["settings"]
    folder = Path(directory) if directory else settings.market_replay_dir
    if folder is None or not folder.is_dir():
        raise ValueError("market.import needs a candle folder (MARKET_REPLAY_DIR or `directory`)")
    result = await history.import_dir(
        ctx["sessionmaker"], folder, derive=list(settings.market_intervals), show_progress=False
    )
    return {"read": result.rows_read, "new": result.rows_new, "series": result.per_series}


async def repair_gaps(ctx: JobContext, *, days: int = repair.DEFAULT_DAYS) -> dict[str, Any]:
    """Find gaps in the stored candles of the active symbols and backfill them."""
    result = await repair.repair(ctx["settings"], ctx["sessionmaker"], days=days)
    return result.as_dict()


def job_specs() -> list[JobSpec]:
    return [
        JobSpec("market.backfill", backfill, timeout_s=3600, max_tries=3),
        JobSpec("market.import", import_folder, timeout_s=3600, max_tries=2),
        JobSpec(REPAIR_JOB, repair_gaps, timeout_s=3600, max_tries=2),
    ]


def crons() -> list[CronSpec]:
    return [CronSpec(REPAIR_JOB, minute=frozenset({41}))]  # hourly, off the round minute
