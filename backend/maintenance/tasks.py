"""Job `maintenance.cleanup` (nightly, 03:10 UTC): backend/maintenance/cleanup.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loguru import logger

from backend.jobs import CronSpec, JobContext, JobSpec
from backend.maintenance.cleanup import cleanup

CLEANUP_JOB = "maintenance.cleanup"


async def cleanup_job(ctx: JobContext, **_: Any) -> dict[str, int]:
    counts = await cleanup(ctx["settings"], ctx["sessionmaker"], datetime.now(UTC))
    logger.bind(**counts).info("maintenance.cleaned")
    return counts


def job_specs() -> list[JobSpec]:
    return [JobSpec(CLEANUP_JOB, cleanup_job, timeout_s=1800, max_tries=2)]


def crons() -> list[CronSpec]:
    return [CronSpec(CLEANUP_JOB, minute=frozenset({10}), hour=frozenset({3}))]
