"""With live Binance (a local fake exchange), a training with no stored candles fetches the
history it needs over REST first, then trains; with the replay nothing is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from backend.forecasting.backfill import live_binance
from backend.main import create_app
from tests.conftest import asgi_client, make_settings
from tests.fakes.binance_events import kline_row
from tests.fakes.binance_server import FakeBinance
from tests.forecasting.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API,
    read_btc_1h,
    user_headers,
    wait_job,
)

TINY = {"symbol": "BTCUSDT", "interval": "1h", "lookback": 8, "hidden": 4, "epochs": 2, "seed": 5}


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


async def test_training_backfills_from_live_binance(db_url: str, tmp_path: Path) -> None:
    rows = read_btc_1h(300)
    async with FakeBinance() as fake:
        fake.add_klines(
            "BTCUSDT",
            "1h",
            [
                kline_row(
                    r["open_time"], "1h", *(str(r[k]) for k in ("open", "high", "low", "close"))
                )
                for r in rows
            ],
        )
        settings = make_settings(
            db_url, tmp_path, market_source="binance", binance_rest_url=fake.rest_url,
            admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, admin_username="root",
            forecast_models_dir=tmp_path / "m", torch_device="cpu", market_depth_levels=0,
        )  # fmt: skip
        app: FastAPI = create_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app) as fc:
            analyst = await user_headers(fc, "ana", "analyst")
            end = rows[-1]["open_time"] + 3_600_000
            resp = await fc.post(
                f"{API}/train", json={**TINY, "train_end": _iso(end)}, headers=analyst
            )
            job = await wait_job(fc, analyst, resp.json()["job_id"])
            assert job["state"] == "succeeded", job
            assert job["model"]["card"]["data"]["candles"] == 300
            assert job["model"]["data_start"] == rows[0]["open_time"]
        assert any(
            path == "/api/v1/klines" or path == "/api/v3/klines" for path, _ in fake.requests
        )


@pytest.mark.parametrize(
    ("source", "replay_dir", "live"),
    [("binance", None, True), ("auto", None, True), ("auto", "x", False), ("replay", "x", False)],
)
def test_only_live_binance_backfills(
    source: str, replay_dir: str | None, live: bool, tmp_path: Path
) -> None:
    settings = make_settings(
        "sqlite+aiosqlite:///x.db", tmp_path, market_source=source,
        market_replay_dir=tmp_path / replay_dir if replay_dir else None,
    )  # fmt: skip
    assert live_binance(settings) is live
