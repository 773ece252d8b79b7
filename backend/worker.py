"""arq worker: the explicit list of every domain's jobs and crons, and the worker process.

Run with `python -m backend.worker` (`make worker`; `make run` with Redis starts one). A worker
runs the jobs and starts its parts from `main.PARTS` like the API does (the matcher and the
scheduler as lease candidates). InlineJobs uses the same lists in-process.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from arq.connections import RedisSettings
from arq.worker import Worker
from loguru import logger
from prometheus_client import start_http_server
from redis.exceptions import RedisError

from backend.auth import tasks as auth_tasks
from backend.backup import tasks as backup_tasks
from backend.config import Settings, get_settings
from backend.forecasting import tasks as forecasting_tasks
from backend.jobs import ArqJobs, CronSpec, InlineJobs, JobContext, Jobs, JobSpec, arq_function
from backend.logging import setup_logging
from backend.maintenance import tasks as maintenance_tasks
from backend.market import tasks as market_tasks
from backend.observability import tasks as observability_tasks
from backend.reports import tasks as reports_tasks
from backend.tasks_admin.recorder import TaskRunRecorder
from backend.trading import tasks as trading_tasks

if TYPE_CHECKING:
    from backend.runtime import Runtime

JOB_SPECS: list[JobSpec] = [
    *auth_tasks.job_specs(),
    *trading_tasks.job_specs(),
    *market_tasks.job_specs(),
    *forecasting_tasks.job_specs(),
    *observability_tasks.job_specs(),
    *backup_tasks.job_specs(),
    *maintenance_tasks.job_specs(),
    *reports_tasks.job_specs(),
]
# Fired by the one scheduler of the deployment (backend/scheduler.py), not by arq's own crons.
CRONS: list[CronSpec] = [
    *auth_tasks.crons(),
    *trading_tasks.crons(),
    *market_tasks.crons(),
    *forecasting_tasks.crons(),
    *observability_tasks.crons(),
    *backup_tasks.crons(),
    *maintenance_tasks.crons(),
    *reports_tasks.crons(),
]


def job_context(rt: Runtime) -> JobContext:
    """What every job receives (same in arq and inline): settings, database, bus, runtime."""
    return {
        "settings": rt.settings,
        "engine": rt.engine,
        "sessionmaker": rt.sessionmaker,
        "bus": rt.bus,
        "runtime": rt,
        # every run of a scheduled task is recorded, one running at a time (tasks_admin/)
        "task_runs": TaskRunRecorder(rt.sessionmaker, {c.job for c in CRONS}),
    }


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}jobs"


def make_jobs(rt: Runtime) -> Jobs:
    """The job queue of a process: in-process without Redis (or JOBS_INLINE), else arq."""
    settings = rt.settings
    if settings.use_inline_jobs:

        async def context() -> JobContext:
            return job_context(rt)

        return InlineJobs(JOB_SPECS, context_factory=context)
    assert settings.redis_url is not None
    return ArqJobs(settings.redis_url, queue_name=queue_name(settings))


def worker_settings(settings: Settings) -> dict[str, Any]:
    from backend.main import PARTS  # the one list of parts (main imports this module)
    from backend.runtime import build_runtime, open_core, start_parts

    async def on_startup(ctx: JobContext) -> None:
        setup_logging(settings, process="worker")
        rt = build_runtime(settings, "worker")
        stack = AsyncExitStack()  # the core and the parts, living as long as the worker
        await stack.enter_async_context(open_core(rt, make_jobs))
        await start_parts(stack, rt, PARTS)
        ctx.update(job_context(rt))
        ctx["process_stack"] = stack
        if settings.worker_metrics_port is not None:
            server, _ = start_http_server(
                settings.worker_metrics_port, addr=settings.worker_metrics_host
            )
            stack.callback(server.shutdown)

    async def on_shutdown(ctx: JobContext) -> None:
        await ctx["process_stack"].aclose()

    return {
        "functions": [arq_function(s) for s in JOB_SPECS],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": queue_name(settings),
        "max_jobs": 8,
        "poll_delay": 0.2,
    }


class OutageTolerantWorker(Worker):
    """arq's worker, kept alive through a Redis outage. arq ends its main loop, and with it the
    process, on the first poll that finds Redis gone (python-arq/arq#435): every worker died on
    a Redis restart and its parts (outbox senders, matcher, checker) with it. Here a failed poll
    is logged and tried again with jittered backoff (at most 5 s); jobs already running go on,
    and the queue is read again as soon as Redis answers (tests/faults/test_redis_outage.py)."""

    _outage_backoff_s = 0.0

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisError, OSError) as exc:
            self._outage_backoff_s = min(max(0.2, self._outage_backoff_s * 2), 5.0)
            logger.bind(error=repr(exc), retry_in_s=self._outage_backoff_s).warning(
                "worker.redis_unavailable"
            )
            await asyncio.sleep(self._outage_backoff_s * (0.5 + random.random()))  # noqa: S311
            return
        if self._outage_backoff_s:
            self._outage_backoff_s = 0.0
            logger.info("worker.redis_back")

    async def close(self) -> None:
        # arq deletes its health-check key before `on_shutdown`: with Redis down that raised,
        # and the parts were never stopped (leases kept, outbox senders cut mid-delivery).
        try:
            await super().close()
        except (RedisError, OSError):
            if self.on_shutdown is not None:
                await self.on_shutdown(self.ctx)


def main() -> None:
    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit(
            "REDIS_URL is required for a worker (the embedded default runs jobs in-process)"
        )
    OutageTolerantWorker(**worker_settings(settings)).run()


if __name__ == "__main__":
    main()
