"""With Redis, a training queued by the API runs on a real arq worker process
(`python -m backend.worker`): the job's state, progress and model come back through the
database, and the artifact lands in the shared FORECAST_MODELS_DIR. PostgreSQL + Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.main import create_app
from tests.conftest import REDIS_URL, ROOT, asgi_client, make_settings
from tests.forecasting.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    load_candles,
    read_btc_1h,
    user_headers,
    wait_job,
)

TINY = {"symbol": "BTCUSDT", "interval": "1h", "lookback": 8, "hidden": 4, "epochs": 2, "seed": 3}


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_training_runs_on_the_arq_worker(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    models = tmp_path / "shared-models"
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix,
        admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, admin_username="root",
        forecast_models_dir=models, torch_device="cpu", trading_run_matcher="no",
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test", DATABASE_URL=db_url, DATABASE_POOL_SIZE="4", REDIS_URL=REDIS_URL,
        REDIS_PREFIX=redis_prefix, FORECAST_MODELS_DIR=str(models), TORCH_DEVICE="cpu",
        TRADING_RUN_MATCHER="no", RUN_INGESTOR="no", MARKET_SOURCE="replay",
        LOG_TO_FILE="false", LOG_LEVEL="WARNING",
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "backend.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app), asgi_client(app) as fc:
            assert app.state.runtime.job_queue.name == "arq"
            await load_candles(app, read_btc_1h(200))
            analyst = await user_headers(fc, "ana", "analyst")
            resp = await fc.post(f"{API}/train", json=TINY, headers=analyst)
            assert resp.status_code == 202, resp.text
            job = await wait_job(fc, analyst, resp.json()["job_id"])
            assert job["state"] == "succeeded", job
            assert job["progress"]["epoch"] >= 1
            assert (models / job["model_id"] / "card.json").is_file()
            assert (models / job["model_id"] / "model.pt").is_file()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
