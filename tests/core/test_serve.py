"""`make run` with PostgreSQL and Redis (`python -m backend.serve` in a real subprocess): the API
takes the singleton leases it can, a job worker runs beside it, tickers move and a resting order
fills. Then SIGTERM stops the API and its worker and every lease is released."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from tests.conftest import REDIS_URL, ROOT, SHARED

PASSWORD = "correct horse battery staple 42"


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                pids.append(int(stat.parent.name))
    return pids


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(cond: Callable[[], Awaitable[Any]], timeout_s: float, what: str) -> Any:
    async def loop() -> Any:
        while True:
            value = await cond()
            if value:
                return value
            await asyncio.sleep(0.2)

    try:
        return await asyncio.wait_for(loop(), timeout_s)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_make_run_with_postgres_and_redis_moves_prices_and_fills_orders(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test",
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=db_url,
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=redis_prefix,
        MARKET_SOURCE="replay",
        MARKET_REPLAY_DIR=str(SHARED / "data" / "binance"),
        MARKET_HISTORY_IMPORT="no",  # the full-history import is tested in tests/market
        MARKET_SYMBOLS="BTCUSDT",
        WEB_DIST_DIR=str(tmp_path / "no-dist"),
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_ENABLED="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its worker child shares the group: nothing can outlive it
    )
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:

            async def market_up() -> bool:
                try:
                    r = await c.get("/health/ready")
                except httpx.TransportError:
                    return False
                return r.status_code == 200 and r.json()["checks"]["market"]["state"] == "up"

            await _until(market_up, 90, "the API with a live market feed")

            async def ticker() -> dict[str, Any]:
                r = await c.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
                return dict(r.json()) if r.status_code == 200 else {}

            first = await _until(ticker, 30, "a ticker")

            async def moved() -> bool:
                return (await ticker())["event_time"] != first["event_time"]

            await _until(moved, 30, "the ticker to move")

            body = {"email": "run@example.com", "username": "runner", "password": PASSWORD}
            assert (await c.post("/api/v1/auth/register", json=body)).status_code == 201
            login = await c.post(
                "/api/v1/auth/login", data={"username": "runner", "password": PASSWORD}
            )
            h = {"Authorization": f"Bearer {login.json()['access_token']}"}
            buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
            assert (await c.post("/api/v1/orders", headers=h, json=buy)).status_code == 201
            last = D((await ticker())["last_price"])
            for side, factor in (("SELL", D("1.0002")), ("BUY", D("0.9998"))):
                limit = {
                    "symbol": "BTCUSDT", "side": side, "type": "LIMIT", "quantity": "0.001",
                    "price": str((last * factor).quantize(D("0.01"))), "time_in_force": "GTC",
                }  # fmt: skip
                r = await c.post("/api/v1/orders", headers=h, json=limit)
                assert r.status_code == 201, r.text

            async def a_limit_filled() -> bool:
                orders = (await c.get("/api/v1/orders", headers=h)).json()
                return any(o["type"] == "LIMIT" and o["status"] == "FILLED" for o in orders)

            await _until(a_limit_filled, 90, "a resting limit order to fill")
            # every singleton is held in this deployment (the history import is off here)
            leases = sorted([k.decode() async for k in redis.scan_iter(f"{redis_prefix}lease:*")])
            assert [k.removeprefix(redis_prefix) for k in leases] == [
                "lease:alerts.checker", "lease:forecasting.refresh", "lease:jobs.scheduler",
                "lease:market.ingestor", "lease:trading.matcher",
            ]  # fmt: skip

            # the scheduler's crons run on the worker child (arq), as in a scaled-out deployment
            async def worker_alive() -> bool:
                return bool(await redis.exists(f"{redis_prefix}jobs:health-check"))

            await _until(worker_alive, 30, "the arq worker child's health check")
        children = _group_members(proc.pid)
        assert len(children) >= 2, children  # the API and its worker child
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0  # a clean exit through `finally`, which stops the worker

        async def group_gone() -> bool:
            return not _group_members(proc.pid)

        await _until(group_gone, 20, "the worker child to stop with the API")
        # nobody is left to take the leases over: every one is released and stays released
        assert not [k async for k in redis.scan_iter(f"{redis_prefix}lease:*")]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # a worker child left behind, if any
        await redis.aclose()
