"""What the forecast routes ask: start a training or an evaluation, read a job, list models, and
the latest model's forecast (ready, or a job computing it). No torch here: the API process only
reads rows and queues jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth.principals import Principal
from backend.errors import Conflict, NotFound
from backend.forecasting import repository as repo
from backend.forecasting import service
from backend.forecasting.models import ForecastJob, ForecastModel
from backend.forecasting.schemas import (
    EvaluationIn,
    EvaluationOut,
    ForecastOut,
    JobOut,
    ModelOut,
    ProgressOut,
    TrainIn,
)
from backend.jobs import Jobs
from backend.security import Role


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def model_out(model: ForecastModel) -> ModelOut:
    card = model.card
    return ModelOut(
        model_id=model.id,
        symbol=model.symbol,
        interval=model.interval,
        created_at=model.created_at,
        data_start=model.data_start,
        data_end=model.data_end,
        hyperparameters=card["hyperparameters"],
        training=card["training"],
        metrics=card["metrics"],
        torch_version=card["torch_version"],
        weights_sha256=card["weights_sha256"],
        card=card,
    )


def job_out(job: ForecastJob, model: ForecastModel | None = None) -> JobOut:
    done = job.state == "succeeded" and job.result is not None
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        state=job.state,
        error=job.error,
        params=job.params,
        progress=ProgressOut.model_validate(job.progress) if job.progress else None,
        model_id=job.model_id,
        model=model_out(model) if model is not None else None,
        evaluation=EvaluationOut.model_validate(job.result)
        if done and job.kind == "evaluate"
        else None,
        forecast=ForecastOut.model_validate(job.result)
        if done and job.kind == "forecast"
        else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


async def train(
    sm: async_sessionmaker[AsyncSession], jobs: Jobs, user_id: int, body: TrainIn
) -> ForecastJob:
    params: dict[str, Any] = body.model_dump(exclude={"train_end"})
    params["train_end"] = _ms(body.train_end) if body.train_end is not None else None
    return await service.submit(sm, jobs, kind="train", params=params, user_id=user_id)


async def evaluate(
    sm: async_sessionmaker[AsyncSession], jobs: Jobs, user_id: int, body: EvaluationIn
) -> ForecastJob:
    async with sm() as session:
        if await repo.get_model(session, body.model_id) is None:
            raise NotFound(f"unknown model {body.model_id}", code="unknown_model")
    params = {"model_id": body.model_id, "start": _ms(body.start), "end": _ms(body.end)}
    return await service.submit(sm, jobs, kind="evaluate", params=params, user_id=user_id)


async def get_job(sm: async_sessionmaker[AsyncSession], job_id: str, reader: Principal) -> JobOut:
    """The reader's own training or evaluation, or any forecast job; an admin reads every job.
    Another analyst's job is the same 404 as a missing one."""
    reader_id = None if reader.role.at_least(Role.ADMIN) else reader.id
    async with sm() as session:
        job = await repo.readable_job(
            session, job_id, reader_id=reader_id, shared_kinds=service.SHARED_KINDS
        )
        if job is None:
            raise NotFound(f"unknown forecast job {job_id}", code="unknown_job")
        model = (
            await repo.get_model(session, job.model_id)
            if job.kind == "train" and job.model_id
            else None
        )
    return job_out(job, model)


async def models(
    sm: async_sessionmaker[AsyncSession], symbol: str | None, interval: str | None
) -> list[ModelOut]:
    async with sm() as session:
        return [
            model_out(m) for m in await repo.list_models(session, symbol=symbol, interval=interval)
        ]


def forecast_key(model_id: str, origin: int, horizon: int) -> str:
    return f"forecast:{model_id}:{origin}:{horizon}"


async def request_forecast(
    sm: async_sessionmaker[AsyncSession],
    jobs: Jobs,
    *,
    symbol: str,
    interval: str,
    horizon: int,
    user_id: int | None,
) -> ForecastOut | ForecastJob:
    """The latest model's forecast from the last closed candle if computed, else the job
    computing it (queued now if none is)."""
    async with sm() as session:
        model = await repo.latest_model(session, symbol, interval)
        if model is None:
            raise NotFound(f"no model for {symbol} {interval}: train one first", code="no_model")
        origin = await repo.last_open_time(session, symbol, interval)
        if origin is None:
            raise NotFound(f"no stored {symbol} {interval} candles", code="no_candles")
        key = forecast_key(model.id, origin, horizon)
        done = await repo.latest_job(session, key)
    if done is not None and done.state == "succeeded" and done.result is not None:
        return ForecastOut.model_validate(done.result)
    if done is not None and done.state == "failed":  # the next closed candle tries again
        raise Conflict(
            f"the forecast failed: {done.error}",
            code="forecast_failed",
            details={"job_id": done.id},
        )
    params = {"model_id": model.id, "horizon": horizon, "from_open_time": origin}
    return await service.submit(sm, jobs, kind="forecast", params=params, user_id=user_id, key=key)
