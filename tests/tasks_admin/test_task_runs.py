"""Task runs through the job wrapper (backend/jobs.py run_job + tasks_admin/recorder.py), on
real PostgreSQL (and SQLite) and Redis: one run per firing across processes, an overlapping run
refused and recorded, failures recorded and counted, the request id carried into the job."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.connections import RedisSettings
from arq.worker import Worker
from loguru import logger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import make_engine, make_sessionmaker, transaction
from backend.jobs import ArqJobs, CronSpec, InlineJobs, JobContext, Jobs, JobSpec, arq_function
from backend.logging import request_context
from backend.metrics import JOB_DURATION, JOB_FAILURES, JOB_SKIPPED
from backend.scheduler import Scheduler, next_run
from backend.tasks_admin.models import RUNNING, TaskRun
from backend.tasks_admin.recorder import TaskRunRecorder
from tests.conftest import REDIS_URL

CALLS: list[str] = []
GATE: dict[str, asyncio.Event] = {}


async def slow(ctx: JobContext) -> dict[str, int]:
    CALLS.append(ctx["job_id"])
    await asyncio.sleep(0.6)
    return {"done": 1}


async def gated(ctx: JobContext, *, key: str) -> str:
    CALLS.append(ctx["job_id"])
    await GATE[key].wait()
    return "released"


async def broken(ctx: JobContext) -> None:
    raise ValueError("disk on fire")


async def hello(ctx: JobContext) -> str:
    logger.info("test.hello")
    return "hi"


SPECS = [
    JobSpec("test.slow", slow),
    JobSpec("test.gated", gated),
    JobSpec("test.broken", broken, max_tries=1),
    JobSpec("test.hello", hello),
]
RECORDED = {s.name for s in SPECS}


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def inline(sm: async_sessionmaker[AsyncSession]) -> InlineJobs:
    async def context() -> JobContext:
        return {"task_runs": TaskRunRecorder(sm, RECORDED)}

    return InlineJobs(SPECS, context_factory=context)


async def runs(sm: async_sessionmaker[AsyncSession], task: str) -> list[TaskRun]:
    async with sm() as s:
        stmt = select(TaskRun).where(TaskRun.task == task).order_by(TaskRun.id)
        return list((await s.execute(stmt)).scalars())


async def until(cond: Any, timeout: float = 20) -> None:
    async def loop() -> None:
        while not await cond():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def finished(sm: async_sessionmaker[AsyncSession], task: str, n: int) -> bool:
    rows = await runs(sm, task)
    return len(rows) >= n and all(r.outcome not in ("queued", "running") for r in rows)


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_two_processes_firing_the_same_cron_run_it_once(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    """Two schedulers, each with its own in-process runner (two processes without Redis
    between them): only the database's one-running-run rule keeps the firing single."""
    cron = CronSpec("test.slow", second=frozenset(range(60)))
    at = next_run(cron, datetime.now(UTC))
    one, two = inline(sm), inline(sm)
    await one.start()
    await two.start()
    CALLS.clear()
    try:
        await asyncio.gather(
            Scheduler(one, [cron]).fire(cron, at), Scheduler(two, [cron]).fire(cron, at)
        )
        await until(lambda: finished(sm, "test.slow", 1))
        await asyncio.sleep(0.8)  # the other runner's attempt has ended too
    finally:
        await one.close()
        await two.close()
    job_id = f"cron:test.slow:{int(at.timestamp())}"
    assert [job_id] == CALLS
    rows = await runs(sm, "test.slow")
    assert [r.outcome for r in rows if r.outcome == "succeeded"] == ["succeeded"]
    assert all(r.job_id == job_id and r.trigger == "cron" for r in rows)
    assert {r.outcome for r in rows} <= {"succeeded", "skipped"}


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_two_arq_workers_on_redis_run_one_firing_once(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    queue = f"test:{uuid.uuid4().hex[:8]}:jobs"
    jobs = ArqJobs(REDIS_URL, queue_name=queue)
    await jobs.start()
    workers = [
        Worker(
            functions=[arq_function(s) for s in SPECS],
            redis_settings=RedisSettings.from_dsn(REDIS_URL),
            queue_name=queue,
            poll_delay=0.02,
            handle_signals=False,
            ctx={"task_runs": TaskRunRecorder(sm, RECORDED)},
            log_results=False,
        )
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(w.async_run()) for w in workers]
    CALLS.clear()
    cron = CronSpec("test.slow", second=frozenset(range(60)))
    at = next_run(cron, datetime.now(UTC))
    try:
        for _ in range(2):
            await asyncio.gather(*(Scheduler(jobs, [cron]).fire(cron, at) for _ in range(2)))
        await until(lambda: finished(sm, "test.slow", 1))
        await asyncio.sleep(0.5)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for w in workers:
            await w.close()
        await jobs.close()
    assert [f"cron:test.slow:{int(at.timestamp())}"] == CALLS
    assert [r.outcome for r in await runs(sm, "test.slow")] == ["succeeded"]


async def test_an_overlapping_run_is_refused_and_recorded(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    key = uuid.uuid4().hex
    GATE[key] = asyncio.Event()
    runner = inline(sm)
    await runner.start()
    CALLS.clear()
    skipped_before = JOB_SKIPPED.labels("test.gated")._value.get()
    try:
        first = await runner.enqueue("test.gated", job_id="cron:test.gated:1", key=key)

        async def first_running() -> bool:
            return any(r.outcome == RUNNING for r in await runs(sm, "test.gated"))

        await until(first_running)
        second = await runner.enqueue("test.gated", job_id="cron:test.gated:2", key=key)
        assert first and second

        async def second_done() -> bool:
            return (await runner.info(second)).state == "complete"

        await until(second_done)
        GATE[key].set()
        await until(lambda: finished(sm, "test.gated", 2))
    finally:
        GATE[key].set()
        await runner.close()
    assert CALLS == ["cron:test.gated:1"]
    rows = await runs(sm, "test.gated")
    assert [(r.job_id, r.outcome) for r in rows] == [
        ("cron:test.gated:1", "succeeded"),
        ("cron:test.gated:2", "skipped"),
    ]
    assert rows[0].summary == '"released"'
    assert rows[1].error and "already running" in rows[1].error and rows[1].finished_at
    assert JOB_SKIPPED.labels("test.gated")._value.get() == skipped_before + 1


async def test_a_failed_run_is_recorded_and_counted(sm: async_sessionmaker[AsyncSession]) -> None:
    failures = JOB_FAILURES.labels("test.broken")._value.get()
    timed = _histogram_count("test.broken")
    runner = inline(sm)
    await runner.start()
    try:
        job_id = await runner.enqueue("test.broken", job_id="cron:test.broken:1")
        assert job_id
        await until(lambda: finished(sm, "test.broken", 1))
        await until(lambda: _is_failed(runner, job_id))
    finally:
        await runner.close()
    [run] = await runs(sm, "test.broken")
    assert run.outcome == "failed" and run.error and "disk on fire" in run.error
    assert run.finished_at is not None and run.started_at is not None
    assert JOB_FAILURES.labels("test.broken")._value.get() == failures + 1
    assert _histogram_count("test.broken") == timed + 1


async def _is_failed(runner: Jobs, job_id: str) -> bool:
    return (await runner.info(job_id)).state == "failed"


def _histogram_count(job: str) -> float:
    for metric in JOB_DURATION.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels.get("job") == job:
                return sample.value
    return 0.0


async def test_a_run_abandoned_by_a_dead_process_does_not_block_the_task(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    async with transaction(sm) as tx:
        tx.session.add(
            TaskRun(
                task="test.hello",
                trigger="cron",
                job_id="cron:test.hello:0",
                attempt=1,
                outcome=RUNNING,
                created_at=long_ago,
                started_at=long_ago,
            )
        )
    runner = inline(sm)
    await runner.start()
    try:
        await runner.enqueue("test.hello", job_id="cron:test.hello:1")
        await until(lambda: finished(sm, "test.hello", 2))
    finally:
        await runner.close()
    rows = await runs(sm, "test.hello")
    assert [r.outcome for r in rows] == ["failed", "succeeded"]
    assert rows[0].error and "abandoned" in rows[0].error


@pytest.fixture(params=["inline", "arq"])
async def any_jobs(
    request: pytest.FixtureRequest, sm: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Jobs]:
    if request.param == "inline":
        runner = inline(sm)
        await runner.start()
        yield runner
        await runner.close()
        return
    queue = f"test:{uuid.uuid4().hex[:8]}:jobs"
    jobs = ArqJobs(REDIS_URL, queue_name=queue)
    await jobs.start()
    worker = Worker(
        functions=[arq_function(s) for s in SPECS],
        redis_settings=RedisSettings.from_dsn(REDIS_URL),
        queue_name=queue,
        poll_delay=0.02,
        handle_signals=False,
        ctx={"task_runs": TaskRunRecorder(sm, RECORDED)},
        log_results=False,
    )
    task = asyncio.create_task(worker.async_run())
    yield jobs
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await worker.close()
    await jobs.close()


async def test_the_request_id_reaches_the_jobs_log_lines_and_its_run(
    any_jobs: Jobs, sm: async_sessionmaker[AsyncSession]
) -> None:
    lines: list[dict[str, Any]] = []
    sink = logger.add(
        lambda m: lines.append(dict(m.record["extra"])),
        level="INFO",
        filter=lambda r: r["message"] == "test.hello",
    )
    try:
        with request_context("req-into-job-42"):
            job_id = await any_jobs.enqueue("test.hello")
        assert job_id
        await until(lambda: finished(sm, "test.hello", 1))
    finally:
        logger.remove(sink)
    assert lines and lines[0]["request_id"] == "req-into-job-42"
    assert lines[0]["job"] == "test.hello" and lines[0]["job_id"] == job_id
    [run] = await runs(sm, "test.hello")
    assert run.request_id == "req-into-job-42" and run.outcome == "succeeded"
    assert run.trigger == "job"


FLAKY: dict[str, int] = {}


async def flaky(ctx: JobContext) -> str:
    FLAKY[ctx["job_id"]] = FLAKY.get(ctx["job_id"], 0) + 1
    if FLAKY[ctx["job_id"]] == 1:
        raise RuntimeError("first try fails")
    return "second try"


async def test_a_manual_run_is_retried_on_its_row_and_runs_once_when_delivered_twice(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    from backend.tasks_admin.recorder import manual_job_id

    FLAKY.clear()
    specs = [JobSpec("test.flaky", flaky, max_tries=2)]

    def runner() -> InlineJobs:
        async def context() -> JobContext:
            return {"task_runs": TaskRunRecorder(sm, {"test.flaky"})}

        return InlineJobs(specs, context_factory=context)

    async with transaction(sm) as tx:
        queued = TaskRun(
            task="test.flaky", trigger="manual", triggered_by=1, request_id="req-m",
            attempt=0, outcome="queued", created_at=datetime.now(UTC),
        )  # fmt: skip
        tx.session.add(queued)
        await tx.session.flush()
        run_id = queued.id
    job_id = manual_job_id(run_id)
    for _ in range(2):  # the second: the same job delivered again after it succeeded
        jobs = runner()
        await jobs.start()
        try:
            await jobs.enqueue("test.flaky", job_id=job_id)

            async def done(j: InlineJobs = jobs) -> bool:
                return (await j.info(job_id)).state in ("complete", "failed")

            await until(done)
        finally:
            await jobs.close()
    assert FLAKY[job_id] == 2  # one failed attempt, one success, nothing on the redelivery
    [run] = await runs(sm, "test.flaky")
    assert (run.id, run.outcome, run.attempt, run.summary) == (
        run_id,
        "succeeded",
        2,
        '"second try"',
    )
    assert run.error is None and run.request_id == "req-m"
