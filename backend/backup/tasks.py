"""The scheduled database backup: daily, one file per day, the BACKUP_KEEP newest days kept."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.backup import service
from backend.config import Settings
from backend.jobs import CronSpec, JobContext, JobSpec

BACKUP_JOB = "backup.database"
BACKUP_HOUR = 1  # UTC; an hour before the nightly model retraining (02:30), off the round hour
BACKUP_MINUTE = 41


async def backup_database(ctx: JobContext) -> dict[str, object]:
    """Backs up the database into BACKUP_DIR once a day and keeps the BACKUP_KEEP newest days.

    Idempotent per day: a second run (or a second process) finds the day's file and only
    applies the retention again."""
    settings: Settings = ctx["settings"]
    if not settings.backup_in_app:
        return {"skipped": "BACKUP_IN_APP is off: an external scheduler takes the backups"}
    result = await service.scheduled_backup(
        settings.database_url, settings.backup_dir, settings.backup_keep, datetime.now(UTC)
    )
    return result.summary()


def job_specs() -> list[JobSpec]:
    # one try: a failed dump is reported by its run, and tomorrow's schedule tries again
    return [JobSpec(BACKUP_JOB, backup_database, timeout_s=3600, max_tries=1)]


def crons() -> list[CronSpec]:
    return [CronSpec(BACKUP_JOB, minute=frozenset({BACKUP_MINUTE}), hour=frozenset({BACKUP_HOUR}))]
