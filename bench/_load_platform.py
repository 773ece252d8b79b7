"""The platform under `bench/load.py`: a fresh PostgreSQL database, a Redis key prefix of its
own, migrations, two API processes and one worker, with the replayed market live.

Processes run as a deployment runs them (Dockerfile.api's `python -m backend.serve`, compose's
`python -m backend.worker`), production settings (`ENV=production`, JSON access log, rate
limits at their defaults). Both API processes are candidates for the market ingestor lease
(one replays, the other follows its frames on the bus); the matcher, alert checker and
scheduler leases go to whichever candidate takes them first. Bench-only settings, each needed
by the harness rather than to make numbers look better: `WEBHOOK_ALLOW_PRIVATE` (the webhook
receiver is the driver, on 127.0.0.1) and `MARKET_HISTORY_IMPORT=no` (the background import of
~490k recorded candles is a one-off of a fresh install, not part of a day's load).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from api_overhead import ROOT, app_env, cpu_seconds, free_port, migrate
from cryptography.fernet import Fernet

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REPLAY_DIR = Path(os.environ.get("BENCH_REPLAY_DIR", str(ROOT.parent / "shared/data/binance")))
# the symbols the recording has (15m files; DATA.md), so every one of them has a live price
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None
    cpu_start_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        """Resident memory (VmRSS) from /proc; 0.0 once the process is gone."""
        try:
            for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def cpu_s(self) -> float:
        return cpu_seconds(self.popen.pid)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Platform:
    tmp: Path
    dsn: str  # plain asyncpg DSN of the bench database
    env: dict[str, str]
    apis: list[Proc] = field(default_factory=list)
    worker: Proc | None = None

    @property
    def procs(self) -> list[Proc]:
        return [*self.apis, *([self.worker] if self.worker else [])]

    @property
    def sqlalchemy_url(self) -> str:
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def platform_env(tmp: Path, dsn: str, prefix: str) -> dict[str, str]:
    env = app_env(tmp)
    env.pop("RATE_LIMIT_DEFAULT")  # the production default (600/minute per user) applies
    env.update(
        {
            "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": prefix,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "MARKET_SOURCE": "replay",
            "MARKET_REPLAY_DIR": str(REPLAY_DIR),
            "MARKET_SYMBOLS": ",".join(SYMBOLS),
            "MARKET_HISTORY_IMPORT": "no",
            "RUN_INGESTOR": "auto",
            "SERVE_WORKER": "no",
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def _spawn(name: str, cmd: list[str], env: dict[str, str], tmp: Path, port: int | None) -> Proc:
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Proc(name, popen, log, port)


def _wait_http(proc: Proc, path: str, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            break
        try:
            if httpx.get(proc.base_url + path, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{proc.name} not ready (exit {proc.popen.poll()}):\n{proc.tail()}")


def _wait_prices(proc: Proc, timeout_s: float = 300.0) -> None:
    """Until the replay has priced every symbol (the feed is live through this process)."""
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    while time.monotonic() < deadline:
        try:
            resp = httpx.get(proc.base_url + "/api/v1/market/tickers", timeout=10.0)
        except httpx.TransportError:
            continue
        if resp.status_code == 200:
            seen = {t["symbol"] for t in resp.json()["tickers"]}
            if seen >= set(SYMBOLS):
                return
        time.sleep(0.5)
    raise SystemExit(f"{proc.name}: no replayed price for {set(SYMBOLS) - seen}:\n{proc.tail()}")


def _stop(proc: Proc, timeout_s: float = 30.0) -> None:
    if proc.popen.poll() is None:
        proc.popen.send_signal(signal.SIGTERM)  # parts stop and give their leases back
        try:
            proc.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait()


@contextmanager
def platform(
    tmp: Path, api_processes: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[Platform]:
    """Database and key prefix made here and dropped at the end, whatever happens between."""
    tag = secrets.token_hex(4)
    dbname = f"bench_load_{tag}"
    dsn = f"{PG_ADMIN.rsplit('/', 1)[0]}/{dbname}"
    asyncio.run(_admin(f'CREATE DATABASE "{dbname}"'))
    plat = Platform(tmp, dsn, platform_env(tmp, dsn, f"bench-load-{tag}:"))
    plat.env.update(extra_env or {})
    try:
        migrate(plat.env, tmp)
        py = sys.executable
        for i in range(api_processes):
            port = free_port()
            env = {**plat.env, "HOST": "127.0.0.1", "PORT": str(port)}
            plat.apis.append(_spawn(f"api-{i + 1}", [py, "-m", "backend.serve"], env, tmp, port))
        plat.worker = _spawn("worker", [py, "-m", "backend.worker"], plat.env, tmp, None)
        for api in plat.apis:
            _wait_http(api, "/health/ready")
        for api in plat.apis:
            _wait_prices(api)
        yield plat
    finally:
        for proc in plat.procs:
            _stop(proc)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        asyncio.run(_drop_prefix(plat.env["REDIS_PREFIX"]))


def stop_all(plat: Platform) -> None:
    """Clean stop before the database checks: nothing writes while they read."""
    for proc in plat.procs:
        _stop(proc)


async def _drop_prefix(prefix: str) -> None:
    """Delete this run's keys (its prefix only: the Redis is shared)."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        for first in range(0, len(keys), 500):
            await client.delete(*keys[first : first + 500])
    finally:
        await client.aclose()
