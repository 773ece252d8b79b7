"""Forecast job lifecycle and errors through the API: progress frames on the user stream, the
same parameters from the same analyst while running give the same job, too little history fails
with a clear reason, unknown model and job are 404, bounded parameters are 422, traders get 403
everywhere. Who reads whose job: tests/security/test_object_access.py."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from backend import streams
from backend.db import transaction
from backend.forecasting import queries, refresh, service, tasks
from backend.forecasting import repository as repo
from backend.forecasting.models import ForecastJob
from backend.worker import CRONS, JOB_SPECS
from tests.auth.helpers import bearer, login
from tests.forecasting.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    load_candles,
    read_btc_1h,
    user_headers,
    wait_job,
)

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
    # the scheduler's job is no analyst's: admins follow it (the task run lists its id)
    admin = bearer((await login(fc, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
    job = await wait_job(fc, admin, out["queued"][0])
    resp = await fc.get(f"{API}/jobs/{out['queued'][0]}", headers=analyst)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_job"
    assert job["state"] == "succeeded"
    assert job["params"] == {**TINY, "layers": 1, "train_end": None}  # same, all candles
    assert job["model"]["data_end"] > first["model"]["data_end"]
    assert tasks.RETRAIN_HOUR == 2


async def test_forecast_is_computed_when_a_candle_closes(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    rows = read_btc_1h(300)
    await load_candles(fapp, rows[:299])
    body = {**TINY, "train_end": "2022-01-10T00:00:00Z"}
    trained = (await fc.post(f"{API}/train", json=body, headers=analyst)).json()
    assert (await wait_job(fc, analyst, trained["job_id"]))["state"] == "succeeded"
    await load_candles(fapp, rows[299:])  # the candle closes: stored, then its frame
    last = rows[-1]
    kline = {"e": "kline", "E": last["close_time"], "s": "BTCUSDT",
             "k": {"t": last["open_time"], "T": last["close_time"], "s": "BTCUSDT", "i": "1h",
                   "c": str(last["close"]), "x": True}}  # fmt: skip
    rt = fapp.state.runtime
    await rt.bus.publish(
        streams.kline("BTCUSDT", "1h"),
        streams.market_frame(streams.kline("BTCUSDT", "1h"), kline, "replay"),
    )
    model_id = (await fc.get(f"{API}/models", headers=analyst)).json()[0]["model_id"]
    key = queries.forecast_key(model_id, last["open_time"], refresh.DEFAULT_HORIZON)
    while True:  # the part queues the job on its own (bounded by the suite's timeout)
        async with rt.sessionmaker() as session:
            job = await repo.latest_job(session, key)
        if job is not None and job.state in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.1)
    assert job.state == "succeeded", job.error
    resp = await fc.get(API, params={"symbol": "BTCUSDT", "interval": "1h"}, headers=analyst)
    assert resp.status_code == 200, resp.text  # ready at the first request
    assert resp.json()["from_open_time"] == last["open_time"]
    assert len(resp.json()["points"]) == 24


async def test_a_lost_job_does_not_hold_its_parameters(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    params = {**TINY, "layers": 1, "train_end": None}
    me = await _me(fc, analyst)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    async with transaction(fapp.state.runtime.sessionmaker) as tx:
        tx.session.add(
            ForecastJob(
                id="d" * 32, kind="train", dedupe_key=service.dedupe_key("train", params, me),
                user_id=me, state="running", params=params, created_at=long_ago,
                updated_at=long_ago,
            )
        )  # fmt: skip
    resp = await fc.post(f"{API}/train", json=TINY, headers=analyst)
    assert resp.status_code == 202
    assert resp.json()["job_id"] != "d" * 32  # a new job: the old one's worker died
    old = (await fc.get(f"{API}/jobs/{'d' * 32}", headers=analyst)).json()
    assert old["state"] == "failed" and old["error"].startswith("lost")
    await wait_job(fc, analyst, resp.json()["job_id"])


async def test_a_model_whose_weights_are_gone_gives_a_clear_failure(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str], models_dir: Path
) -> None:
    await load_candles(fapp, read_btc_1h(200))
    job = await wait_job(
        fc, analyst, (await fc.post(f"{API}/train", json=TINY, headers=analyst)).json()["job_id"]
    )
    (models_dir / job["model_id"] / "model.pt").write_bytes(b"replaced")  # hash no longer matches
    query = {"symbol": "BTCUSDT", "interval": "1h"}
    pending = await fc.get(API, params=query, headers=analyst)
    assert pending.status_code == 202
    failed = await wait_job(fc, analyst, pending.json()["job_id"])
    assert failed["state"] == "failed" and "do not match its card's hash" in failed["error"]
    resp = await fc.get(API, params=query, headers=analyst)
    assert resp.status_code == 409, resp.text
    assert resp.json()["error"]["code"] == "forecast_failed"
    assert "do not match its card's hash" in resp.json()["error"]["message"]


async def test_concurrent_identical_requests_share_one_job(
    fapp: FastAPI, fc: httpx.AsyncClient, analyst: dict[str, str]
) -> None:
    await load_candles(fapp, read_btc_1h(200))
    answers = await asyncio.gather(
        *(fc.post(f"{API}/train", json=TINY, headers=analyst) for _ in range(6))
    )
    assert {r.status_code for r in answers} == {202}
    ids = {r.json()["job_id"] for r in answers}
    assert len(ids) == 1
    await wait_job(fc, analyst, ids.pop())
