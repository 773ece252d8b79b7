"""arq worker: the explicit list of every domain's jobs and crons.

Run with `python -m backend.worker` (`make worker`). InlineJobs uses the same lists in-process.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, cast

from arq.connections import RedisSettings
from arq.cron import cron
from arq.typing import WorkerCoroutine
from arq.worker import run_worker

from backend.auth import tasks as auth_tasks
from backend.bus import make_bus
from backend.config import Settings, get_settings
from backend.db import make_engine, make_sessionmaker
from backend.jobs import CronSpec, JobContext, JobSpec, arq_function
from backend.logging import setup_logging
from backend.market import tasks as market_tasks
from backend.trading import tasks as trading_tasks

JOB_SPECS: list[JobSpec] = [
    *auth_tasks.job_specs(),
    *trading_tasks.job_specs(),
    *market_tasks.job_specs(),
]
CRONS: list[CronSpec] = [*auth_tasks.crons(), *trading_tasks.crons(), *market_tasks.crons()]


async def build_context(settings: Settings) -> JobContext:
    """What every job receives: settings, a sessionmaker and the bus (same in arq and inline)."""
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    bus = make_bus(
        settings.redis_url,
        prefix=settings.redis_prefix,
        socket_timeout_s=settings.redis_socket_timeout_s,
    )
    await bus.start()
    return {
        "settings": settings,
        "engine": engine,
        "sessionmaker": make_sessionmaker(engine),
        "bus": bus,
    }


async def close_context(ctx: JobContext) -> None:
    await ctx["bus"].close()
    await ctx["engine"].dispose()


def queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}jobs"


def worker_settings(settings: Settings) -> dict[str, Any]:
    specs = {s.name: s for s in JOB_SPECS}

    async def on_startup(ctx: JobContext) -> None:
        setup_logging(settings, process="worker")
        ctx.update(await build_context(settings))
        stack = AsyncExitStack()  # domain processes living as long as the worker
        await stack.enter_async_context(trading_tasks.worker_matcher(ctx))
        ctx["process_stack"] = stack

    async def on_shutdown(ctx: JobContext) -> None:
        await ctx["process_stack"].aclose()
        await close_context(ctx)

    return {
        "functions": [arq_function(s) for s in JOB_SPECS],
        "cron_jobs": [
            cron(
                cast("WorkerCoroutine", specs[c.job].fn),
                name=f"cron:{c.job}",
                second=set(c.second),
                minute=set(c.minute) if c.minute is not None else None,
                hour=set(c.hour) if c.hour is not None else None,
                run_at_startup=c.run_at_startup,
                timeout=specs[c.job].timeout_s,
            )
            for c in CRONS
        ],
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": queue_name(settings),
        "max_jobs": 8,
        "poll_delay": 0.2,
    }


def main() -> None:
    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit(
            "REDIS_URL is required for a worker (the embedded default runs jobs in-process)"
        )
    run_worker(type("WorkerSettings", (), worker_settings(settings)))


if __name__ == "__main__":
    main()
