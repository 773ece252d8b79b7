"""Job `reports.daily` (hourly at :05; sends once a day per user): backend/reports/daily.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.config import Settings
from backend.jobs import CronSpec, JobContext, JobSpec
from backend.reports.daily import send_daily_reports

DAILY_JOB = "reports.daily"


async def daily_job(ctx: JobContext, **_: Any) -> dict[str, Any]:
    settings: Settings = ctx["settings"]
    return await send_daily_reports(
        ctx["sessionmaker"], ctx.get("bus"), now=datetime.now(UTC), hour=settings.daily_report_hour
    )


def job_specs() -> list[JobSpec]:
    return [JobSpec(DAILY_JOB, daily_job, timeout_s=1800, max_tries=2)]


def crons() -> list[CronSpec]:
    # hourly: the report hour is a setting (the cron list exists before settings), and a user's
    # local morning may fall in any UTC hour once users have time zones
    return [CronSpec(DAILY_JOB, minute=frozenset({5}))]
