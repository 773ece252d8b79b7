"""Housekeeping job `auth.prune` (hourly): old login failures, ended locks, expired tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger

from backend.auth.repository import AuthPruneRepository
from backend.config import Settings
from backend.db import transaction
from backend.jobs import CronSpec, JobContext, JobSpec

PRUNE_JOB = "auth.prune"
# Expired refresh tokens are kept a day: a late replay is then still recognised as reuse.
_TOKEN_GRACE = timedelta(days=1)


async def prune(ctx: JobContext, **_: Any) -> dict[str, int]:
    settings: Settings = ctx["settings"]
    now = datetime.now(UTC)
    async with transaction(ctx["sessionmaker"]) as tx:
        counts = await AuthPruneRepository(tx.session).prune(
            failures_before=now - timedelta(seconds=settings.lockout_window_s),
            locks_before=now,
            tokens_before=now - _TOKEN_GRACE,
        )
    logger.bind(**counts).info("auth.pruned")
    return counts


def job_specs() -> list[JobSpec]:
    return [JobSpec(PRUNE_JOB, prune, timeout_s=300)]


def crons() -> list[CronSpec]:
    return [CronSpec(PRUNE_JOB, minute=frozenset({17}))]  # hourly, off the round minute
