"""The training job's work: candles from the database, the LSTM in a child process, the test
tail scored against the baselines, the artifact and its card, the `forecast_models` row."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.config import Settings
from backend.db import transaction
from backend.forecasting import artifacts, backfill, child, dataset, progress, report
from backend.forecasting import repository as repo
from backend.forecasting.baselines import season_for
from backend.forecasting.metrics import interval_from_residuals
from backend.forecasting.models import ForecastJob

HYPER_KEYS = ("lookback", "hidden", "layers", "epochs", "seed")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


async def train(
    settings: Settings, sm: async_sessionmaker[AsyncSession], bus: Bus, job: ForecastJob
) -> dict[str, Any]:
    p = job.params
    symbol, interval = str(p["symbol"]), str(p["interval"])
    hyper = {k: int(p[k]) for k in HYPER_KEYS}
    season = season_for(interval)
    train_end: int | None = p.get("train_end")
    await backfill.ensure_history(settings, sm, symbol, interval, train_end)
    async with sm() as session:
        times, closes = await repo.closes(
            session, symbol, interval, end=None if train_end is None else train_end - 1
        )
    need = dataset.min_candles(hyper["lookback"], season)
    if times.size < need:
        before = f" before {_iso(train_end)}" if train_end is not None else ""
        raise dataset.NotEnoughHistory(
            f"not enough history: {times.size} stored {symbol} {interval} candles{before}, "
            f"need at least {need} (lookback {hyper['lookback']} + {dataset.MIN_SAMPLES} samples)"
        )
    returns = dataset.log_returns(closes)
    splits = dataset.split(returns.size, hyper["lookback"], season)
    train_idx, val_idx, test_idx = splits

    created = datetime.now(UTC)
    model_id = artifacts.new_model_id(symbol, interval, created, job.id)
    folder = artifacts.model_dir(Path(settings.forecast_models_dir), model_id)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / artifacts.WEIGHTS
    try:
        async with progress.follow(folder / artifacts.PROGRESS, sm, bus, job):
            out: dict[str, Any] = await child.in_child(
                child.train_entry,
                returns,
                splits,
                hyper,
                settings.torch_device,
                weights,
                folder / artifacts.PROGRESS,
            )
        train_mean = float(np.mean(returns[train_idx]))
        half80 = interval_from_residuals(out["val_residuals"], 0.80)
        half95 = interval_from_residuals(out["val_residuals"], 0.95)
        actual = returns[test_idx]
        block = report.metrics_block(
            actual,
            np.asarray(out["test_pred"], dtype=np.float64),
            report.baseline_predictions(returns, test_idx, train_mean=train_mean, season=season),
            half80=half80,
            half95=half95,
        )

        def span(idx: np.ndarray[Any, Any]) -> dict[str, int]:  # open times of the targets
            return {
                "start": int(times[idx[0] + 1]),
                "end": int(times[idx[-1] + 1]),
                "n": int(idx.size),
            }

        card: dict[str, Any] = {
            "model_id": model_id,
            "symbol": symbol,
            "interval": interval,
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "target": "log return of the close over the next candle",
            "data": {
                "start": int(times[0]),
                "end": int(times[-1]),
                "candles": int(times.size),
                "train_end": train_end,
                "train": span(train_idx),
                "validation": span(val_idx),
                "test": span(test_idx),
            },
            "hyperparameters": {**hyper, **out["fixed"]},
            "training": {
                "epochs_run": out["epochs_run"],
                "best_epoch": out["best_epoch"],
                "seconds": out["seconds"],
                "seconds_per_epoch": out["seconds"] / max(1, out["epochs_run"]),
                "device": out["device"],
                "history": out["history"],
            },
            "scale": out["scale"],
            "train_mean_return": train_mean,
            "interval_half_width": {"80": half80, "95": half95},
            "season": season,
            "metrics": block,
            "torch_version": out["torch_version"],
            "weights_file": artifacts.WEIGHTS,
            "weights_sha256": artifacts.sha256(weights),
        }
        artifacts.write_card(folder, card)
        (folder / artifacts.PROGRESS).unlink(missing_ok=True)
        async with transaction(sm) as tx:
            tx.session.add(
                repo.new_model(
                    model_id,
                    card,
                    created_at=created,
                    data_start=int(times[0]),
                    data_end=int(times[-1]),
                )
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return {"model_id": model_id, "card": card}
