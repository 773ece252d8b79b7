"""Forecast training bench: BTCUSDT 1h on CPU, the LSTM trained on every candle before
2025-09-01 and evaluated on 2025-09-01 .. 2026-02-28 beside the baselines.

Loads ../shared/data/binance/1h/BTCUSDT.csv.gz into a temporary SQLite database and runs the
same job code the workers run (training.train, evaluation.evaluate: the LSTM in a spawned child
process). Prints seconds per epoch, seconds to convergence (the best epoch) and the metrics
table. Default hyperparameters (TrainIn's); `--epochs N` to bound the run.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.all_models import metadata
from backend.bus import MemoryBus
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, transaction
from backend.forecasting import evaluation, training
from backend.forecasting.models import ForecastJob
from backend.forecasting.schemas import TrainIn
from backend.market.repository import CandleRepository
from bench._common import emit

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT.parent / "shared" / "data" / "binance" / "1h" / "BTCUSDT.csv.gz"
TRAIN_END = datetime(2025, 9, 1, tzinfo=UTC)
EVAL_START = datetime(2025, 9, 1, tzinfo=UTC)
EVAL_END = datetime(2026, 2, 28, 23, tzinfo=UTC)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def candles() -> list[dict[str, Any]]:
    rows = []
    with gzip.open(CSV, "rt") as fh:
        for rec in csv.DictReader(fh):
            t = int(rec["open_time_ms"])
            rows.append(
                {
                    "symbol": "BTCUSDT", "interval": "1h", "open_time": t,
                    "close_time": t + 3_599_999, "open": Decimal(rec["open"]),
                    "high": Decimal(rec["high"]), "low": Decimal(rec["low"]),
                    "close": Decimal(rec["close"]), "volume": Decimal(rec["volume"]),
                    "quote_volume": Decimal(0), "trades": 0, "taker_buy_base": Decimal(0),
                    "taker_buy_quote": Decimal(0), "source": "import",
                }
            )  # fmt: skip
    return rows


def job(kind: str, params: dict[str, Any]) -> ForecastJob:
    at = datetime.now(UTC)
    return ForecastJob(
        id=uuid.uuid4().hex, kind=kind, dedupe_key=kind, user_id=None, state="running",
        params=params, created_at=at, updated_at=at,
    )  # fmt: skip


def table(block: dict[str, Any]) -> None:
    print(f"  {'forecast':<16}{'n':>6}{'MAE':>11}{'RMSE':>11}{'MASE':>8}{'dir.acc':>9}"
          f"{'DM stat':>9}{'DM p':>8}{'cov80':>7}{'cov95':>7}")  # fmt: skip
    rows = {"LSTM": block["model"], **block["baselines"]}

    def f(v: float | None, spec: str) -> str:
        return "—" if v is None else format(v, spec)

    for name, m in rows.items():
        print(
            f"  {name:<16}{m['n']:>6}{m['mae']:>11.6f}{m['rmse']:>11.6f}{m['mase']:>8.4f}"
            f"{f(m['directional_accuracy'], '.4f'):>9}{f(m['dm_stat'], '.3f'):>9}"
            f"{f(m['dm_p_value'], '.4f'):>8}{f(m['coverage80'], '.3f'):>7}"
            f"{f(m['coverage95'], '.3f'):>7}"
        )
    print(f"  verdict: {block['verdict_text']}")


async def main(epochs: int | None) -> None:
    hyper = TrainIn(symbol="BTCUSDT", interval="1h")
    params = hyper.model_dump(exclude={"train_end"}) | {"train_end": ms(TRAIN_END)}
    if epochs is not None:
        params["epochs"] = epochs
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = Settings(
            _env_file=None, env="test", database_url=url, log_to_file=False,  # type: ignore[call-arg]
            torch_device="cpu", forecast_models_dir=Path(tmp) / "ml_models",
        )  # fmt: skip
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sm = make_sessionmaker(engine)
        rows = candles()
        async with transaction(sm) as tx:
            await CandleRepository(tx.session).insert_candles(rows)
        bus = MemoryBus()
        await bus.start()
        t0 = time.perf_counter()
        trained = await training.train(settings, sm, bus, job("train", params))
        wall = time.perf_counter() - t0
        card = trained["card"]
        run = card["training"]
        per_epoch = run["seconds_per_epoch"]
        print(f"BTCUSDT 1h, CPU, torch {card['torch_version']}, {card['data']['candles']} candles "
              f"before {TRAIN_END:%Y-%m-%d}; hyperparameters {card['hyperparameters']}")  # fmt: skip
        print(f"  seconds per epoch            {per_epoch:.2f}")
        print(f"  epochs run / best epoch      {run['epochs_run']} / {run['best_epoch']}")
        print(f"  seconds to convergence       {per_epoch * run['best_epoch']:.1f} (best epoch)")
        print(f"  training job wall time       {wall:.1f} s (child start, data, metrics)")
        print("\ntest tail of the training data:")
        table(card["metrics"])
        ev = await evaluation.evaluate(
            settings, sm,
            job("evaluate", {"model_id": card["model_id"], "start": ms(EVAL_START), "end": ms(EVAL_END)}),
        )  # fmt: skip
        print(f"\nevaluation {EVAL_START:%Y-%m-%d} .. {EVAL_END:%Y-%m-%d} (one step ahead):")
        table(ev["metrics"])
        assert len(ev["points"]) == ev["metrics"]["n"] > 4000
        await bus.close()
        await engine.dispose()
        emit(
            "train",
            {
                "seconds_per_epoch": per_epoch,
                "epochs_run": run["epochs_run"],
                "best_epoch": run["best_epoch"],
                "seconds_to_convergence": per_epoch * run["best_epoch"],
                "eval_n": ev["metrics"]["n"],
                "eval_model_mase": ev["metrics"]["model"]["mase"],
                "eval_verdict": ev["metrics"]["verdict"],
            },
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=None)
    asyncio.run(main(parser.parse_args().epochs))
