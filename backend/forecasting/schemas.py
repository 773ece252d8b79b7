"""Forecast API shapes. Statistics, returns and forecast prices are JSON numbers (estimates, not
exchange amounts); times in results are UTC epoch ms (candle open times), as in `/market`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.fields import INT32_MAX, Interval, Symbol, UtcDatetime

JobState = Literal["queued", "running", "succeeded", "failed"]
JobKind = Literal["train", "evaluate", "forecast"]
VerdictName = Literal["beats", "no_better", "worse"]


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never ignored

    symbol: Symbol
    interval: Interval = "1h"
    train_end: UtcDatetime | None = Field(
        default=None, description="train on candles opened before this (default: all closed)"
    )
    lookback: int = Field(default=48, ge=8, le=336, description="input window (candles)")
    hidden: int = Field(default=32, ge=4, le=256, description="LSTM hidden units")
    layers: int = Field(default=1, ge=1, le=3, description="stacked LSTM layers")
    epochs: int = Field(default=30, ge=1, le=200, description="most epochs (early stopping)")
    seed: int = Field(default=42, ge=0, le=INT32_MAX)


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never ignored

    model_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")
    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _order(self) -> EvaluationIn:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class JobAccepted(BaseModel):
    job_id: str
    state: JobState


class ProgressOut(BaseModel):
    epoch: int
    epochs: int
    train_loss: float
    val_loss: float
    best_epoch: int
    elapsed_s: float
    eta_s: float


class MetricsOut(BaseModel):
    """One forecast scored on the block's points (log returns); None where a figure does not
    exist (DM for persistence itself, coverage without intervals, direction for all-zero)."""

    n: int
    mae: float
    rmse: float
    mase: float = Field(description="MAE / persistence's MAE on the same points")
    directional_accuracy: float | None
    directional_ci95: list[float] | None = Field(description="Wilson 95% interval")
    directional_n: int
    zero_actuals: int = Field(description="points with a zero actual return, left out")
    dm_stat: float | None = Field(description="Diebold-Mariano vs persistence (HLN); < 0: better")
    dm_p_value: float | None
    coverage80: float | None
    coverage95: float | None


class MetricsBlockOut(BaseModel):
    n: int
    model: MetricsOut
    baselines: dict[str, MetricsOut] = Field(
        description="persistence, drift, and seasonal_naive for intraday intervals"
    )
    verdict: VerdictName
    verdict_text: str


class TrainingOut(BaseModel):
    epochs_run: int
    best_epoch: int
    seconds: float
    seconds_per_epoch: float
    device: str


class ModelOut(BaseModel):
    model_id: str
    symbol: str
    interval: str
    created_at: datetime
    data_start: int = Field(description="open time of the first candle trained on")
    data_end: int = Field(description="open time of the last candle (test tail included)")
    hyperparameters: dict[str, float]
    training: TrainingOut
    metrics: MetricsBlockOut = Field(description="the test tail against the baselines")
    torch_version: str
    weights_sha256: str
    card: dict[str, Any] = Field(description="the whole JSON card written beside the weights")


class EvaluationPointOut(BaseModel):
    open_time: int = Field(description="open time of the candle forecast")
    actual: float = Field(description="ln(close / previous close)")
    predicted: float = Field(description="from candles closed before it opened")
    lower80: float
    upper80: float
    lower95: float
    upper95: float
    baselines: dict[str, float]


class EvaluationOut(BaseModel):
    model_id: str
    symbol: str
    interval: str
    start: int
    end: int
    points: list[EvaluationPointOut]
    metrics: MetricsBlockOut


class ForecastPointOut(BaseModel):
    step: int
    open_time: int
    log_return: float
    price: float
    lower80: float
    upper80: float
    lower95: float
    upper95: float


class ForecastOut(BaseModel):
    model_id: str
    symbol: str
    interval: str
    horizon: int
    from_open_time: int = Field(description="the last closed candle the forecast starts from")
    from_close: float
    points: list[ForecastPointOut]
    metrics: MetricsBlockOut = Field(description="the model's test tail against the baselines")
    verdict: VerdictName
    verdict_text: str


class JobOut(BaseModel):
    job_id: str
    kind: JobKind
    state: JobState
    error: str | None = Field(description="why the job failed")
    params: dict[str, Any]
    progress: ProgressOut | None
    model_id: str | None
    model: ModelOut | None = Field(description="a finished training's model")
    evaluation: EvaluationOut | None = Field(description="a finished evaluation's result")
    forecast: ForecastOut | None = Field(description="a finished forecast")
    created_at: datetime
    updated_at: datetime
