"""Object-level access to forecast jobs: a training or an evaluation is its starter's (another
analyst gets the same 404 as for a missing id, and an identical request of theirs gets a job of
their own), a forecast job is every analyst's (`GET /forecast` hands its id to anyone), the
scheduler's nightly training is no analyst's, and an admin reads every job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.forecasting import queries, service
from backend.forecasting.models import ForecastJob
from backend.main import create_app
from backend.security import Role
from tests.conftest import asgi_client, make_settings
from tests.security.conftest import make_user

JOBS = "/api/v1/forecast/jobs"
TINY = {"symbol": "BTCUSDT", "interval": "1h", "lookback": 8, "hidden": 4, "epochs": 2, "seed": 1}
TRAIN = {**TINY, "layers": 1, "train_end": None}  # TINY as the API stores it
EVALUATE = {"model_id": "btcusdt-1h-x", "start": 1_735_689_600_000, "end": 1_738_368_000_000}
FORECAST = {"model_id": "btcusdt-1h-x", "horizon": 24, "from_open_time": 1_738_368_000_000}


@pytest.fixture
async def fa_app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(db_url, tmp_path, rate_limit_enabled=False)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def fa(fa_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(fa_app) as client:
        yield client


async def _add_job(
    app: FastAPI,
    job_id: str,
    kind: str,
    user_id: int | None,
    params: dict[str, Any],
    key: str,
    state: str = "queued",
) -> None:
    now = datetime.now(UTC)
    async with transaction(app.state.runtime.sessionmaker) as tx:
        tx.session.add(
            ForecastJob(
                id=job_id, kind=kind, dedupe_key=key, user_id=user_id, state=state,
                params=params, created_at=now, updated_at=now,
            )
        )  # fmt: skip


async def _status(fa: httpx.AsyncClient, job_id: str, headers: dict[str, str]) -> int:
    return (await fa.get(f"{JOBS}/{job_id}", headers=headers)).status_code


async def test_forecast_jobs_are_their_starters_and_forecasts_everyones(
    fa_app: FastAPI, fa: httpx.AsyncClient
) -> None:
    alice_id, alice = await make_user(fa_app, Role.ANALYST)
    bob_id, bob = await make_user(fa_app, Role.ANALYST)
    _, admin = await make_user(fa_app, Role.ADMIN)
    train, evaluate, forecast, nightly = "a" * 32, "b" * 32, "c" * 32, "e" * 32
    await _add_job(
        fa_app, train, "train", alice_id, TRAIN, service.dedupe_key("train", TRAIN, alice_id)
    )
    await _add_job(
        fa_app, evaluate, "evaluate", alice_id, EVALUATE,
        service.dedupe_key("evaluate", EVALUATE, alice_id),
    )  # fmt: skip
    await _add_job(
        fa_app, forecast, "forecast", alice_id, FORECAST,
        queries.forecast_key("btcusdt-1h-x", 1_738_368_000_000, 24),
    )  # fmt: skip
    await _add_job(
        fa_app, nightly, "train", None, TRAIN, service.dedupe_key("train", TRAIN, None),
        state="succeeded",
    )  # fmt: skip
    missing = await fa.get(f"{JOBS}/{'f' * 32}", headers=bob)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_job"
    expected = {
        # job: (alice, bob, admin)
        train: (200, 404, 200),
        evaluate: (200, 404, 200),
        forecast: (200, 200, 200),
        nightly: (404, 404, 200),
    }
    for job_id, statuses in expected.items():
        got = tuple([await _status(fa, job_id, h) for h in (alice, bob, admin)])
        assert got == statuses, (job_id, got)
        if statuses[1] == 404:  # the very answer for a missing id, but for the id itself
            other = (await fa.get(f"{JOBS}/{job_id}", headers=bob)).json()
            assert other == {
                "error": {
                    **missing.json()["error"],
                    "message": missing.json()["error"]["message"].replace("f" * 32, job_id),
                }
            }

    # the same training asked again: Alice gets her queued job, Bob one of his own
    again = await fa.post("/api/v1/forecast/train", json=TINY, headers=alice)
    assert again.status_code == 202 and again.json()["job_id"] == train, again.text
    bobs = await fa.post("/api/v1/forecast/train", json=TINY, headers=bob)
    assert bobs.status_code == 202, bobs.text
    bob_job = bobs.json()["job_id"]
    assert bob_job not in (train, nightly)
    assert await _status(fa, bob_job, alice) == 404
    async with fa_app.state.runtime.sessionmaker() as session:
        row = await session.get(ForecastJob, bob_job)
        assert row is not None and row.user_id == bob_id
    while True:  # no candles: it fails at once with its reason (bounded by the suite's timeout)
        body = (await fa.get(f"{JOBS}/{bob_job}", headers=bob)).json()
        if body["state"] in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.05)
    assert body["state"] == "failed" and body["error"].startswith("not enough history")
