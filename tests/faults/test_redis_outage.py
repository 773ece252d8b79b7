"""Redis SIGKILLed under the whole platform and started again on the same port (empty: no
persistence), in one realistic run: the API (uvicorn, PostgreSQL) ingests a fake Binance and holds
the ingestor lease, a real worker process (`python -m backend.worker`, arq) holds the matcher and
alert checker leases, a browser-like `/stream` client follows BTCUSDT trades and a signed-in user
keeps browsing.

While Redis is down: every request is answered (no 5xx), login works and is still rate limited
(counted in memory: backend/ratelimit.py), `/health/ready` stays 200 and says the bus is down, the
`/stream` socket stays open and answers its heartbeat, the API gives its leases up, the worker
stays up (arq alone exits on the first failed poll), an alert can be created, and a manual task
run is refused with 503 `jobs_unavailable` (before: accepted, never queued, and the task blocked
for 10 minutes). After the restart: trades reach the same socket again, every singleton lease is
held again and the API's view of the ones it holds matches Redis, the alert created in the outage
fires once and its webhook arrives once, and a manual task run goes API -> Redis -> worker ->
succeeded. The figures are printed for README "Reliability" > "Faults"."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from backend.alerts.part import CHECKER_LEASE
from backend.bus import RedisBus
from backend.market.feed import INGESTOR_LEASE
from backend.runtime import Runtime
from backend.scheduler import SCHEDULER_LEASE
from backend.trading.lifespan import MATCHER_LEASE
from tests.admin_app import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_USERNAME
from tests.auth.helpers import bearer, login, login_resp, signup
from tests.conftest import make_settings
from tests.core.redis_proc import RedisProcess
from tests.fakes.binance_events import trade_event
from tests.fakes.binance_server import FakeBinance
from tests.faults.outage_clients import StreamClient, Traffic, WorkerProcess, until
from tests.notifications.receiver import Receiver, receiver
from tests.realtime.conftest import serve

LOGIN_LIMIT = 4  # per client address and minute
PROBE = {"X-Forwarded-For": "198.51.100.7"}  # the rate-limit probe's address (via loopback)
SINGLETONS = (INGESTOR_LEASE, MATCHER_LEASE, CHECKER_LEASE, SCHEDULER_LEASE)
TASK = "auth.prune"  # a quick scheduled task, run by hand through the admin API


@dataclass
class Platform:
    rt: Runtime
    c: httpx.AsyncClient
    keys: aioredis.Redis
    redis: RedisProcess
    hook: Receiver
    worker: WorkerProcess
    stream: StreamClient
    admin: dict[str, str]
    user: dict[str, str]
    figures: dict[str, Any] = field(default_factory=dict)

    def lease_key(self, name: str) -> str:
        return f"{self.rt.settings.redis_prefix}lease:{name}"

    async def holders(self) -> dict[str, bytes | None]:
        return {n: await self.keys.get(self.lease_key(n)) for n in SINGLETONS}

    async def run_task(self) -> httpx.Response:
        return await self.c.post(f"/api/v1/admin/tasks/{TASK}/run", headers=self.admin)


async def push_trades(fake: FakeBinance) -> None:
    """The exchange keeps trading: ten BTCUSDT trades a second at 60,000."""
    n = 0
    while True:
        n += 1
        now = int(time.time() * 1000)
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", n, "60000", "0.1", now))
        await asyncio.sleep(0.1)


async def outage(p: Platform) -> int:
    """Kill Redis and check every part while it is down; returns the new alert's id."""
    p.redis.stop()  # SIGKILL
    killed = p.figures["killed_at"] = time.monotonic()
    bus = p.rt.bus
    assert isinstance(bus, RedisBus)
    p.figures["bus_down_seen_s"] = await until(
        lambda: _false(bus.connected), "the bus reader to see the outage"
    )
    await until(lambda: _true(not p.rt.leases.held()), "the API to give its leases up", 10)

    ready = await p.c.get("/health/ready")
    assert ready.status_code == 200, ready.text  # a Redis outage never fails readiness
    assert ready.json()["checks"]["bus"]["ok"] is False, ready.json()

    logins = [(await login_resp(p.c, "trader", headers=PROBE)).status_code for _ in range(5)]
    assert logins == [200] * LOGIN_LIMIT + [429], logins  # counted in memory meanwhile

    r = await p.c.post("/api/v1/alerts", headers=p.user, json={
        "symbol": "BTCUSDT", "condition": "price_above", "value": "100",
        "channels": ["app", "webhook"],
    })  # fmt: skip
    assert r.status_code == 201, r.text  # its `alerts:index` event is lost: Redis is down

    refused = await p.run_task()
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "jobs_unavailable"
    assert refused.headers["Retry-After"]

    # the web app's heartbeat (LIST_SUBSCRIPTIONS) is answered: the socket is alive, so a
    # browser keeps it and waits for frames instead of reconnecting
    await until(
        lambda: _true(bool(p.stream.replies_between(killed, time.monotonic()))),
        "a heartbeat answer on /stream during the outage", 10,
    )  # fmt: skip
    # the outage lasts at least 3 s: several lease ttls, worker polls and sender polls
    await until(lambda: _true(time.monotonic() - killed > 3), "3 s of outage", 10)
    assert p.worker.alive(), "the worker exited when Redis went away:\n" + p.worker.tail()
    return int(r.json()["id"])


async def restart(p: Platform, alert_id: int) -> None:
    p.redis.start()  # same port, empty
    up = time.monotonic()
    p.figures["outage_s"] = round(up - p.figures["killed_at"], 1)
    p.figures["stream_resumed_s"] = await until(
        lambda: _true(p.stream.frames_after(up) > 0), "trades on the same /stream socket"
    )
    for name, holder in (await p.holders()).items():
        if holder is None:
            await until(
                partial(_exists, p, name), f"the {name} lease to be taken again", 15
            )  # fmt: skip
    p.figures["leases_back_s"] = round(time.monotonic() - up, 1)

    async def fired() -> bool:
        r = await p.c.get(f"/api/v1/alerts/{alert_id}/firings", headers=p.user)
        return bool(r.json())

    p.figures["alert_fired_s"] = await until(fired, "the alert made in the outage to fire")
    p.figures["webhook_s"] = await until(lambda: _true(len(p.hook.requests) >= 1), "its webhook")

    queued = await p.run_task()
    assert queued.status_code == 202, queued.text
    run_id = queued.json()["run_id"]

    async def succeeded() -> bool:
        run = (await p.c.get(f"/api/v1/admin/tasks/runs/{run_id}", headers=p.admin)).json()
        assert run["outcome"] in ("queued", "running", "succeeded"), run
        return bool(run["outcome"] == "succeeded")

    p.figures["task_run_s"] = await until(succeeded, "the manual run on the worker")
    p.figures["recovered_s"] = round(time.monotonic() - up, 1)


async def check_after(p: Platform, alert_id: int) -> None:
    firings = (await p.c.get(f"/api/v1/alerts/{alert_id}/firings", headers=p.user)).json()
    assert len(firings) == 1, firings  # trades kept coming all along: one-shot, fired once
    assert len(p.hook.requests) == 1, p.hook.keys()
    body = json.loads(p.hook.requests[0].body)
    assert body["alert_id"] == alert_id
    held = p.rt.leases.held()  # the leases the API believes it holds ...
    assert p.lease_key(INGESTOR_LEASE) in held, held
    for key, token in held.items():  # ... are the ones Redis says it holds: no two holders
        assert await p.keys.get(key) == token.encode(), key
    holders = await p.holders()
    for name in (MATCHER_LEASE, CHECKER_LEASE):  # the worker's (the API is no candidate)
        assert p.lease_key(name) not in held and holders[name] is not None, name
    assert (await p.c.get("/health/ready")).json()["checks"]["bus"]["ok"] is True
    assert p.worker.alive()


async def _true(value: bool) -> bool:
    return value


async def _false(value: bool) -> bool:
    return not value


async def _exists(p: Platform, name: str) -> bool:
    return bool(await p.keys.exists(p.lease_key(name)))


def shared_settings(redis_prefix: str, fake: FakeBinance) -> dict[str, Any]:
    """What the API and the worker share: short leases, quick outbox polls and retries."""
    return {
        "redis_prefix": redis_prefix, "lease_ttl_s": 2.0, "trading_run_matcher": "worker",
        "notify_poll_interval_s": 0.2, "notify_backoff_base_s": 0.05,
        "notify_backoff_max_s": 0.5, "webhook_allow_private": True,
        "market_symbols": ["BTCUSDT", "ETHUSDT"], "market_intervals": ["1m", "1h"],
        "market_source": "binance", "binance_rest_url": fake.rest_url,
        "binance_ws_url": fake.ws_url,
    }  # fmt: skip


def worker_env(db_url: str, redis_url: str, common: dict[str, Any]) -> dict[str, str]:
    env = {k.upper(): ",".join(v) if isinstance(v, list) else str(v) for k, v in common.items()}
    return {
        **env, "DATABASE_URL": db_url, "DATABASE_POOL_SIZE": "4", "REDIS_URL": redis_url,
        "RUN_INGESTOR": "no", "MARKET_HISTORY_IMPORT": "no", "LOG_LEVEL": "INFO",
    }  # fmt: skip


async def start_clients(
    c: httpx.AsyncClient, url: str, hook: Receiver
) -> tuple[dict[str, str], dict[str, str], StreamClient]:
    """The admin's and a trader's bearer headers (the trader's webhook set), and a `/stream`
    client following BTCUSDT trades."""
    admin = bearer((await login(c, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])
    user = bearer((await signup(c, "trader"))["access_token"])
    r = await c.put("/api/v1/webhook", json={"url": hook.url}, headers=user)
    assert r.status_code == 200, r.text
    stream = StreamClient(url, ["btcusdt@trade"])
    await stream.open()
    return admin, user, stream


@pytest.mark.timeout(150)
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_redis_killed_and_restarted_under_the_platform(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    tasks: list[asyncio.Task[None]] = []
    keys = aioredis.Redis.from_url(redis.url)
    async with FakeBinance() as fake, receiver() as hook:
        common = shared_settings(redis_prefix, fake)
        worker = WorkerProcess(tmp_path, worker_env(db_url, redis.url, common))
        settings = make_settings(
            db_url, tmp_path, redis_url=redis.url, jobs_inline=False, run_ingestor="yes",
            admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
            admin_username=ADMIN_USERNAME, rate_limit_login=f"{LOGIN_LIMIT}/minute", **common,
        )  # fmt: skip
        try:
            async with serve(settings) as srv, httpx.AsyncClient(
                base_url=srv.base.replace("ws://", "http://"), timeout=30
            ) as c:  # fmt: skip
                worker.start()
                admin, user, stream = await start_clients(c, srv.url, hook)
                traffic = Traffic(c, user, ("/api/v1/users/me", "/api/v1/alerts"))
                tasks += [asyncio.create_task(t) for t in
                          (stream.run(), push_trades(fake), traffic.run())]  # fmt: skip
                p = Platform(srv.app.state.runtime, c, keys, redis, hook, worker, stream,
                             admin, user)  # fmt: skip
                try:
                    await whole_run(p, traffic)
                finally:  # before the server stops: it would wait for the open socket
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    await stream.close()
        except BaseException:
            print("worker log:\n" + worker.tail())  # shown with the failure
            raise
        finally:
            await keys.aclose()
            worker.stop()
            redis.stop()


async def whole_run(p: Platform, traffic: Traffic) -> None:
    await until(lambda: _true(bool(p.stream.frames)), "a first trade on /stream")
    for name in SINGLETONS:
        await until(partial(_exists, p, name), f"the {name} lease", 60)
    started = time.monotonic()
    async with asyncio.timeout(90):  # each step waits with its own bound too
        alert_id = await outage(p)
        await restart(p, alert_id)
        await check_after(p, alert_id)
    killed = p.figures.pop("killed_at")
    during = traffic.between(killed, killed + p.figures["outage_s"])
    everything = traffic.between(started, time.monotonic())
    assert during, "no request was made during the outage"
    assert all(s == 200 for s in everything), sorted(set(everything))
    p.figures.update(requests_in_outage=len(during), requests=len(everything))
    print("redis outage figures:", json.dumps(p.figures))
