"""Resident memory of the API process with the whole platform loaded, against the 150 MB aim.

The API runs as production runs it (Dockerfile.api's `python -m backend.serve`, ENV=production,
JSON access log, the image's glibc malloc settings) with only the packages of the API image
importable (bench/_api_image.py: the dev venv's extra packages, pandas first, are not in the
image), in two setups:

- `embedded`: the default, SQLite, jobs in-process, every part in the API process;
- `postgres`: a fresh PostgreSQL database and a private redis-server (its own key prefix too),
  `SERVE_WORKER=no` so that the API is the only candidate for every lease and runs them all.

Both replay the recorded candles (MARKET_REPLAY_DIR, with the background import of their whole
history). The bench waits until every part runs (the feed up, every singleton lease held, the
history import done), settles, reads the process's memory ("idle"), drives a fixed mix of
requests over every domain (bench/_rss_mix.py: market, klines, orders, portfolio, alerts,
indicators through TA-Lib, forecasts, notifications, admin pages, /ws), settles and reads it
again ("loaded"). Memory: RSS, PSS and USS from /proc/<pid>/smaps_rollup, the anonymous and
file-backed parts, the peak (VmHWM), threads, and the native libraries mapped once loaded.
Then what building the app costs: `python -X importtime` of the app factory (top modules by
cumulative time) and each package's own RSS growth while it is imported (bench/_import_cost.py).

  .venv/bin/python bench/rss.py [--setups embedded,postgres] [--rounds 20] [--dev-venv]

`--dev-venv` runs the API with the whole dev venv importable instead (what `make run` in a
development checkout loads). Aim: loaded RSS < 150 MB. Nothing here is a test: it asserts the
answers, never the memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _api_image import BLOCKED_ENV, blocked_modules, image_distributions
from _common import emit
from _rss_mix import Mix, new_trader, one_round, sign_in
from _rss_proc import Memory, memory_of, native_packages, thread_names
from api_overhead import ROOT, free_port, migrate

AIM_MB = 150.0
MB = 2**20
REPLAY_DIR = Path(os.environ.get("BENCH_REPLAY_DIR", str(ROOT.parent / "shared/data/binance")))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ADMIN = ("rssadmin", f"Bench-{secrets.token_urlsafe(16)}")
SETTLE_S = 3.0


def settings_free_env() -> dict[str, str]:
    """The process environment minus every app setting (a developer's .env vars included)."""
    sys.path.insert(0, str(ROOT))
    from backend.config import Settings

    keys = {name.upper() for name in Settings.model_fields}
    return {k: v for k, v in os.environ.items() if k.upper() not in keys}


def api_env(tmp: Path, port: int, database_url: str, redis_url: str | None) -> dict[str, str]:
    env = settings_free_env()
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "LOG_TO_FILE": "false",
            "LOG_DIR": str(tmp / "log"),
            "ADMIN_EMAIL": "rss-admin@example.com",
            "ADMIN_USERNAME": ADMIN[0],
            "ADMIN_PASSWORD": ADMIN[1],
            "MARKET_SOURCE": "replay",
            "MARKET_REPLAY_DIR": str(REPLAY_DIR),
            "BACKUP_DIR": str(tmp / "backups"),
            "FORECAST_MODELS_DIR": str(tmp / "models"),
            "SERVE_WORKER": "no",
            # as Dockerfile.api's runtime stage sets them (override with --env)
            "MALLOC_ARENA_MAX": "2",
            "MALLOC_MMAP_THRESHOLD_": "131072",
        }
    )
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
        env["REDIS_PREFIX"] = f"rss{secrets.token_hex(4)}:"
    return env


@dataclass
class Api:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@contextmanager
def serve(env: dict[str, str], tmp: Path, dev_venv: bool) -> Iterator[Api]:
    """`python -m backend.serve` (through bench/_api_image.py unless `dev_venv`)."""
    launcher = [] if dev_venv else [str(ROOT / "bench" / "_api_image.py")]
    log = tmp / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *launcher, "-m", "backend.serve"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    api = Api(proc, int(env["PORT"]), log)
    try:
        yield api
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def parts_running(http: httpx.Client, admin: dict[str, str]) -> tuple[bool, str]:
    """Every singleton lease held by this process, the feed up, the history import done."""
    health = http.get("/api/v1/admin/health", headers=admin).json()
    components = health["components"]
    leases = [c for c in components if c["name"].startswith("lease:")]
    waiting = [f"{c['name']}={c['reason']}" for c in leases if c["reason"] != "held"]
    feeds = [c for c in components if c["name"].startswith("feed:")]
    waiting += [f"{c['name']}={c['reason']}" for c in feeds if c["status"] != "green"]
    status = http.get("/api/v1/market/status").json()
    if (history := status["history_import"]["state"]) not in ("done", "off"):
        waiting.append(f"history_import={history} {status['history_import']['done']}")
    if not leases or not feeds:
        waiting.append("no lease or feed reported yet")
    return not waiting, ", ".join(waiting)


def wait_until_running(api: Api, timeout_s: float) -> float:
    """Seconds from start until every part runs; exits with the log's end if it never does."""
    start = time.monotonic()
    deadline = start + timeout_s
    admin: dict[str, str] | None = None
    why = "not answering"
    shown = start
    with httpx.Client(base_url=api.base_url, timeout=10.0) as http:
        while time.monotonic() < deadline and api.proc.poll() is None:
            try:
                if admin is None:
                    if http.get("/health/live").status_code == 200:
                        token = asyncio.run(_admin_token(api.base_url))
                        admin = {"Authorization": f"Bearer {token}"}
                else:
                    done, why = parts_running(http, admin)
                    if done:
                        return time.monotonic() - start
                    if time.monotonic() >= shown + 30:
                        shown = time.monotonic()
                        print(f"  waiting for: {why}", flush=True)
            except httpx.TransportError:
                pass
            time.sleep(1.0)
    raise SystemExit(f"the API's parts did not all run ({why}):\n{api.tail()}")


async def _admin_token(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as http:
        return await sign_in(http, *ADMIN)


async def drive(api: Api, rounds: int) -> tuple[Counter[str], int]:
    """The request mix `rounds` times; (requests per route, /ws frames received)."""
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30.0) as http:
        trader_id, token = await new_trader(http)
        admin_token = await sign_in(http, *ADMIN)
        mix = Mix(
            http,
            trader={"Authorization": f"Bearer {token}"},
            admin={"Authorization": f"Bearer {admin_token}"},
            trader_token=token,
        )
        frames = 0
        ws_url = f"ws://127.0.0.1:{api.port}/ws"
        for _ in range(rounds):
            frames += await one_round(mix, trader_id, ws_url)
        return mix.calls, frames


def import_cost(env: dict[str, str], dev_venv: bool, top: int) -> dict[str, object]:
    """bench/_import_cost.py in a fresh process with the API's settings: its JSON, plus the
    `-X importtime` figures of the slowest modules (cumulative) and the RSS growth per package."""
    launcher = [] if dev_venv else ["_api_image.py"]
    cmd = [sys.executable, "-X", "importtime", *launcher, "-m", "_import_cost"]
    done = subprocess.run(
        cmd, cwd=ROOT / "bench", env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"_import_cost failed:\n{done.stderr[-3000:]}")
    report: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    times: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if match := re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line):
            times.append((int(match.group(1)), match.group(3)))
    packages: Counter[str] = Counter()
    own: dict[str, int] = report.pop("own_rss")  # type: ignore[assignment]
    for module, grown in own.items():
        parts = module.split(".")
        packages[".".join(parts[:2]) if parts[0] == "backend" else parts[0]] += grown
    report["slowest_ms"] = [(name, round(us / 1000, 1)) for us, name in sorted(times)[::-1][:top]]
    report["packages_mb"] = [(name, round(b / MB, 1)) for name, b in packages.most_common(top)]
    return report


def pg_database() -> tuple[str, str]:
    """A fresh database: (its asyncpg URL for the app, its name)."""
    import asyncpg

    name = f"bench_rss_{secrets.token_hex(4)}"

    async def create() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}", name


def drop_pg_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@contextmanager
def backing(setup: str, tmp: Path) -> Iterator[tuple[str, str | None]]:
    """(database URL, Redis URL) for the setup, removed afterwards."""
    if setup == "embedded":
        yield f"sqlite+aiosqlite:///{tmp / 'app.db'}", None
        return
    sys.path.insert(0, str(ROOT))
    from tests.core.redis_proc import RedisProcess

    redis = RedisProcess(tmp)
    redis.start()
    url, name = pg_database()
    try:
        yield url, redis.url
    finally:
        redis.stop()
        drop_pg_database(name)


def settled(pid: int) -> Memory:
    time.sleep(SETTLE_S)
    return memory_of(pid)


def run_setup(setup: str, args: argparse.Namespace, blocked: str) -> dict[str, Any]:
    dev_venv: bool = args.dev_venv
    with tempfile.TemporaryDirectory(prefix=f"bench-rss-{setup}-") as name:
        tmp = Path(name)
        with backing(setup, tmp) as (database_url, redis_url):
            env = api_env(tmp, free_port(), database_url, redis_url)
            env["MARKET_HISTORY_IMPORT"] = args.history_import
            env.update(item.split("=", 1) for item in args.env)
            if not dev_venv:
                env[BLOCKED_ENV] = blocked
            migrate(env, tmp)
            with serve(env, tmp, dev_venv) as api:
                started_s = wait_until_running(api, args.timeout)
                threads = thread_names(api.proc.pid)
                idle = settled(api.proc.pid)
                idle_native = native_packages(api.proc.pid)
                calls, frames = asyncio.run(drive(api, args.rounds))
                loaded = settled(api.proc.pid)
                loaded_native = native_packages(api.proc.pid)
            cost = import_cost(env, dev_venv, top=15)
    return {
        "setup": setup,
        "running_after_s": round(started_s, 1),
        "idle": idle,
        "loaded": loaded,
        "requests": sum(calls.values()),
        "routes": len(calls),
        "ws_frames": frames,
        "native_idle": sorted(idle_native),
        "native_added": sorted(loaded_native - idle_native),
        "threads": threads,
        "import": cost,
    }


def report(result: dict[str, Any], imports: str) -> None:
    idle: Memory = result["idle"]
    loaded: Memory = result["loaded"]
    cost = result["import"]
    print(f"\n--- {result['setup']} ({imports}; every part running after "
          f"{result['running_after_s']} s) ---")  # fmt: skip
    print(f"  {'':<10}{'RSS':>8}{'PSS':>8}{'USS':>8}{'anon':>8}{'file':>8}{'peak':>8}  threads")
    for label, mem in (("idle", idle), ("loaded", loaded)):
        m = mem.as_mb()
        print(f"  {label:<10}{m['rss']:>8}{m['pss']:>8}{m['uss']:>8}{m['anonymous']:>8}"
              f"{m['file']:>8}{m['peak']:>8}  {m['threads']}")  # fmt: skip
    print(f"  loaded RSS / aim {AIM_MB:.0f} MB: {loaded.rss / MB / AIM_MB:.2f}"
          f"   ({result['requests']} requests over {result['routes']} routes and /ws,"
          f" {result['ws_frames']} /ws frames)")  # fmt: skip
    print(f"  threads at idle: {', '.join(f'{n} x{c}' for n, c in result['threads'].items())}")
    print(f"  native extensions at idle: {', '.join(result['native_idle'])}")
    print(f"  loaded by the requests: {', '.join(result['native_added']) or 'none'}")
    print(
        f"  building the app alone: {cost['rss_imported'] / MB:.0f} MB after the imports "
        f"({cost['modules']} modules), {cost['rss_app'] / MB:.0f} MB after create_app()"
    )
    print(
        "  own RSS growth while imported (MB):  "
        + ", ".join(f"{n} {mb}" for n, mb in cost["packages_mb"])
    )
    print(
        "  slowest imports, cumulative (ms):  "
        + ", ".join(f"{n} {ms}" for n, ms in cost["slowest_ms"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--setups", default="embedded,postgres")
    parser.add_argument("--rounds", type=int, default=20, help="times the request mix runs")
    parser.add_argument("--dev-venv", action="store_true", help="the whole dev venv importable")
    parser.add_argument("--timeout", type=float, default=600.0, help="s until every part runs")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="an extra variable for the API process (e.g. MALLOC_ARENA_MAX=2); repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--history-import", choices=("auto", "no"), default="auto",
        help="MARKET_HISTORY_IMPORT: `no` skips importing the recordings' whole history first",
    )  # fmt: skip
    args = parser.parse_args()
    setups = [s for s in args.setups.split(",") if s]
    if unknown := set(setups) - {"embedded", "postgres"}:
        raise SystemExit(f"unknown setups: {unknown}")
    if not REPLAY_DIR.is_dir():
        raise SystemExit(f"no recorded candles at {REPLAY_DIR} (BENCH_REPLAY_DIR)")
    blocked = ",".join(sorted(blocked_modules(image_distributions())))
    imports = "the whole dev venv" if args.dev_venv else "the API image's packages only"
    print(f"API process memory, {imports}; aim: loaded RSS < {AIM_MB:.0f} MB")
    figures: dict[str, object] = {"imports": "dev" if args.dev_venv else "image"}
    for setup in setups:
        result = run_setup(setup, args, blocked)
        report(result, imports)
        figures[setup] = {
            "idle_mb": result["idle"].as_mb(),
            "loaded_mb": result["loaded"].as_mb(),
            "ratio_to_aim": round(result["loaded"].rss / MB / AIM_MB, 2),
            "import_mb": round(result["import"]["rss_app"] / MB, 1),
        }
    emit("rss", figures)


if __name__ == "__main__":
    main()
