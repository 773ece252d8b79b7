"""A small training on real BTCUSDT 1h candles through the API and the in-process runner (the
LSTM in a spawned child): artifact and card, bit-for-bit repeat with the same seed, evaluation on
a later period, and the forecast from the last closed candle. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI

from tests.forecasting.conftest import API, load_candles, read_btc_1h, wait_job

SMALL = {"symbol": "BTCUSDT", "interval": "1h", "lookback": 16, "hidden": 8, "epochs": 3, "seed": 7}


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


async def _train(
    fc: httpx.AsyncClient, analyst: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    resp = await fc.post(f"{API}/train", json=body, headers=analyst)
    assert resp.status_code == 202, resp.text
    job = await wait_job(fc, analyst, resp.json()["job_id"])
    assert job["state"] == "succeeded", job
    return job


async def test_train_repeat_evaluate_forecast(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str], models_dir: Path
) -> None:
    rows = read_btc_1h(700)
    await load_candles(fapp, rows)
    train_end = rows[500]["open_time"]
    body = {**SMALL, "train_end": _iso(train_end)}

    first = await _train(fc, analyst, body)
    model = first["model"]
    assert first["progress"]["epoch"] >= 1 and first["progress"]["epochs"] == 3
    folder = models_dir / model["model_id"]
    card = json.loads((folder / "card.json").read_text())
    weights = (folder / "model.pt").read_bytes()
    assert card["weights_sha256"] == hashlib.sha256(weights).hexdigest()
    assert card["symbol"] == "BTCUSDT" and card["interval"] == "1h"
    assert card["data"]["start"] == rows[0]["open_time"]
    assert card["data"]["end"] == rows[499]["open_time"]  # only candles before train_end
    assert card["hyperparameters"]["lookback"] == 16 and card["torch_version"].startswith("2.13.0")
    block = card["metrics"]
    assert set(block["baselines"]) == {"persistence", "drift", "seasonal_naive"}
    assert block["n"] == card["data"]["test"]["n"] > 0
    assert block["model"]["mase"] > 0 and 0 <= block["model"]["coverage95"] <= 1
    assert block["baselines"]["persistence"]["mase"] == 1.0
    assert block["verdict_text"].endswith("the naive forecast")
    listed = (await fc.get(f"{API}/models", headers=analyst)).json()
    assert [m["model_id"] for m in listed] == [model["model_id"]]

    again = await _train(fc, analyst, body)  # the first finished: a new job, a new model
    assert again["job_id"] != first["job_id"]
    assert again["model"]["model_id"] != model["model_id"]
    assert again["model"]["weights_sha256"] == model["weights_sha256"]  # bit for bit
    assert again["model"]["metrics"] == model["metrics"]

    start, end = rows[520]["open_time"], rows[699]["open_time"]
    resp = await fc.post(
        f"{API}/evaluations",
        json={"model_id": model["model_id"], "start": _iso(start), "end": _iso(end)},
        headers=analyst,
    )
    assert resp.status_code == 202, resp.text
    ev = await wait_job(fc, analyst, resp.json()["job_id"])
    assert ev["state"] == "succeeded", ev
    result = ev["evaluation"]
    period = [r["open_time"] for r in rows[520:700]]
    assert [p["open_time"] for p in result["points"]] == period  # every stored candle
    closes = np.array([float(r["close"]) for r in rows])
    actual = np.log(closes[520:700] / closes[519:699])
    assert np.allclose([p["actual"] for p in result["points"]], actual, rtol=0, atol=1e-12)
    p0 = result["points"][0]
    assert p0["lower95"] <= p0["lower80"] <= p0["predicted"] <= p0["upper80"] <= p0["upper95"]
    assert p0["baselines"]["persistence"] == 0.0
    seasonal = [p["baselines"]["seasonal_naive"] for p in result["points"]]
    assert np.allclose(seasonal, np.log(closes[496:676] / closes[495:675]), atol=1e-12)
    assert result["metrics"]["n"] == 180
    assert result["metrics"]["verdict"] in ("beats", "no_better", "worse")

    resp = await fc.get(
        API, params={"symbol": "BTCUSDT", "interval": "1h", "horizon": 6}, headers=analyst
    )
    assert resp.status_code == 202, resp.text
    job = await wait_job(fc, analyst, resp.json()["job_id"])
    assert job["state"] == "succeeded", job
    resp = await fc.get(
        API, params={"symbol": "BTCUSDT", "interval": "1h", "horizon": 6}, headers=analyst
    )
    assert resp.status_code == 200, resp.text
    fcst = resp.json()
    assert fcst["model_id"] == again["model"]["model_id"]  # the latest model
    assert fcst["from_open_time"] == rows[-1]["open_time"]
    assert fcst["from_close"] == float(rows[-1]["close"])
    assert [p["step"] for p in fcst["points"]] == [1, 2, 3, 4, 5, 6]
    assert fcst["points"][0]["open_time"] == rows[-1]["open_time"] + 3_600_000
    for p in fcst["points"]:
        assert p["lower95"] <= p["lower80"] <= p["price"] <= p["upper80"] <= p["upper95"]
    assert fcst["verdict_text"] == again["model"]["metrics"]["verdict_text"]
