"""The scheduler enqueues each cron firing once, whichever runner and however many schedulers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from backend.jobs import ArqJobs, CronSpec, InlineJobs, JobContext, JobSpec
from backend.scheduler import Scheduler, next_run
from tests.conftest import REDIS_URL

EVERY_SECOND = CronSpec("test.tick", second=frozenset(range(60)))


async def test_inline_cron_fires_each_second_with_its_own_id() -> None:
    seen: list[str] = []

    async def tick(ctx: JobContext) -> None:
        seen.append(ctx["job_id"])

    runner = InlineJobs([JobSpec("test.tick", tick)])
    await runner.start()
    task = asyncio.create_task(Scheduler(runner, [EVERY_SECOND]).run())
    try:
        async with asyncio.timeout(10):
            while len(seen) < 2:
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await runner.close()
    assert len(set(seen)) == len(seen) and all(s.startswith("cron:test.tick:") for s in seen)


async def test_two_schedulers_queue_one_firing_once() -> None:
    jobs = ArqJobs(REDIS_URL, queue_name=f"test:{uuid.uuid4().hex[:8]}:jobs")
    await jobs.start()
    try:
        at = next_run(EVERY_SECOND, datetime.now(UTC))
        for scheduler in (Scheduler(jobs, [EVERY_SECOND]), Scheduler(jobs, [EVERY_SECOND])):
            await scheduler.fire(EVERY_SECOND, at)
        queued = await jobs.pool.queued_jobs(queue_name=jobs.queue_name)
        assert [j.job_id for j in queued] == [f"cron:test.tick:{int(at.timestamp())}"]
    finally:
        await jobs.close()


async def test_a_scheduler_taking_over_fires_what_fell_into_the_gap() -> None:
    every_minute = CronSpec("test.tick")  # second 0 of every minute
    jobs = ArqJobs(REDIS_URL, queue_name=f"test:{uuid.uuid4().hex[:8]}:jobs")
    await jobs.start()
    try:
        before = datetime.now(UTC).timestamp()
        for catch_up_s in (0.0, 60.0, 60.0):  # a fresh start, then two takeovers
            task = asyncio.create_task(Scheduler(jobs, [every_minute], catch_up_s=catch_up_s).run())
            await asyncio.sleep(0.3)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        after = datetime.now(UTC).timestamp()
        queued = [j.job_id for j in await jobs.pool.queued_jobs(queue_name=jobs.queue_name)]
        assert len(queued) == 1, queued  # the last minute's firing, queued once
        at = int(queued[0].rsplit(":", 1)[1])
        assert at % 60 == 0 and before - 60 < at <= after
    finally:
        await jobs.close()
