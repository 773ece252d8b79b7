"""A mixed load of simulated users against the platform on PostgreSQL + Redis: two API
processes and a worker, the replayed market live; then the ledger and the alert and
notification exactly-once checks over the whole database.

  .venv/bin/python bench/load.py [--users 500] [--duration 60] [--think-s 2]
      [--ws-share 1.0] [--webhook-share 0.2]     (`make bench`: --users 100 --duration 20)
      [--api-processes 2] [--env LEASE_TTL_S=60 ...]   (a setting for every process)

Phases: start the platform (bench/_load_platform.py: a fresh database and Redis prefix, both
removed at the end); sign up every user (register, login, and a webhook for
`--webhook-share` of them: production Argon2, not timed with the load); open one `/ws` stream
per user (`--ws-share`: ticker + 1m klines of one symbol and the private `user` stream); then
every user loops over weighted actions (bench/_load_user.py: browse markets, klines,
indicators, limit and market orders, cancels, orders/account/portfolio, alerts half of which
fire within seconds, notifications) with an exponential think time (mean `--think-s`) for
`--duration` seconds. Printed: requests/s, per endpoint count/p50/p99/refusals/errors, `/ws`
frames, RSS and CPU of each process. The drain then pauses every alert, waits until the
outbox has sent everything and each notification reached its stream, stops the processes
cleanly and runs the checks (bench/_load_checks.py).

Exits 1 on any error (a 5xx, an unexpected 4xx, a timeout, a stream closed by the server) or
any failed check. Benches assert correctness, never time (STYLE.md §11).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg
import uvloop
from _common import emit, raise_fd_limit
from _load_checks import Hooks, Report, alerts, ledger, orders
from _load_platform import Platform, platform, stop_all
from _load_stats import Stats
from _load_user import Config, Market, User
from aiohttp import web
from api_overhead import cpu_seconds

from backend.notifications.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

DRAIN_TIMEOUT_S = 90.0


async def _bounded(limit: int, jobs: list[Awaitable[Any]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Awaitable[Any]) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(one(j) for j in jobs))


async def _receiver(users: dict[int, User], hooks: Hooks) -> tuple[web.AppRunner, str]:
    """The users' webhook endpoint: `/hook/<user id>`, each request checked with that user's
    secret and recorded by its Idempotency-Key."""

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        user = users.get(int(request.match_info["uid"]))
        if user is None or user.webhook_secret is None:
            hooks.unknown_path += 1
            return web.Response(status=404)
        signed = verify(
            user.webhook_secret,
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
        )
        key = request.headers.get("Idempotency-Key", "")
        hooks.received.setdefault(key, []).append((user.user_id, signed))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook/{uid:[0-9]+}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hook"


async def _quiet(dsn: str, users: list[User]) -> float:
    """Wait until nothing is pending in the outbox, the notification count holds still for
    3 s and every open stream has its user's notifications; the seconds it took."""
    start = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        stable_since, last = time.monotonic(), -1
        while time.monotonic() - start < DRAIN_TIMEOUT_S:
            pending = await conn.fetchval(
                "SELECT count(*) FROM notification_deliveries WHERE state = 'pending'"
            )
            count = await conn.fetchval("SELECT count(*) FROM notifications")
            if count != last:
                stable_since, last = time.monotonic(), count
            seen = sum(len(set(u.notifications_seen)) for u in users if u.ws_closed is None)
            watched = [u.user_id for u in users if u.config.ws and u.ws_closed is None]
            expected = await conn.fetchval(
                "SELECT count(*) FROM notifications WHERE user_id = ANY($1::int[])", watched
            )
            if pending == 0 and time.monotonic() - stable_since >= 3 and seen >= expected:
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    return time.monotonic() - start


async def drive(plat: Platform, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    stats, hooks = Stats(), Hooks()
    by_id: dict[int, User] = {}
    runner, hook_url = await _receiver(by_id, hooks)
    timeout = aiohttp.ClientTimeout(total=60)
    # idle connections are closed before uvicorn's keep-alive (5 s) would close them under a
    # request in flight (a reset POST)
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=3.0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        api0 = plat.apis[0].base_url + "/api/v1/market"
        async with http.get(api0 + "/symbols") as s, http.get(api0 + "/tickers") as t:
            market = Market.parse(await s.json(), await t.json())
        users = []
        for i in range(args.users):
            n = len(plat.apis)
            cfg = Config(
                args.think_s,
                hook_url if rng.random() < args.webhook_share else None,
                rng.random() < args.ws_share,
            )
            users.append(
                User(
                    i,
                    http,
                    plat.apis[i % n].base_url,
                    plat.apis[(i // n) % n].base_url,
                    market,
                    stats,
                    cfg,
                    random.Random(rng.random()),
                )
            )
        start = time.monotonic()
        signed = await _bounded(args.signup_concurrency, [u.sign_up() for u in users])
        signup_s = time.monotonic() - start
        users = [u for u, ok in zip(users, signed, strict=True) if ok]
        by_id.update({u.user_id: u for u in users})
        print(f"signed up {len(users)}/{args.users} users in {signup_s:.1f} s", flush=True)

        stop = asyncio.Event()
        streaming = [u for u in users if u.config.ws]
        ready = [asyncio.Event() for _ in streaming]
        streams = [
            asyncio.ensure_future(u.stream(r, stop)) for u, r in zip(streaming, ready, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 120)
        frames_before = sum(u.ws_frames for u in streaming)
        print(f"{len(streaming)} /ws streams open; load for {args.duration:.0f} s", flush=True)

        cpu_before = {p.name: p.cpu_s() for p in plat.procs}
        driver_before = cpu_seconds(os.getpid())
        stats.recording = True
        start = time.monotonic()
        await asyncio.gather(*(u.run(start + args.duration) for u in users))
        elapsed = time.monotonic() - start
        stats.recording = False
        frames = sum(u.ws_frames for u in streaming) - frames_before
        cpu = {p.name: (p.cpu_s() - cpu_before[p.name]) / elapsed for p in plat.procs}
        cpu["driver"] = (cpu_seconds(os.getpid()) - driver_before) / elapsed
        rss = {p.name: p.rss_mb() for p in plat.procs}

        await _bounded(32, [u.pause_alerts() for u in users])
        drain_s = await _quiet(plat.dsn, users)
        stop.set()
        await asyncio.gather(*streams)
    await runner.cleanup()
    return {
        "users": users,
        "stats": stats,
        "hooks": hooks,
        "elapsed": elapsed,
        "frames": frames,
        "cpu": cpu,
        "rss": rss,
        "signup_s": signup_s,
        "drain_s": drain_s,
        "streams": len(streaming),
    }


async def check(plat: Platform, run: dict[str, Any]) -> Report:
    report = Report()
    conn = await asyncpg.connect(plat.dsn)
    try:
        await orders(conn, run["users"], report)
        await alerts(conn, run["users"], run["hooks"], report)
        await ledger(conn, plat.sqlalchemy_url, run["users"], report)
    finally:
        await conn.close()
    return report


def show(run: dict[str, Any], report: Report, args: argparse.Namespace) -> dict[str, Any]:
    stats: Stats = run["stats"]
    secs = run["elapsed"]
    print(f"\n{len(run['users'])} users, {secs:.1f} s, think time {args.think_s} s (mean)")
    print(
        f"  requests {stats.requests:,}  ({stats.requests / secs:,.1f} req/s), "
        f"errors {stats.errors}"
    )
    print("\n".join(stats.table(secs)))
    print(
        f"  /ws: {run['streams']} streams, {run['frames']:,} frames "
        f"({run['frames'] / secs:,.0f}/s) during the load"
    )
    for name, mb in run["rss"].items():
        print(f"  {name:<8} RSS {mb:7.1f} MB   CPU {run['cpu'][name] * 100:5.1f} % of a core")
    print(f"  driver   CPU {run['cpu']['driver'] * 100:5.1f} % of a core (this process)")
    print(f"  sign-up {run['signup_s']:.1f} s, drain {run['drain_s']:.1f} s")
    for kind, n in sorted(run["stats"].refusal_kinds.items()):
        print(f"  refused: {kind} x{n}")
    if stats.errors:
        kinds = ", ".join(f"{k} x{n}" for k, n in stats.error_kinds.most_common())
        print(f"  errors by kind: {kinds}")
    for sample in stats.error_samples:
        print(f"  error: {sample}")
    print("\nchecks over the whole database:")
    for name, value in sorted(report.figures.items()):
        print(f"  {name:<28} {value:,}")
    for failure in report.failures:
        print(f"  FAILED {failure}")
    if not report.failures:
        print("  all checks passed")
    return {
        "users": len(run["users"]),
        "seconds": round(secs, 1),
        "rps": round(stats.requests / secs, 1),
        "errors": stats.errors,
        "ws_frames": run["frames"],
        "endpoints": stats.figures(),
        "rss_mb": {k: round(v, 1) for k, v in run["rss"].items()},
        "cpu_cores": {k: round(v, 2) for k, v in run["cpu"].items()},
        "checks": report.figures,
        "failed_checks": len(report.failures),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think-s", type=float, default=2.0, help="mean pause between actions")
    parser.add_argument("--ws-share", type=float, default=1.0, help="users with a /ws stream")
    parser.add_argument("--webhook-share", type=float, default=0.2, help="users with a webhook")
    parser.add_argument("--signup-concurrency", type=int, default=16)
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for every process",
    )
    args = parser.parse_args()
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        extra = dict(item.split("=", 1) for item in args.env)
        with platform(tmp, args.api_processes, extra) as plat:
            run = uvloop.run(drive(plat, args))
            stop_all(plat)
            report = asyncio.run(check(plat, run))
    except BaseException:
        print(f"process logs kept in {tmp}")
        raise
    figures = show(run, report, args)
    emit("load", figures)
    if run["stats"].errors or report.failures:
        print(f"process logs kept in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
