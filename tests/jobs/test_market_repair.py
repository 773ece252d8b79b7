"""market.repair: holes between stored candles are found and backfilled (replay files, rolled
up for coarser intervals; or Binance REST), and a second run changes nothing."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import make_engine, make_sessionmaker, transaction
from backend.market import history
from backend.market.models import Candle
from backend.market.repair import candle_gaps
from backend.market.tasks import repair_gaps
from tests.conftest import SHARED, make_settings
from tests.fakes.binance_events import kline_row
from tests.fakes.binance_server import FakeBinance

HOUR = 3_600_000


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def folder(tmp_path: Path, rows: int) -> Path:
    out = tmp_path / "candles" / "1h"
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(SHARED / "data" / "binance" / "1h" / "BTCUSDT.csv.gz", "rt") as fh:
        lines = [fh.readline() for _ in range(rows + 1)]
    with gzip.open(out / "BTCUSDT.csv.gz", "wt") as dst:
        dst.writelines(lines)
    return out.parent


async def state(sm: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    async with sm() as s:
        stmt = select(
            Candle.symbol, Candle.interval, Candle.open_time, Candle.open, Candle.high,
            Candle.low, Candle.close, Candle.volume,
        ).order_by(Candle.symbol, Candle.interval, Candle.open_time)  # fmt: skip
        return [tuple(r) for r in (await s.execute(stmt)).all()]


async def drop(sm: async_sessionmaker[AsyncSession], interval: str, times: list[int]) -> None:
    async with transaction(sm) as tx:
        await tx.session.execute(
            delete(Candle).where(Candle.interval == interval, Candle.open_time.in_(times))
        )


async def test_gaps_are_backfilled_from_the_replay_files_and_a_rerun_changes_nothing(
    sm: async_sessionmaker[AsyncSession], db_url: str, tmp_path: Path
) -> None:
    replay = folder(tmp_path, 48)
    await history.import_dir(sm, replay, derive=["4h"], show_progress=False)
    complete = await state(sm)
    hours = [r[2] for r in complete if r[1] == "1h"]
    fours = [r[2] for r in complete if r[1] == "4h"]
    assert len(hours) == 48 and len(fours) == 12
    await drop(sm, "1h", [hours[5], hours[6], hours[7], hours[30]])
    await drop(sm, "4h", [fours[4]])
    async with sm() as s:
        gaps = await candle_gaps(s, "BTCUSDT", "1h", 0)
    assert [(g.first_ms, g.last_ms) for g in gaps] == [(hours[5], hours[7]), (hours[30], hours[30])]

    settings = make_settings(
        db_url, tmp_path, market_replay_dir=replay, market_symbols=["BTCUSDT"],
        market_intervals=["1h", "4h"],
    )  # fmt: skip
    ctx = {"settings": settings, "sessionmaker": sm}
    first = await repair_gaps(ctx)
    assert first["gaps"] == 3 and first["missing"] == 5 and first["filled"] == 5
    assert first["series"]["BTCUSDT/4h"] == {"gaps": 1, "missing": 1, "filled": 1}
    assert await state(sm) == complete  # the 4h candle rolled up from the 1h file, equal
    second = await repair_gaps(ctx)
    assert second == {"gaps": 0, "missing": 0, "filled": 0, "unfilled": 0, "series": {}}
    assert await state(sm) == complete


async def test_gaps_are_backfilled_from_binance_in_live_mode(
    sm: async_sessionmaker[AsyncSession], db_url: str, tmp_path: Path
) -> None:
    t0 = 1_704_067_200_000
    rows = [kline_row(t0 + i * HOUR, "1h", "42000", "42100", "41900", "42050") for i in range(30)]
    async with FakeBinance() as fake:
        fake.add_klines("BTCUSDT", "1h", rows)
        from backend.integrations.binance.client import BinanceRestClient

        async with BinanceRestClient(fake.rest_url) as rest:
            await history.backfill(sm, rest, ["BTCUSDT"], "1h", t0, show_progress=False)
        complete = await state(sm)
        await drop(sm, "1h", [t0 + 3 * HOUR, t0 + 4 * HOUR, t0 + 20 * HOUR])
        settings = make_settings(
            db_url, tmp_path, market_source="binance", binance_rest_url=fake.rest_url,
            market_symbols=["BTCUSDT", "ETHUSDT"], market_intervals=["1h"],
        )  # fmt: skip
        ctx = {"settings": settings, "sessionmaker": sm}
        first = await repair_gaps(ctx)
        second = await repair_gaps(ctx)
    assert first["filled"] == 3 and first["unfilled"] == 0
    assert second["filled"] == 0 and second["gaps"] == 0
    assert await state(sm) == complete
    starts = sorted(int(p["startTime"]) for path, p in fake.requests if path == "/api/v3/klines")
    assert t0 + 3 * HOUR in starts and t0 + 20 * HOUR in starts


async def test_a_replay_without_its_folder_fills_nothing_and_asks_no_one(
    sm: async_sessionmaker[AsyncSession], db_url: str, tmp_path: Path
) -> None:
    t0 = 1_704_067_200_000
    rows = [kline_row(t0 + i * HOUR, "1h", "42000", "42100", "41900", "42050") for i in range(6)]
    async with FakeBinance() as fake:
        fake.add_klines("BTCUSDT", "1h", rows)
        from backend.integrations.binance.client import BinanceRestClient

        async with BinanceRestClient(fake.rest_url) as rest:
            await history.backfill(sm, rest, ["BTCUSDT"], "1h", t0, show_progress=False)
        await drop(sm, "1h", [t0 + 2 * HOUR])
        asked = len(fake.requests)
        settings = make_settings(
            db_url, tmp_path, market_source="replay", market_replay_dir=None,
            binance_rest_url=fake.rest_url, market_symbols=["BTCUSDT"], market_intervals=["1h"],
        )  # fmt: skip
        result = await repair_gaps({"settings": settings, "sessionmaker": sm})
        assert len(fake.requests) == asked
    assert result["gaps"] == 1 and result["filled"] == 0 and result["unfilled"] == 1
