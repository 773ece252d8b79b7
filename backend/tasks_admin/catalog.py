"""The scheduled tasks an admin sees: every cron of `worker.CRONS`, its job and its schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.jobs import CronSpec, JobSpec
from backend.scheduler import next_run

# What each task does, for the admin page (the web app has ru/en texts keyed by task name).
DESCRIPTIONS: dict[str, str] = {
    "auth.prune": "Deletes old login failures, ended lockouts and expired refresh tokens.",
    "trading.snapshot_equity": "Records each demo account's equity every "
    "TRADING_SNAPSHOT_MINUTES (ticks each minute, applies the cadence itself).",
    "forecast.retrain_all": "Nightly: queues a retraining of every symbol and interval that has "
    "a forecasting model, on all closed candles.",
    "market.repair": "Finds gaps in the stored candles of the active symbols and backfills them "
    "(from Binance, or from the replay folder in replay mode).",
    "maintenance.cleanup": "Deletes expired link codes, read notifications and finished "
    "deliveries past retention, 1m candles past CANDLE_1M_RETENTION_DAYS and old task runs.",
    "reports.daily": "Sends each user their daily PnL and alerts summary at their local "
    "morning, and admins a system report.",
}


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    description: str
    cron: CronSpec
    job: JobSpec | None

    def next_run(self, now: datetime) -> datetime:
        return next_run(self.cron, now)


def _fmt(values: frozenset[int] | None) -> str:
    if values is None:
        return "*"
    if len(values) == 60 or len(values) == 24:
        return "*"
    return ",".join(str(v) for v in sorted(values))


def cron_expression(cron: CronSpec) -> str:
    """Five-field cron text (minute hour day month weekday); seconds are listed apart."""
    return f"{_fmt(cron.minute)} {_fmt(cron.hour)} * * *"


def schedule_words(cron: CronSpec) -> str:
    """The schedule in plain English, UTC."""
    seconds = sorted(cron.second)
    if cron.minute is None and cron.hour is None:
        if len(seconds) == 60:
            return "every second"
        return "every minute" + ("" if seconds == [0] else f" at second {_fmt(cron.second)}")
    if cron.hour is None:
        assert cron.minute is not None
        return f"every hour at minute {_fmt(cron.minute)}"
    minutes = sorted(cron.minute) if cron.minute is not None else list(range(60))
    if len(minutes) == 1:
        times = ", ".join(f"{h:02d}:{minutes[0]:02d}" for h in sorted(cron.hour))
        return f"daily at {times} UTC"
    return f"at minutes {_fmt(cron.minute)} of hours {_fmt(cron.hour)} UTC"


def build_catalog(crons: list[CronSpec], specs: list[JobSpec]) -> dict[str, Task]:
    by_name = {s.name: s for s in specs}
    out: dict[str, Task] = {}
    for cron in crons:
        job = by_name.get(cron.job)
        doc = (job.fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ") if job else ""
        out.setdefault(
            cron.job, Task(cron.job, DESCRIPTIONS.get(cron.job, doc) or cron.job, cron, job)
        )
    return out


def catalog() -> dict[str, Task]:
    from backend.worker import CRONS, JOB_SPECS  # the one list of jobs and crons

    return build_catalog(CRONS, JOB_SPECS)
