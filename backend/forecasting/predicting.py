"""The forecast job's work: the latest model's path from the last closed candle, H steps ahead.

The path is recursive (each predicted return is fed back as input). Its intervals widen with
the square root of the step: the one-step half-width (split-conformal, from the validation
residuals) times sqrt(h) on the cumulative log return, as for independent steps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.forecasting import child, dataset
from backend.forecasting import repository as repo
from backend.forecasting.evaluation import card_hyperparameters, checked_weights, load_card
from backend.forecasting.models import ForecastJob
from backend.forecasting.service import JobFailed
from backend.integrations.binance.schemas import INTERVAL_MS


async def forecast(
    settings: Settings, sm: async_sessionmaker[AsyncSession], job: ForecastJob
) -> dict[str, Any]:
    p = job.params
    card = await load_card(sm, str(p["model_id"]))
    horizon, origin = int(p["horizon"]), int(p["from_open_time"])
    symbol, interval = card["symbol"], card["interval"]
    hyper = card_hyperparameters(card)
    async with sm() as session:
        times, closes = await repo.closes_before(
            session, symbol, interval, before=origin + 1, count=hyper["lookback"] + 1
        )
    if times.size < hyper["lookback"] + 1 or int(times[-1]) != origin:
        raise JobFailed(
            f"not enough history: {times.size} stored {symbol} {interval} candles up to the "
            f"origin, the model needs {hyper['lookback'] + 1}"
        )
    weights = checked_weights(settings, card)
    steps = np.asarray(
        await child.in_child(
            child.path_entry,
            weights,
            hyper,
            float(card["scale"]),
            dataset.log_returns(closes),
            horizon,
            settings.torch_device,
        ),
        dtype=np.float64,
    )
    last = float(closes[-1])
    step_ms = INTERVAL_MS.get(interval, 0)
    half80 = float(card["interval_half_width"]["80"])
    half95 = float(card["interval_half_width"]["95"])
    cumulative = np.cumsum(steps)
    points = []
    for h in range(1, horizon + 1):
        cum, widen = float(cumulative[h - 1]), math.sqrt(h)
        points.append(
            {
                "step": h,
                "open_time": origin + h * step_ms,
                "log_return": float(steps[h - 1]),
                "price": last * math.exp(cum),
                "lower80": last * math.exp(cum - half80 * widen),
                "upper80": last * math.exp(cum + half80 * widen),
                "lower95": last * math.exp(cum - half95 * widen),
                "upper95": last * math.exp(cum + half95 * widen),
            }
        )
    metrics = card["metrics"]
    return {
        "model_id": card["model_id"],
        "symbol": symbol,
        "interval": interval,
        "horizon": horizon,
        "from_open_time": origin,
        "from_close": last,
        "points": points,
        "metrics": metrics,
        "verdict": metrics["verdict"],
        "verdict_text": metrics["verdict_text"],
    }
