"""`make ingestor` (`python -m backend.market.ingestor`, a real process) holds the ingestor lease
and feeds an API replica that only follows (RUN_INGESTOR=no); SIGTERM gives the lease back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from backend.main import create_app
from backend.market.feed import INGESTOR_LEASE
from tests.conftest import REDIS_URL, ROOT, SHARED, asgi_client, make_settings


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_the_ingestor_process_feeds_a_following_api(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test", DATABASE_URL=db_url, REDIS_URL=REDIS_URL, REDIS_PREFIX=redis_prefix,
        MARKET_SOURCE="replay", MARKET_REPLAY_DIR=str(SHARED / "data" / "binance"),
        MARKET_SYMBOLS="BTCUSDT", LOG_TO_FILE="false", LOG_LEVEL="INFO",
    )  # fmt: skip
    log = tmp_path / "ingestor.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.market.ingestor"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, run_ingestor="no",
        jobs_inline=True, market_symbols=["BTCUSDT"],
    )  # fmt: skip
    app = create_app(settings)
    redis = aioredis.Redis.from_url(REDIS_URL)
    key = f"{redis_prefix}lease:{INGESTOR_LEASE}"
    try:
        async with app.router.lifespan_context(app), asgi_client(app) as client:

            async def fed() -> bool:
                r = await client.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
                ready = (await client.get("/health/ready")).json()
                return r.status_code == 200 and ready["checks"]["market"]["state"] == "up"

            async with asyncio.timeout(60):
                while not await fed():
                    await asyncio.sleep(0.2)
            assert await redis.exists(key)
            assert app.state.runtime.market.status.ingestor == "remote"
        proc.send_signal(signal.SIGTERM)
        try:  # a clean stop flushes the pipeline and gives the lease back: seconds, not a minute
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0, f"exit {code}; the ingestor's last lines: {log.read_text()[-3000:]}"
        assert not await redis.exists(key)  # given back on a clean stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        await redis.aclose()
