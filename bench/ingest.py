"""Candles/s stored on PostgreSQL through the backfill path vs a raw asyncpg COPY, same rows.

Ours: `backend.market.history.store` in the backfill's batches (10,000 rows) — dict rows ->
CandleRepository.insert_candles -> COPY into a temp table + INSERT ... ON CONFLICT DO NOTHING,
one transaction per batch. Bare: `copy_records_to_table` of the same tuples straight into an
empty copy of the table (no conflict handling, no ORM, one COPY per batch). A throwaway
database is created and dropped. Both must end with every row stored (asserted).

  .venv/bin/python bench/ingest.py [--rows 200000] [--pg postgresql://postgres@127.0.0.1:5432]

Aim: ours at least 0.3 of the bare COPY's candles/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from _common import emit, row
from alembic.config import Config

from alembic import command
from backend.db import make_engine, make_sessionmaker
from backend.integrations.binance.schemas import Kline
from backend.market import history
from backend.market.repository import CANDLE_COLUMNS, candle_row

ROOT = Path(__file__).resolve().parent.parent
HOUR = 3_600_000
T0 = 1_577_836_800_000  # 2020-01-01


def make_rows(n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        symbol = f"S{i % 20:02d}USDT"
        t = T0 + (i // 20) * HOUR
        p = Decimal(10_000 + i % 977) / 100
        k = Kline(symbol, "1h", t, t + HOUR - 1, p, p + 1, p - 1, p, Decimal("12.34567800"),
                  Decimal("123456.78900000"), 321, Decimal("6.1"), Decimal("61728.39"))  # fmt: skip
        rows.append(candle_row(k, "binance"))
    return rows


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


async def ours(url: str, rows: list[dict[str, object]]) -> float:
    engine = make_engine(url, pool_size=1)
    sm = make_sessionmaker(engine)
    start = time.perf_counter()
    new = 0
    for i in range(0, len(rows), history.BATCH):
        new += await history.store(sm, rows[i : i + history.BATCH])
    elapsed = time.perf_counter() - start
    again = await history.store(sm, rows[: history.BATCH])  # idempotent: nothing new
    await engine.dispose()
    assert new == len(rows), (new, len(rows))
    assert again == 0
    return len(rows) / elapsed


async def truncate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("TRUNCATE candles")
    await conn.close()


async def bare(dsn: str, rows: list[dict[str, object]], table: str) -> float:
    conn = await asyncpg.connect(dsn)
    await conn.execute(f"CREATE TABLE {table} (LIKE candles INCLUDING ALL)")
    records = [tuple(r[c] for c in CANDLE_COLUMNS) for r in rows]  # same conversion work
    start = time.perf_counter()
    for i in range(0, len(records), history.BATCH):
        async with conn.transaction():
            await conn.copy_records_to_table(
                table, records=records[i : i + history.BATCH], columns=list(CANDLE_COLUMNS)
            )
    elapsed = time.perf_counter() - start
    count = await conn.fetchval(f"SELECT count(*) FROM {table}")
    await conn.close()
    assert count == len(rows)
    return len(rows) / elapsed


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    args = parser.parse_args()
    dbname = f"bench_ingest_{os.getpid()}"
    admin = await asyncpg.connect(f"{args.pg}/postgres")
    await admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        dsn = f"{args.pg}/{dbname}"
        sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        await asyncio.to_thread(migrate, sa_url)
        rows = make_rows(args.rows)
        # Alternate the two (bare first) and keep each one's best run: the machine is shared.
        bare_rate = await bare(dsn, rows, "candles_bare_1")
        ours_rate = await ours(sa_url, rows)
        await truncate(dsn)
        bare_rate = max(bare_rate, await bare(dsn, rows, "candles_bare_2"))
        ours_rate = max(ours_rate, await ours(sa_url, rows))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await admin.close()
    print(f"ingest: {args.rows:,} candles, batches of {history.BATCH:,}, PostgreSQL")
    row("candles stored", ours_rate, bare_rate, "rows/s")
    emit("ingest", {"rows": args.rows, "ours_rows_per_s": round(ours_rate, 1),
                    "bare_rows_per_s": round(bare_rate, 1),
                    "ratio": round(ours_rate / bare_rate, 3)})  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
