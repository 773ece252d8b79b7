"""Forecasting jobs (registered in backend/worker.py) and the nightly retraining cron.

* `forecast.train` / `forecast.evaluate` / `forecast.predict` run one `forecast_jobs` row
  (`forecast_job` = its id); the torch work runs in a spawned child process (child.py).
* `forecast.retrain_all` (nightly, through the scheduler's lease: once per deployment) queues a
  training on all closed candles with the same hyperparameters for each symbol and interval that
  has a model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.forecasting import evaluation, predicting, service, training
from backend.forecasting import repository as repo
from backend.forecasting.models import ForecastJob
from backend.jobs import CronSpec, JobContext, JobSpec

RETRAIN_HOUR = 2  # UTC
RETRAIN_MINUTE = 30


async def train_job(ctx: JobContext, *, forecast_job: str) -> dict[str, Any] | None:
    async def work(job: ForecastJob) -> dict[str, Any]:
        return await training.train(ctx["settings"], ctx["sessionmaker"], ctx["bus"], job)

    return await service.run_job(ctx, forecast_job, work)


async def evaluate_job(ctx: JobContext, *, forecast_job: str) -> dict[str, Any] | None:
    async def work(job: ForecastJob) -> dict[str, Any]:
        return await evaluation.evaluate(ctx["settings"], ctx["sessionmaker"], job)

    return await service.run_job(ctx, forecast_job, work)


async def predict_job(ctx: JobContext, *, forecast_job: str) -> dict[str, Any] | None:
    async def work(job: ForecastJob) -> dict[str, Any]:
        return await predicting.forecast(ctx["settings"], ctx["sessionmaker"], job)

    return await service.run_job(ctx, forecast_job, work)


async def retrain_all(ctx: JobContext) -> dict[str, Any]:
    sm: async_sessionmaker[AsyncSession] = ctx["sessionmaker"]
    async with sm() as session:
        models = await repo.list_models(session)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for model in models:  # newest first
        latest.setdefault((model.symbol, model.interval), model.card)
    queued = []
    for (symbol, interval), card in sorted(latest.items()):
        hyper = card["hyperparameters"]
        params: dict[str, Any] = {"symbol": symbol, "interval": interval, "train_end": None}
        params |= {k: int(hyper[k]) for k in training.HYPER_KEYS}
        job = await service.submit(
            sm, ctx["runtime"].job_queue, kind="train", params=params, user_id=None
        )
        queued.append(job.id)
    return {"queued": queued}


def job_specs() -> list[JobSpec]:
    # one try: a failure is recorded on the job row with its reason (service.run_job)
    return [
        JobSpec(service.JOB_NAMES["train"], train_job, timeout_s=6 * 3600, max_tries=1),
        JobSpec(service.JOB_NAMES["evaluate"], evaluate_job, timeout_s=3600, max_tries=1),
        JobSpec(service.JOB_NAMES["forecast"], predict_job, timeout_s=600, max_tries=1),
        JobSpec("forecast.retrain_all", retrain_all, timeout_s=600, max_tries=2),
    ]


def crons() -> list[CronSpec]:
    return [
        CronSpec(
            "forecast.retrain_all",
            minute=frozenset({RETRAIN_MINUTE}),
            hour=frozenset({RETRAIN_HOUR}),
        )
    ]
