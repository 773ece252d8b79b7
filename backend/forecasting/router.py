"""Forecast API (`/api/v1/forecast`), analyst and admin only. Thin: parse, call, shape; the jobs
run on the workers (tasks.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import JSONResponse

from backend.deps import CurrentUser, JobsDep, RequireRole, SessionmakerDep
from backend.errors import ErrorOut
from backend.fields import Interval, Symbol
from backend.forecasting import queries
from backend.forecasting.models import ForecastJob
from backend.forecasting.schemas import (
    EvaluationIn,
    ForecastOut,
    JobAccepted,
    JobOut,
    ModelOut,
    TrainIn,
)
from backend.security import Role

router = APIRouter(prefix="/forecast", tags=["forecast"], dependencies=[RequireRole(Role.ANALYST)])

JobId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


def _accepted(job: ForecastJob) -> JobAccepted:
    return JobAccepted(job_id=job.id, state=job.state)


@router.post("/train", status_code=status.HTTP_202_ACCEPTED)
async def train(
    body: TrainIn, user: CurrentUser, sm: SessionmakerDep, jobs: JobsDep
) -> JobAccepted:
    """Train an LSTM on the worker; the same parameters already queued or running: that job."""
    return _accepted(await queries.train(sm, jobs, user.id, body))


@router.post("/evaluations", status_code=status.HTTP_202_ACCEPTED)
async def evaluate(
    body: EvaluationIn, user: CurrentUser, sm: SessionmakerDep, jobs: JobsDep
) -> JobAccepted:
    """Evaluate a model one step ahead over every stored candle of a period, beside the
    baselines; the result is on `GET /forecast/jobs/{job_id}`."""
    return _accepted(await queries.evaluate(sm, jobs, user.id, body))


@router.get("/jobs/{job_id}")
async def get_job(job_id: JobId, user: CurrentUser, sm: SessionmakerDep) -> JobOut:
    """State (queued, running, succeeded, failed with `error`), progress and result. A training
    or evaluation is its starter's (admins read all): anyone else gets 404 `unknown_job`; a
    forecast job (the 202 of `GET /forecast`) is every analyst's."""
    return await queries.get_job(sm, job_id, user)


@router.get("/models")
async def list_models(
    sm: SessionmakerDep,
    symbol: Symbol | None = None,
    interval: Interval | None = None,
) -> list[ModelOut]:
    """Trained models, newest first, each with its card."""
    return await queries.models(sm, symbol, interval)


@router.get(
    "",
    response_model=ForecastOut,
    responses={
        202: {"model": JobAccepted, "description": "being computed: ask again"},
        409: {"model": ErrorOut, "description": "the forecast failed (`details.job_id`)"},
    },
)
async def get_forecast(
    user: CurrentUser,
    sm: SessionmakerDep,
    jobs: JobsDep,
    symbol: Symbol,
    interval: Interval = "1h",
    horizon: Annotated[int, Query(ge=1, le=168)] = 24,
) -> ForecastOut | JSONResponse:
    """The latest model's forecast from the last closed candle, with its test-tail metrics
    beside the baselines' and the verdict; 202 with the job while the worker computes it; 409
    `forecast_failed` with the reason when computing it failed (the next candle tries again)."""
    out = await queries.request_forecast(
        sm, jobs, symbol=symbol, interval=interval, horizon=horizon, user_id=user.id
    )
    if isinstance(out, ForecastOut):
        return out
    return JSONResponse(_accepted(out).model_dump(), status_code=status.HTTP_202_ACCEPTED)
