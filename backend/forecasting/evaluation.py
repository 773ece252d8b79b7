"""The evaluation job's work: a model's one-step forecasts over a period, beside the baselines.

Every stored candle of the period counts (imported history beyond a replay's clock included)
whose target the model can forecast from candles before it: a full input window and, for
intraday intervals, the return one day earlier (the seasonal naive's input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.forecasting import artifacts, child, dataset, report
from backend.forecasting import repository as repo
from backend.forecasting.models import ForecastJob
from backend.forecasting.service import JobFailed
from backend.forecasting.training import HYPER_KEYS


async def load_card(sm: async_sessionmaker[AsyncSession], model_id: str) -> dict[str, Any]:
    async with sm() as session:
        model = await repo.get_model(session, model_id)
    if model is None:
        raise JobFailed(f"unknown model {model_id}")
    return dict(model.card)


def card_hyperparameters(card: dict[str, Any]) -> dict[str, int]:
    return {k: int(card["hyperparameters"][k]) for k in HYPER_KEYS}


def checked_weights(settings: Settings, card: dict[str, Any]) -> Path:
    """The card's weights file, hash-checked; a missing or altered file fails the job."""
    try:
        return artifacts.weights_path(Path(settings.forecast_models_dir), card)
    except (FileNotFoundError, ValueError) as exc:
        raise JobFailed(str(exc)) from exc


async def evaluate(
    settings: Settings, sm: async_sessionmaker[AsyncSession], job: ForecastJob
) -> dict[str, Any]:
    p = job.params
    card = await load_card(sm, str(p["model_id"]))
    start, end = int(p["start"]), int(p["end"])
    symbol, interval, season = card["symbol"], card["interval"], card["season"]
    hyper = card_hyperparameters(card)
    lead = dataset.first_target(hyper["lookback"], season) + 1
    async with sm() as session:
        t0, c0 = await repo.closes_before(session, symbol, interval, before=start, count=lead)
        t1, c1 = await repo.closes(session, symbol, interval, start=start, end=end)
    times, closes = np.concatenate([t0, t1]), np.concatenate([c0, c1])
    returns = dataset.log_returns(closes)
    first = dataset.first_target(hyper["lookback"], season)
    targets = np.arange(first, returns.size, dtype=np.intp)
    targets = targets[times[targets + 1] >= start]
    if targets.size < 2:
        raise JobFailed(
            f"no candles of {symbol} {interval} between the period's start and end can be "
            f"forecast: {t1.size} stored in the period, {t0.size} before it "
            f"(the model needs {lead} before the first)"
        )
    weights = checked_weights(settings, card)
    pred = np.asarray(
        await child.in_child(
            child.predict_entry,
            weights,
            hyper,
            float(card["scale"]),
            returns,
            targets,
            settings.torch_device,
        ),
        dtype=np.float64,
    )
    half80 = float(card["interval_half_width"]["80"])
    half95 = float(card["interval_half_width"]["95"])
    base = report.baseline_predictions(
        returns, targets, train_mean=float(card["train_mean_return"]), season=season
    )
    actual = returns[targets]
    block = report.metrics_block(actual, pred, base, half80=half80, half95=half95)
    points = [
        {
            "open_time": int(times[t + 1]),
            "actual": float(actual[i]),
            "predicted": float(pred[i]),
            "lower80": float(pred[i] - half80),
            "upper80": float(pred[i] + half80),
            "lower95": float(pred[i] - half95),
            "upper95": float(pred[i] + half95),
            "baselines": {name: float(values[i]) for name, values in base.items()},
        }
        for i, t in enumerate(targets.tolist())
    ]
    return {
        "model_id": card["model_id"],
        "symbol": symbol,
        "interval": interval,
        "start": start,
        "end": end,
        "points": points,
        "metrics": block,
    }
