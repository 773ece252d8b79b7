"""One contract, two job runners: InlineJobs (in-process) and ArqJobs with a real arq worker."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import RedisSettings
from arq.worker import Worker

from backend.jobs import (
    ArqJobs,
    InlineJobs,
    JobContext,
    JobInfo,
    Jobs,
    JobSpec,
    arq_function,
)
from tests.conftest import REDIS_URL

CALLS: list[tuple[str, Any]] = []


async def add(ctx: JobContext, *, a: int, b: int) -> int:
    CALLS.append(("add", ctx.get("marker")))
    return a + b


async def fail(ctx: JobContext) -> None:
    raise ValueError("always fails")


async def flaky(ctx: JobContext, *, key: str) -> str:
    CALLS.append(("flaky", key))
    if sum(1 for name, k in CALLS if name == "flaky" and k == key) < 2:
        raise RuntimeError("first try fails")
    return "ok"


async def slow(ctx: JobContext) -> str:
    await asyncio.sleep(0.5)
    return "done"


SPECS = [
    JobSpec("test.add", add),
    JobSpec("test.fail", fail, max_tries=1),
    JobSpec("test.flaky", flaky, max_tries=3),
    JobSpec("test.slow", slow),
]


@pytest.fixture(params=["inline", "arq"])
async def jobs(request: pytest.FixtureRequest) -> AsyncIterator[Jobs]:
    async def context() -> JobContext:
        return {"marker": "ctx"}

    if request.param == "inline":
        impl: Jobs = InlineJobs(SPECS, context_factory=context)
        await impl.start()
        yield impl
        await impl.close()
        return
    queue = f"test:{uuid.uuid4().hex[:8]}:jobs"
    impl = ArqJobs(REDIS_URL, queue_name=queue)
    await impl.start()
    worker = Worker(
        functions=[arq_function(s) for s in SPECS],
        redis_settings=RedisSettings.from_dsn(REDIS_URL),
        queue_name=queue,
        poll_delay=0.05,
        handle_signals=False,
        ctx={"marker": "ctx"},
        retry_jobs=True,
        log_results=False,
    )
    task = asyncio.create_task(worker.async_run())
    yield impl
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await worker.close()
    await impl.close()


async def wait_state(jobs: Jobs, job_id: str, *states: str, timeout: float = 15) -> JobInfo:
    async def loop() -> JobInfo:
        while True:
            info = await jobs.info(job_id)
            if info.state in states:
                return info
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(loop(), timeout)


async def test_enqueued_job_runs_with_context_and_returns_result(jobs: Jobs) -> None:
    job_id = await jobs.enqueue("test.add", a=2, b=3)
    assert job_id
    info = await wait_state(jobs, job_id, "complete", "failed")
    assert info.state == "complete" and info.result == 5
    assert ("add", "ctx") in CALLS


async def test_same_job_id_is_queued_once(jobs: Jobs) -> None:
    job_id = f"once-{uuid.uuid4().hex}"
    assert await jobs.enqueue("test.slow", job_id=job_id) == job_id
    assert await jobs.enqueue("test.slow", job_id=job_id) is None
    info = await wait_state(jobs, job_id, "complete")
    assert info.result == "done"


async def test_failed_job_reports_failure(jobs: Jobs) -> None:
    job_id = await jobs.enqueue("test.fail")
    assert job_id
    info = await wait_state(jobs, job_id, "complete", "failed")
    assert info.state == "failed"
    assert info.error and "always fails" in info.error


async def test_failing_job_is_retried(jobs: Jobs) -> None:
    key = uuid.uuid4().hex
    job_id = await jobs.enqueue("test.flaky", key=key)
    assert job_id
    info = await wait_state(jobs, job_id, "complete", "failed")
    assert info.state == "complete" and info.result == "ok"


async def test_unknown_job_id_is_not_found(jobs: Jobs) -> None:
    assert (await jobs.info("no-such-job")).state == "not_found"


async def test_deferred_job_waits(jobs: Jobs) -> None:
    job_id = await jobs.enqueue("test.add", defer_s=0.6, a=1, b=1)
    assert job_id
    await asyncio.sleep(0.2)
    assert (await jobs.info(job_id)).state in ("queued", "in_progress")
    assert (await wait_state(jobs, job_id, "complete")).result == 2


async def _until(cond: Any) -> None:
    while not cond():
        await asyncio.sleep(0.02)
