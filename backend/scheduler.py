"""The job scheduler: enqueues every cron job (`worker.CRONS`) at its time, once per deployment.

A part of the API and worker processes held by the `jobs.scheduler` lease (leases.py), so any
number of processes may run with each cron firing once. It only enqueues: the job runs on the
queue like any other (InlineJobs in-process, or an arq worker), with the id
`cron:<job>:<epoch s>`, so even two schedulers (a lease lost mid-enqueue) cannot queue one
firing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from arq.cron import next_cron
from loguru import logger

from backend.jobs import CronSpec, Jobs
from backend.leases import singleton
from backend.runtime import Runtime
from backend.worker import CRONS

SCHEDULER_LEASE = "jobs.scheduler"


def next_run(cron: CronSpec, now: datetime) -> datetime:
    """The next firing of `cron` strictly after `now` (aware UTC)."""
    return next_cron(
        now.astimezone(UTC).replace(tzinfo=None),
        second=set(cron.second),
        minute=set(cron.minute) if cron.minute is not None else None,
        hour=set(cron.hour) if cron.hour is not None else None,
        microsecond=0,
    ).replace(tzinfo=UTC)


class Scheduler:
    """`catch_up_s`: at start, the firings due within this many seconds before now are enqueued
    too: a scheduler that takes over from a dead holder fires what fell into the gap (the ids
    make it a no-op if the old holder had queued it)."""

    def __init__(self, jobs: Jobs, crons: Sequence[CronSpec], *, catch_up_s: float = 0) -> None:
        self.jobs = jobs
        self.crons = list(crons)
        self.catch_up_s = catch_up_s

    async def fire(self, cron: CronSpec, at: datetime) -> None:
        job_id = f"cron:{cron.job}:{int(at.timestamp())}"
        try:
            await self.jobs.enqueue(cron.job, job_id=job_id)
        except Exception:
            logger.opt(exception=True).bind(job=cron.job).error("cron.enqueue_failed")

    async def run(self) -> None:
        now = datetime.now(UTC)
        for cron in self.crons:
            if cron.run_at_startup:
                await self.fire(cron, now)
                continue
            missed = next_run(cron, now - timedelta(seconds=self.catch_up_s))
            while self.catch_up_s > 0 and missed <= now:
                await self.fire(cron, missed)
                missed = next_run(cron, missed)
        due = {i: next_run(c, now) for i, c in enumerate(self.crons)}
        while due:
            at = min(due.values())
            await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))
            for i, when in list(due.items()):
                if when <= at:
                    await self.fire(self.crons[i], when)
                    due[i] = next_run(self.crons[i], when)


@asynccontextmanager
async def job_scheduler(rt: Runtime) -> AsyncIterator[None]:
    """The part: a candidate for the scheduler's lease."""

    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        # a takeover happens within one lease ttl of the holder's death: look back twice that
        scheduler = Scheduler(rt.job_queue, CRONS, catch_up_s=2 * rt.settings.lease_ttl_s)
        task = asyncio.create_task(scheduler.run(), name="scheduler")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async with singleton(rt.leases.lease(SCHEDULER_LEASE), run):
        yield
