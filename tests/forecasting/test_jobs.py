"""Forecast job lifecycle and errors through the API: progress frames on the user stream, the
same parameters while running give the same job, too little history fails with a clear reason,
unknown model and job are 404, bounded parameters are 422, traders get 403 everywhere."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI

from backend import streams
from backend.forecasting import tasks
from backend.worker import CRONS, JOB_SPECS
from tests.forecasting.conftest import API, load_candles, read_btc_1h, user_headers, wait_job

TINY = {"symbol": "BTCUSDT", "interval": "1h", "lookback": 8, "hidden": 4, "epochs": 2, "seed": 1}


async def _me(fc: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await fc.get("/api/v1/users/me", headers=headers)).json()["id"])


async def test_progress_on_user_stream_and_same_job_while_running(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    await load_candles(fapp, read_btc_1h(300))
    frames: list[dict[str, Any]] = []
    channel = streams.user_channel(await _me(fc, analyst))
    sub = await fapp.state.runtime.bus.subscribe(
        channel, lambda _ch, data: frames.append(json.loads(data))
    )
    try:
        first = await fc.post(f"{API}/train", json=TINY, headers=analyst)
        second = await fc.post(f"{API}/train", json=TINY, headers=analyst)
        assert first.status_code == second.status_code == 202
        assert second.json()["job_id"] == first.json()["job_id"]  # same parameters: that job
        job = await wait_job(fc, analyst, first.json()["job_id"])
    finally:
        await sub.close()
    assert job["state"] == "succeeded" and job["error"] is None
    events = [f["data"] for f in frames if f["stream"] == "user"]
    assert all(e["e"] == "forecastProgress" and e["job_id"] == job["job_id"] for e in events)
    epochs = [e for e in events if "epoch" in e]
    assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1)) and epochs
    assert {"train_loss", "val_loss", "eta_s", "epochs"} <= set(epochs[0])
    assert events[0]["state"] == "running" and events[-1]["state"] == "succeeded"
    assert events[-1]["model_id"] == job["model_id"]


async def test_too_little_history_fails_with_reason(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    await load_candles(fapp, read_btc_1h(60))
    resp = await fc.post(f"{API}/train", json=TINY, headers=analyst)
    job = await wait_job(fc, analyst, resp.json()["job_id"])
    assert job["state"] == "failed"
    assert job["error"].startswith("not enough history: 60 stored BTCUSDT 1h candles")
    assert "need at least 125" in job["error"]
    assert job["model"] is None
    assert (await fc.get(f"{API}/models", headers=analyst)).json() == []


async def test_unknowns_and_bounds(fc: httpx.AsyncClient, analyst: dict[str, str]) -> None:
    resp = await fc.post(
        f"{API}/evaluations",
        json={
            "model_id": "btcusdt-1h-nope",
            "start": "2025-09-01T00:00:00Z",
            "end": "2026-01-01T00:00:00Z",
        },
        headers=analyst,
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_model"
    resp = await fc.get(f"{API}/jobs/{'a' * 32}", headers=analyst)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_job"
    resp = await fc.get(API, params={"symbol": "BTCUSDT", "interval": "1h"}, headers=analyst)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "no_model"
    for bad in ({"lookback": 4}, {"hidden": 1000}, {"layers": 4}, {"epochs": 0}, {"seed": -1}):
        resp = await fc.post(f"{API}/train", json={**TINY, **bad}, headers=analyst)
        assert resp.status_code == 422, bad
    resp = await fc.post(
        f"{API}/evaluations",
        json={"model_id": "m", "start": "2026-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"},
        headers=analyst,
    )
    assert resp.status_code == 422
    resp = await fc.get(API, params={"symbol": "BTCUSDT", "horizon": 500}, headers=analyst)
    assert resp.status_code == 422


async def test_trader_is_forbidden(fc: httpx.AsyncClient) -> None:
    trader = await user_headers(fc, "tom", "trader")
    calls = [
        ("POST", f"{API}/train", TINY),
        (
            "POST",
            f"{API}/evaluations",
            {"model_id": "m", "start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"},
        ),
        ("GET", f"{API}/jobs/{'a' * 32}", None),
        ("GET", f"{API}/models", None),
        ("GET", f"{API}?symbol=BTCUSDT", None),
    ]
    for method, path, body in calls:
        resp = await fc.request(method, path, json=body, headers=trader)
        assert resp.status_code == 403, (method, path, resp.text)


async def test_nightly_retrain_is_a_scheduled_job(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    assert any(c.job == "forecast.retrain_all" and c.hour == frozenset({2}) for c in CRONS)
    assert "forecast.retrain_all" in {s.name for s in JOB_SPECS}
    await load_candles(fapp, read_btc_1h(300))
    first = await wait_job(
        fc,
        analyst,
        (
            await fc.post(
                f"{API}/train", json={**TINY, "train_end": "2022-01-10T00:00:00Z"}, headers=analyst
            )
        ).json()["job_id"],
    )
    assert first["state"] == "succeeded"
    out = await fapp.state.runtime.job_queue.run_now("forecast.retrain_all")
    assert len(out["queued"]) == 1
    job = await wait_job(fc, analyst, out["queued"][0])
    assert job["state"] == "succeeded"
    assert job["params"] == {**TINY, "layers": 1, "train_end": None}  # same, all candles
    assert job["model"]["data_end"] > first["model"]["data_end"]
    assert tasks.RETRAIN_HOUR == 2
