"""Forecast jobs: submitting one (the same work already queued or running is that job), running
one (state queued -> running -> succeeded | failed with a reason), and its progress frames."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import streams
from backend.bus import Bus
from backend.db import transaction
from backend.forecasting import repository as repo
from backend.forecasting.dataset import NotEnoughHistory
from backend.forecasting.metrics import MetricsError
from backend.forecasting.models import ForecastJob
from backend.jobs import Jobs

JOB_NAMES = {
    "train": "forecast.train",
    "evaluate": "forecast.evaluate",
    "forecast": "forecast.predict",
}


class JobFailed(Exception):
    """An expected failure of a job: its message is the reason the job reports."""


# failures whose message is the reason (no retry, no traceback in the job)
EXPECTED = (JobFailed, NotEnoughHistory, MetricsError)


# A queued or running job whose row has not moved for this long (no epoch, no state change) was
# lost with its worker: the same parameters then start a new job, and the old one is failed.
STALE_AFTER = timedelta(hours=1)
LOST = "lost: no progress for an hour (its worker stopped); asked again, a new job started"


def now() -> datetime:
    return datetime.now(UTC)


# Trainings and evaluations belong to the analyst who started them (another analyst gets 404 for
# the id, an admin reads all); a forecast job is shared, as the forecast it computes is answered
# to every analyst by `GET /forecast` (queries.request_forecast).
SHARED_KINDS = ("forecast",)


def dedupe_key(kind: str, params: dict[str, Any], user_id: int | None) -> str:
    """The same work asked again by the same user (`user_id` None: the scheduler) while a job
    for it is queued or running gets that job; someone else's identical request gets its own,
    since they could not read this one."""
    owner = "-" if user_id is None else str(user_id)
    return f"{kind}:{owner}:{json.dumps(params, sort_keys=True, separators=(',', ':'))}"[:200]


async def submit(
    sessionmaker: async_sessionmaker[AsyncSession],
    jobs: Jobs,
    *,
    kind: str,
    params: dict[str, Any],
    user_id: int | None,
    key: str | None = None,
) -> ForecastJob:
    """Queue a job, or return the queued or running one for the same work (`key`, by default
    the same parameters from the same user)."""
    key = key or dedupe_key(kind, params, user_id)
    for _ in range(3):  # a concurrent identical request may win the insert: then take its job
        try:
            job, created = await _claim(sessionmaker, kind, key, params, user_id)
        except IntegrityError:
            continue
        if not created:
            return job
        break
    else:
        raise RuntimeError(f"could not queue or find the job for {key}")
    try:
        await jobs.enqueue(JOB_NAMES[kind], job_id=f"forecast:{job.id}", forecast_job=job.id)
    except Exception as exc:
        await set_state(sessionmaker, job.id, state="failed", error=f"not queued: {exc!r}")
        raise
    return job


async def set_state(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: str, **values: Any
) -> None:
    async with transaction(sessionmaker) as tx:
        await repo.update_job(tx.session, job_id, updated_at=now(), **values)


async def publish(bus: Bus, job: ForecastJob, data: dict[str, Any]) -> None:
    if job.user_id is None:
        return
    frame = streams.forecast_progress_frame({"job_id": job.id, "kind": job.kind, **data})
    try:
        await bus.publish(streams.user_channel(job.user_id), frame)
    except Exception:  # progress is best effort: a bus hiccup must not fail a training
        logger.opt(exception=True).bind(job_id=job.id).warning("forecast.progress_unpublished")


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: str,
    key: str,
    params: dict[str, Any],
    user_id: int | None,
) -> tuple[ForecastJob, bool]:
    """The active job for `key` (False), or a new queued one (True)."""
    async with transaction(sessionmaker) as tx:
        at = now()
        existing = await repo.active_job(tx.session, key)
        if existing is not None and at - existing.updated_at < STALE_AFTER:
            return existing, False
        if existing is not None:  # its worker died: the job is lost, not running
            await repo.update_job(
                tx.session, existing.id, state="failed", updated_at=at, error=LOST
            )
        job = ForecastJob(
            id=uuid.uuid4().hex,
            kind=kind,
            dedupe_key=key,
            user_id=user_id,
            state="queued",
            params=params,
            created_at=at,
            updated_at=at,
        )
        tx.session.add(job)
    return job, True


Work = Callable[[ForecastJob], Awaitable[dict[str, Any]]]


async def run_job(ctx: dict[str, Any], job_id: str, work: Work) -> dict[str, Any] | None:
    """Run `work` for the job row `job_id`, recording its state, result or failure reason."""
    sm: async_sessionmaker[AsyncSession] = ctx["sessionmaker"]
    bus: Bus = ctx["bus"]
    async with sm() as session:
        job = await repo.get_job(session, job_id)
    if job is None:
        raise JobFailed(f"unknown forecast job {job_id}")
    if job.state in ("succeeded", "failed"):
        return job.result  # a re-delivered message: the job has finished already
    await set_state(sm, job_id, state="running")
    await publish(bus, job, {"state": "running"})
    try:
        result = await work(job)
    except EXPECTED as exc:
        await set_state(sm, job_id, state="failed", error=str(exc))
        await publish(bus, job, {"state": "failed", "error": str(exc)})
        logger.bind(job_id=job_id, kind=job.kind, reason=str(exc)).info("forecast.job_failed")
        return None
    except Exception as exc:
        await set_state(sm, job_id, state="failed", error=f"internal error: {exc!r}")
        await publish(bus, job, {"state": "failed", "error": "internal error"})
        raise
    await set_state(sm, job_id, state="succeeded", result=result, model_id=result.get("model_id"))
    await publish(bus, job, {"state": "succeeded", "model_id": result.get("model_id")})
    return result
