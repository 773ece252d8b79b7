"""Background jobs: one contract, two runners (tests/core/test_jobs_contract.py covers both).

`InlineJobs` runs jobs as asyncio tasks in this process (embedded default, no Redis);
`ArqJobs` enqueues on Redis for `make worker` (arq) processes. Jobs are named `<domain>.<verb>`
and take `(ctx, **kwargs)`; ctx is the dict the worker builds (settings, sessionmaker, bus, jobs).

Every attempt of every job, on either runner, goes through `run_job`: it binds the request id
the job was enqueued under (`enqueue` takes it from the logging context and passes it as the
reserved keyword `_request_id`) and the job's name and id to its log lines, times it and counts
failures (backend/metrics.py), and, for the scheduled tasks, records the run through the
`RunRecorder` in ctx["task_runs"] (backend/tasks_admin/recorder.py), which refuses a run of a
task that is already running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, Protocol

from arq import Retry, create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job, JobStatus
from arq.worker import Function, func
from loguru import logger

from backend.logging import current_request_id, request_context
from backend.metrics import JOB_DURATION, JOB_FAILURES, JOB_SKIPPED

JobContext = dict[str, Any]
JobFn = Callable[..., Awaitable[Any]]
State = Literal["queued", "in_progress", "complete", "failed", "not_found"]
REQUEST_ID_KW = "_request_id"  # reserved keyword: the request id a job was enqueued under
SUMMARY_MAX = 2000


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    fn: JobFn
    timeout_s: float = 300
    max_tries: int = 3


@dataclass(frozen=True, slots=True)
class CronSpec:
    """When a job runs, in arq's cron terms (sets of seconds/minutes/hours, UTC)."""

    job: str
    second: frozenset[int] = frozenset({0})
    minute: frozenset[int] | None = None
    hour: frozenset[int] | None = None
    run_at_startup: bool = False


@dataclass(frozen=True, slots=True)
class JobInfo:
    job_id: str
    state: State
    result: Any = None
    error: str | None = None


class RunRecorder(Protocol):
    """Records the runs of the scheduled tasks (backend/tasks_admin/recorder.py)."""

    def records(self, job: str) -> bool: ...
    async def begin(
        self, *, task: str, job_id: str, request_id: str | None, attempt: int, timeout_s: float
    ) -> int | None:
        """The run's id when the job may run now; None when it must not (already running,
        or this firing already ran): the skip is recorded."""
        ...

    async def finish(
        self, run_id: int, *, outcome: str, summary: str | None, error: str | None
    ) -> None: ...


def summarise(value: Any, limit: int = SUMMARY_MAX) -> str | None:
    """A job's return value as short JSON text (for its task run)."""
    if value is None:
        return None
    try:
        text = json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def run_job(spec: JobSpec, ctx: JobContext, kwargs: dict[str, Any]) -> Any:
    """One attempt of a job (both runners): request id and job bound to its log lines, its
    duration and failure counted, its task run recorded; bounded by `spec.timeout_s`."""
    kwargs = dict(kwargs)
    request_id = kwargs.pop(REQUEST_ID_KW, None)
    job_id = str(ctx.get("job_id") or "")
    attempt = int(ctx.get("job_try") or 1)
    recorder: RunRecorder | None = ctx.get("task_runs")
    with request_context(request_id, job=spec.name, job_id=job_id):
        run_id: int | None = None
        if recorder is not None and recorder.records(spec.name):
            run_id = await recorder.begin(
                task=spec.name,
                job_id=job_id,
                request_id=request_id,
                attempt=attempt,
                timeout_s=spec.timeout_s,
            )
            if run_id is None:
                JOB_SKIPPED.labels(spec.name).inc()
                logger.info("job.skipped")
                return None
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(spec.fn(ctx, **kwargs), spec.timeout_s)
        except BaseException as exc:
            JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
            JOB_FAILURES.labels(spec.name).inc()
            if run_id is not None and recorder is not None:
                error = "timed out" if isinstance(exc, TimeoutError) else repr(exc)
                with contextlib.suppress(Exception):
                    await recorder.finish(
                        run_id, outcome="failed", summary=None, error=error[:SUMMARY_MAX]
                    )
            raise
        JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
        if run_id is not None and recorder is not None:
            await recorder.finish(
                run_id, outcome="succeeded", summary=summarise(result), error=None
            )
        return result


def _with_request_id(kwargs: dict[str, Any]) -> dict[str, Any]:
    request_id = current_request_id()
    if request_id is not None and REQUEST_ID_KW not in kwargs:
        return {**kwargs, REQUEST_ID_KW: request_id}
    return kwargs


class Jobs(Protocol):
    name: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def enqueue(
        self, job: str, /, *, job_id: str | None = None, defer_s: float = 0, **kwargs: Any
    ) -> str | None:
        """Queue `job`; returns its id, or None when a job with `job_id` is already known."""
        ...

    async def info(self, job_id: str) -> JobInfo: ...
    async def ping(self) -> bool: ...


ContextFactory = Callable[[], Awaitable[JobContext]]


@dataclass
class InlineJobs:
    """In-process runner with the same semantics as arq (unique ids, retries). Crons are
    enqueued by the scheduler (backend/scheduler.py) on either runner."""

    specs: Sequence[JobSpec]
    context_factory: ContextFactory | None = None
    keep_results: int = 1000
    name: str = "inline"
    _specs: dict[str, JobSpec] = field(init=False)
    _results: OrderedDict[str, JobInfo] = field(init=False, default_factory=OrderedDict)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _ctx: JobContext | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._specs = {s.name: s for s in self.specs}

    async def start(self) -> None:
        self._ctx = await self.context_factory() if self.context_factory else {}
        self._ctx.setdefault("jobs", self)

    async def close(self) -> None:
        for task in tuple(self._tasks):
            task.cancel()
        for task in tuple(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def enqueue(
        self, job: str, /, *, job_id: str | None = None, defer_s: float = 0, **kwargs: Any
    ) -> str | None:
        spec = self._specs.get(job)
        if spec is None:
            raise KeyError(f"unknown job {job!r}")
        job_id = job_id or uuid.uuid4().hex
        if job_id in self._results:
            return None
        self._remember(JobInfo(job_id, "queued"))
        self._spawn(self._run(spec, job_id, defer_s, _with_request_id(kwargs)))
        return job_id

    async def info(self, job_id: str) -> JobInfo:
        return self._results.get(job_id, JobInfo(job_id, "not_found"))

    async def ping(self) -> bool:
        return True

    async def run_now(self, job: str, **kwargs: Any) -> Any:
        """Run a job to completion in this task (CLI and admin 'run now')."""
        return await self._specs[job].fn(await self._context(), **kwargs)

    async def _context(self) -> JobContext:
        if self._ctx is None:
            await self.start()
        assert self._ctx is not None
        return self._ctx

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _remember(self, info: JobInfo) -> None:
        self._results[info.job_id] = info
        self._results.move_to_end(info.job_id)
        while len(self._results) > self.keep_results:
            self._results.popitem(last=False)

    async def _run(
        self, spec: JobSpec, job_id: str, defer_s: float, kwargs: dict[str, Any]
    ) -> None:
        if defer_s > 0:
            await asyncio.sleep(defer_s)
        ctx = {**await self._context(), "job_id": job_id}
        for attempt in range(1, spec.max_tries + 1):
            self._remember(JobInfo(job_id, "in_progress"))
            ctx["job_try"] = attempt
            try:
                result = await run_job(spec, ctx, kwargs)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.opt(exception=True).bind(
                    job=spec.name, job_id=job_id, attempt=attempt
                ).warning("job.failed")
                if attempt == spec.max_tries:
                    self._remember(JobInfo(job_id, "failed", error=repr(exc)))
                else:
                    await asyncio.sleep(retry_delay_s(attempt))
                continue
            self._remember(JobInfo(job_id, "complete", result=result))
            return


def retry_delay_s(attempt: int) -> float:
    return min(0.25 * 2.0 ** (attempt - 1), 30.0)


def arq_function(spec: JobSpec) -> Function:
    """The arq function for a spec. arq retries only on `Retry`; any failure is retried here
    up to `max_tries` (with backoff), as InlineJobs does, so both runners keep one contract."""

    async def run(ctx: JobContext, **kwargs: Any) -> Any:
        try:
            return await run_job(spec, ctx, kwargs)
        except Exception as exc:
            attempt = int(ctx.get("job_try", 1))
            if attempt < spec.max_tries:
                raise Retry(defer=retry_delay_s(attempt)) from exc
            raise

    run.__qualname__ = run.__name__ = spec.name
    # arq's own timeout only as a backstop: run_job's fires first and records the run's end.
    # A small margin: a killed worker's job is re-delivered once this (its lock) has passed.
    backstop = spec.timeout_s + min(30.0, max(1.0, spec.timeout_s / 10))
    return func(run, name=spec.name, timeout=backstop, max_tries=spec.max_tries)


class ArqJobs:
    """Enqueue on Redis; `backend.worker.WorkerSettings` processes run them."""

    name = "arq"

    def __init__(self, redis_url: str, *, queue_name: str, conn_timeout_s: float = 1.0) -> None:
        self._settings = RedisSettings.from_dsn(redis_url)
        self._settings.conn_timeout = max(1, int(conn_timeout_s))
        self._settings.conn_retries = 1
        self.queue_name = queue_name
        self._pool: ArqRedis | None = None

    async def start(self) -> None:
        self._pool = await create_pool(self._settings, default_queue_name=self.queue_name)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    @property
    def pool(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("ArqJobs.start() was not awaited")
        return self._pool

    async def enqueue(
        self, job: str, /, *, job_id: str | None = None, defer_s: float = 0, **kwargs: Any
    ) -> str | None:
        queued = await self.pool.enqueue_job(
            job,
            _job_id=job_id,
            _queue_name=self.queue_name,
            _defer_by=timedelta(seconds=defer_s) if defer_s else None,
            **_with_request_id(kwargs),
        )
        return None if queued is None else queued.job_id

    async def info(self, job_id: str) -> JobInfo:
        job = Job(job_id, self.pool, _queue_name=self.queue_name)
        status = await job.status()
        if status is JobStatus.complete:
            res = await job.result_info()
            if res is not None and not res.success:
                return JobInfo(job_id, "failed", error=repr(res.result))
            return JobInfo(job_id, "complete", result=None if res is None else res.result)
        if status is JobStatus.not_found:
            return JobInfo(job_id, "not_found")
        if status is JobStatus.in_progress:
            return JobInfo(job_id, "in_progress")
        return JobInfo(job_id, "queued")

    async def ping(self) -> bool:
        try:
            return bool(await self.pool.ping())
        except Exception:
            return False
