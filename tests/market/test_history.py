"""Backfill (fake Binance REST) and folder import: bulk, resumable, idempotent; the CLI."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import transaction
from backend.integrations.binance.client import BinanceRestClient
from backend.market import history
from backend.market.repository import CandleRepository
from tests.conftest import ROOT, SHARED
from tests.fakes.binance_events import kline_row
from tests.fakes.binance_server import FakeBinance

HOUR = 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01T00:00Z


def folder(tmp_path: Path, rows: int) -> Path:
    out = tmp_path / "candles" / "1h"
    out.mkdir(parents=True, exist_ok=True)
    src = SHARED / "data" / "binance" / "1h" / "BTCUSDT.csv.gz"
    with gzip.open(src, "rt") as fh:
        lines = [fh.readline() for _ in range(rows + 1)]
    with gzip.open(out / "BTCUSDT.csv.gz", "wt") as dst:
        dst.writelines(lines)
    return out.parent


async def count(sm: async_sessionmaker[AsyncSession], interval: str) -> int:
    async with transaction(sm) as tx:
        return await CandleRepository(tx.session).count("BTCUSDT", interval)


async def test_import_is_resumable_idempotent_and_derives_coarser_intervals(
    sm: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    half = await history.import_dir(
        sm, folder(tmp_path, 2400), derive=["4h", "1d"], show_progress=False
    )
    assert half.per_series == {"BTCUSDT/1h": 2400, "BTCUSDT/4h": 600, "BTCUSDT/1d": 100}
    # "Interrupted" above at 2400 rows; the full file now resumes after the stored rows.
    full = await history.import_dir(
        sm, folder(tmp_path, 3000), derive=["4h", "1d"], show_progress=False
    )
    assert full.per_series == {"BTCUSDT/1h": 600, "BTCUSDT/4h": 150, "BTCUSDT/1d": 25}
    assert full.rows_read == full.rows_new  # resumed: nothing re-read
    again = await history.import_dir(
        sm, folder(tmp_path, 3000), derive=["4h", "1d"], show_progress=False
    )
    assert again.rows_new == 0
    assert await count(sm, "1h") == 3000 and await count(sm, "1d") == 125
    async with transaction(sm) as tx:
        day = (await CandleRepository(tx.session).klines(
            "BTCUSDT", "1d", start_time=0, end_time=None, limit=1
        ))[0]  # fmt: skip
        hours = await CandleRepository(tx.session).klines(
            "BTCUSDT", "1h", start_time=0, end_time=None, limit=24
        )
    assert day.open == hours[0].open and day.close == hours[-1].close
    assert day.high == max(h.high for h in hours) and day.low == min(h.low for h in hours)
    assert day.volume == sum((h.volume for h in hours), Decimal(0))


async def test_backfill_pages_through_rest_and_survives_429(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    async with FakeBinance() as fake:
        rows = [
            kline_row(T0 + i * HOUR, "1h", "42000", "42100", "41900", "42050") for i in range(2500)
        ]
        fake.add_klines("BTCUSDT", "1h", rows)
        fake.fail_next(429, code=-1003, msg="Too much request weight used", retry_after=1)
        async with BinanceRestClient(fake.rest_url, backoff_base_s=0.01) as rest:
            first = await history.backfill(
                sm, rest, ["BTCUSDT"], "1h", T0, until_ms=T0 + 1999 * HOUR, show_progress=False
            )
            rest_of = await history.backfill(sm, rest, ["BTCUSDT"], "1h", T0, show_progress=False)
    assert first.rows_new == 2000 and rest_of.rows_new == 500
    assert 429 in fake.statuses
    # The resumed run asked for candles after the stored ones only.
    starts = [int(p["startTime"]) for path, p in fake.requests if path == "/api/v3/klines"]
    assert T0 + 2000 * HOUR in starts
    assert await count(sm, "1h") == 2500


def test_cli_import_runs_as_a_command(tmp_path: Path, db_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_TO_FILE": "false"}
    env.pop("REDIS_URL", None)
    cmd = [sys.executable, "-m", "backend.cli", "import", "--dir", str(folder(tmp_path, 48)),
           "--no-progress"]  # fmt: skip
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    # 48 hours + the derived 12 x 4h and 2 x 1d (default MARKET_INTERVALS); then nothing new.
    assert first.stdout.strip().endswith("import: 62 candles read, 62 new")
    assert second.stdout.strip().endswith("import: 0 candles read, 0 new")


async def test_import_is_not_cut_short_by_candles_the_live_feed_stored(
    sm: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    from backend.market.history import source_kline
    from backend.market.replay import read_candles
    from backend.market.repository import candle_row

    path = folder(tmp_path, 100) / "1h" / "BTCUSDT.csv.gz"
    late = [source_kline(c) for c in read_candles(path, "BTCUSDT", "1h")][-5:]
    await history.store(sm, [candle_row(k, "replay") for k in late])  # what a replay stored
    result = await history.import_dir(sm, path.parent.parent, show_progress=False)
    assert result.rows_new == 95 and await count(sm, "1h") == 100


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_backfill_job_runs_through_the_job_runner(db_url: str, tmp_path: Path) -> None:
    from backend.main import create_app
    from tests.conftest import make_settings

    async with FakeBinance() as fake:
        fake.add_klines(
            "BTCUSDT", "1h", [kline_row(T0 + i * HOUR, "1h", "1", "2", "1", "2") for i in range(30)]
        )
        app = create_app(make_settings(db_url, tmp_path, binance_rest_url=fake.rest_url))
        async with app.router.lifespan_context(app):
            first = await app.state.runtime.jobs.run_now(
                "market.backfill", interval="1h", since="2024-01-01", symbols=["BTCUSDT"]
            )
            again = await app.state.runtime.jobs.run_now(
                "market.backfill", interval="1h", since=T0, symbols=["BTCUSDT"]
            )
    assert first["new"] == 30 and again["new"] == 0
