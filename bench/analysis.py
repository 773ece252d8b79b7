"""`GET /api/v1/analysis/indicators` for 1,000 candles and six indicators vs TA-Lib called
in-process on the same arrays, in the same run: requests/s and p99, cold (cache cleared before
each request: the SQL, the arrays, TA-Lib, the formatting) and cached (the same window again).

The app runs in-process (httpx's ASGI transport: the full middleware stack, auth, validation,
JSON; no socket) on a migrated SQLite file, or the database of `--database-url`; BTCUSDT 1h's
whole recorded history (../shared/data/binance) is stored first. Every answer is checked against
the bare TA-Lib values (1e-6 relative).

  .venv/bin/python bench/analysis.py [--requests 200] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import math
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import talib
from _common import emit, row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.analysis.router import indicator_cache  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.db import transaction  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.market.repository import CandleRepository  # noqa: E402
from backend.security import Role, encode_access_token  # noqa: E402
from backend.users.models import User  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "binance" / "1h" / "BTCUSDT.csv.gz"
SPECS = "sma:20,ema:50,rsi:14,macd:12:26:9,bbands:20:2,atr:14"
LIMIT = 1000
HOUR = 3_600_000


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def load_rows() -> list[dict[str, Any]]:
    with gzip.open(DATA, "rt") as f:
        reader = csv.reader(f)
        next(reader)
        return [
            {
                "symbol": "BTCUSDT", "interval": "1h", "open_time": int(r[0]),
                "close_time": int(r[0]) + HOUR - 1, "open": Decimal(r[1]), "high": Decimal(r[2]),
                "low": Decimal(r[3]), "close": Decimal(r[4]), "volume": Decimal(r[5]),
                "quote_volume": Decimal(0), "trades": 1, "taker_buy_base": Decimal(0),
                "taker_buy_quote": Decimal(0), "source": "import",
            }
            for r in reader
        ]  # fmt: skip


def bare(close: np.ndarray, high: np.ndarray, low: np.ndarray) -> dict[str, np.ndarray]:
    """The same six indicators, TA-Lib on the arrays (what the API must equal)."""
    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0)
    return {
        "sma": talib.SMA(close, 20), "ema": talib.EMA(close, 50), "rsi": talib.RSI(close, 14),
        "macd": macd, "signal": signal, "hist": hist, "upper": upper, "middle": middle,
        "lower": lower, "atr": talib.ATR(high, low, close, 14),
    }  # fmt: skip


def check(body: dict[str, Any], want: dict[str, np.ndarray]) -> None:
    got = {name: values for outputs in body["series"].values() for name, values in outputs.items()}
    assert len(body["open_times"]) == LIMIT, len(body["open_times"])
    for name, expected in want.items():
        values = np.array([np.nan if v is None else float(v) for v in got[name]])
        tail = expected[-LIMIT:]
        assert np.allclose(values, tail, rtol=1e-6, atol=1e-9, equal_nan=True), name


async def timed(n: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """(calls per second, p99 ms) of n sequential awaits of fn."""
    lat: list[float] = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        await fn()
        lat.append((time.perf_counter() - t0) * 1000)
    return n / (time.perf_counter() - start), percentile(lat, 99)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'app.db'}"
        settings = Settings(
            _env_file=None, env="test", database_url=url, redis_url=None, log_to_file=False,
            log_level="WARNING", log_access=False, web_dist_dir=Path(tmp) / "none",
            market_source="replay", market_replay_dir=None, run_ingestor="no",
            rate_limit_enabled=False,
        )  # fmt: skip
        if url.startswith("sqlite"):
            from alembic.config import Config

            from alembic import command

            cfg = Config(str(ROOT / "alembic.ini"))
            cfg.set_main_option("script_location", str(ROOT / "alembic"))
            cfg.attributes["url"] = url
            await asyncio.to_thread(command.upgrade, cfg, "head")
        app = create_app(settings)
        rows = load_rows()
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            async with transaction(runtime.sessionmaker) as tx:
                for i in range(0, len(rows), 5000):
                    await CandleRepository(tx.session).insert_candles(rows[i : i + 5000])
                now = datetime.now(UTC)
                user = User(
                    email="bench@example.com", username="bench", username_key="bench",
                    password_hash="x", role=Role.TRADER, is_active=True, token_version=0,
                    created_at=now, updated_at=now,
                )  # fmt: skip
                tx.session.add(user)
                await tx.session.flush()
                uid = user.id
            token = encode_access_token(
                settings, user_id=uid, role=Role.TRADER, token_version=0, now=now
            )
            headers = {"Authorization": f"Bearer {token}"}
            close = np.array([float(r["close"]) for r in rows])
            high = np.array([float(r["high"]) for r in rows])
            low = np.array([float(r["low"]) for r in rows])
            want = bare(close, high, low)
            # the arrays the API itself reads for this window: 1,000 candles + the longest warm-up
            w = 1000 + 900
            c, h, lo = close[-w:].copy(), high[-w:].copy(), low[-w:].copy()
            params: dict[str, Any] = {
                "symbol": "BTCUSDT",
                "interval": "1h",
                "indicators": SPECS,
                "limit": LIMIT,
            }
            cache = indicator_cache(runtime)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def get() -> None:
                    r = await client.get(
                        "/api/v1/analysis/indicators", params=params, headers=headers
                    )
                    assert r.status_code == 200, r.text[:300]

                r = await client.get("/api/v1/analysis/indicators", params=params, headers=headers)
                check(r.json(), want)

                async def cold() -> None:
                    cache.clear()
                    await get()

                async def talib_only() -> None:
                    bare(c, h, lo)

                n = args.requests
                cold_rps, cold_p99 = await timed(n, cold)
                cached_rps, cached_p99 = await timed(n, get)
                bare_rps, bare_p99 = await timed(n * 5, talib_only)
                r = await client.get("/api/v1/analysis/indicators", params=params, headers=headers)
                check(r.json(), want)
    print(f"indicators: {LIMIT} candles x 6 ({SPECS}), {n} requests each, {url.split(':')[0]}")
    row("cold requests/s", cold_rps, bare_rps, "req/s")
    row("cached requests/s", cached_rps, bare_rps, "req/s")
    row("cold p99", cold_p99, bare_p99, "ms")
    row("cached p99", cached_p99, bare_p99, "ms")
    emit(
        "analysis",
        {
            "cold_rps": round(cold_rps, 1), "cold_p99_ms": round(cold_p99, 3),
            "cached_rps": round(cached_rps, 1), "cached_p99_ms": round(cached_p99, 3),
            "talib_rps": round(bare_rps, 1), "talib_p99_ms": round(bare_p99, 3),
        },
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
