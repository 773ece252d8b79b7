"""The deployment's health, component by component: green, amber or red, with the reason.

Read by `GET /admin/health` and by the health-check job (tasks.py), which notifies admins of
changes. Each check is bounded by `CHECK_TIMEOUT_S`, and a check that fails or times out is red
with that reason, never an error of the whole answer. Heartbeats are the minute samples each
process writes (sampler.py); lease holders are matched by the token each sample lists.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from sqlalchemy import text

from backend.db import Tx
from backend.market.replay import candle_files
from backend.observability.models import MetricSample
from backend.observability.repository import SampleRepository, SummaryRepository
from backend.observability.sampler import (
    SAMPLE_EVERY_S,
    feed_lags_ms,
    feed_live,
    instance_name,
    lease_name,
)
from backend.runtime import Runtime

Status = Literal["green", "amber", "red"]
RANK: dict[str, int] = {"green": 0, "amber": 1, "red": 2}
CHECK_TIMEOUT_S = 2.0
FEED_AMBER_MS, FEED_RED_MS = 30_000, 120_000  # wall-clock lag of a symbol's newest ticker
HEARTBEAT_AMBER_S, HEARTBEAT_RED_S = 2.5 * SAMPLE_EVERY_S, 10 * SAMPLE_EVERY_S
DISK_AMBER, DISK_RED = 0.10, 0.05  # free share of the file system
SEEN_WITHIN = timedelta(hours=24)  # a process kind silent for longer is no longer listed


@dataclass(frozen=True, slots=True)
class Component:
    name: str  # database | redis | feed:<SYMBOL> | process:<kind> | lease:<name> | ...
    status: Status
    reason: str  # a code the web app translates: ok, not_used, unreachable, stale, ...
    message: str  # the same in English, with the figures
    details: dict[str, Any] = field(default_factory=dict)


def worst(components: Sequence[Component]) -> Status:
    statuses: list[Status] = ["green", *(c.status for c in components)]
    return max(statuses, key=lambda status: RANK[status])


async def _bounded(name: str, check: Callable[[], Awaitable[Component]]) -> Component:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return Component(name, "red", "timeout", f"no answer within {CHECK_TIMEOUT_S:g} s")
    except Exception as exc:
        return Component(name, "red", "unreachable", f"{type(exc).__name__}: {exc}"[:300])


async def database(rt: Runtime) -> Component:
    async def check() -> Component:
        started = time.perf_counter()
        async with rt.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        ms = round((time.perf_counter() - started) * 1000, 1)
        details = {"dialect": rt.engine.dialect.name, "latency_ms": ms}
        return Component("database", "green", "ok", f"answered in {ms} ms", details)

    return await _bounded("database", check)


async def redis_component(redis_url: str | None) -> Component:
    if redis_url is None:
        return Component("redis", "green", "not_used", "not used (embedded: one process)")

    async def check() -> Component:
        client = aioredis.Redis.from_url(
            redis_url, socket_timeout=CHECK_TIMEOUT_S, socket_connect_timeout=CHECK_TIMEOUT_S
        )
        try:
            started = time.perf_counter()
            await client.ping()
            ms = round((time.perf_counter() - started) * 1000, 1)
        finally:
            await client.aclose()
        return Component("redis", "green", "ok", f"answered in {ms} ms", {"latency_ms": ms})

    return await _bounded("redis", check)


def feeds(
    lags: Mapping[str, int | None],
    source: str | None,
    *,
    live: bool,
    recorded: Collection[str] | None = None,
) -> list[Component]:
    """Each symbol's freshness. Before the feed has delivered anything (`live` false: a process
    starting, a feed connecting) a symbol without a ticker is amber, so a restart does not page
    the admins; once the feed runs, a symbol that still has none is red. While replaying, a
    configured symbol the recording has no candles for (`recorded`: the symbols it has) can
    never tick: green `not_recorded`, not a failure."""
    out = []
    for symbol, lag in lags.items():
        name = f"feed:{symbol}"
        details = {"lag_ms": lag, "source": source}
        if lag is None and source == "replay" and recorded is not None and symbol not in recorded:
            msg = "the replay has no recorded candles for it"
            out.append(Component(name, "green", "not_recorded", msg, details))
        elif lag is None and not live:
            out.append(Component(name, "amber", "starting", "the feed has not started", details))
        elif lag is None:
            out.append(Component(name, "red", "no_data", "no ticker seen yet", details))
        elif lag >= FEED_RED_MS:
            out.append(
                Component(name, "red", "stale", f"last ticker {lag / 1000:.0f} s ago", details)
            )
        elif lag >= FEED_AMBER_MS:
            msg = f"last ticker {lag / 1000:.0f} s ago"
            out.append(Component(name, "amber", "stale", msg, details))
        else:
            out.append(Component(name, "green", "ok", f"lag {lag / 1000:.1f} s", details))
    return out


def latest_per_instance(samples: Sequence[MetricSample]) -> dict[str, MetricSample]:
    """The newest sample of each process instance, keyed "<process>/<host>:<pid>" (one OS
    process may host two kinds: the tests run the bot's loop inside the API's process)."""
    newest: dict[str, MetricSample] = {}
    for s in samples:  # ordered by time
        newest[f"{s.process}/{s.instance}"] = s
    return newest


def processes(newest: Mapping[str, MetricSample], now: datetime) -> list[Component]:
    kinds: dict[str, list[MetricSample]] = {}
    for sample in newest.values():
        kinds.setdefault(sample.process, []).append(sample)
    out = []
    for kind, samples in sorted(kinds.items()):
        ages = {s.instance: round((now - s.at).total_seconds()) for s in samples}
        instances = [
            {
                "instance": s.instance,
                "last_seen": s.at.isoformat(),
                "age_s": ages[s.instance],
                "leases": sorted(s.data.get("leases", {})),
            }
            for s in sorted(samples, key=lambda s: s.at, reverse=True)
        ]
        age = min(ages.values())
        live = sum(1 for a in ages.values() if a < HEARTBEAT_AMBER_S)
        details = {"instances": instances, "live": live}
        name = f"process:{kind}"
        if age >= HEARTBEAT_RED_S:
            out.append(Component(name, "red", "silent", f"no heartbeat for {age} s", details))
        elif age >= HEARTBEAT_AMBER_S:
            out.append(Component(name, "amber", "late", f"last heartbeat {age} s ago", details))
        else:
            out.append(Component(name, "green", "ok", f"{live} live, last {age} s ago", details))
    return out


async def leases(rt: Runtime, newest: Mapping[str, MetricSample], now: datetime) -> list[Component]:
    """Every singleton lease some process is a candidate for, and who holds it."""
    prefix = rt.settings.redis_prefix
    names = {lease_name(lease.key, prefix) for lease in rt.leases.made}
    holders: dict[tuple[str, str], str] = {}  # (lease, token) -> instance
    for s in newest.values():
        if (now - s.at).total_seconds() < HEARTBEAT_RED_S:
            for name, token in s.data.get("leases", {}).items():
                names.add(name)
                holders[(name, token)] = s.instance
    if rt.settings.redis_url is None:
        me = instance_name()
        return [
            Component(f"lease:{n}", "green", "held", f"held by {me} (local)", {"holder": me})
            for n in sorted(names)
        ]

    async def read() -> list[Component]:
        client = aioredis.Redis.from_url(rt.settings.redis_url or "", socket_timeout=1.0)
        try:
            tokens = [await client.get(f"{prefix}lease:{n}") for n in sorted(names)]
        finally:
            await client.aclose()
        out = []
        for n, raw in zip(sorted(names), tokens, strict=True):
            if raw is None:
                out.append(Component(f"lease:{n}", "amber", "not_held", "nobody holds it"))
                continue
            holder = holders.get((n, raw.decode()))
            details = {"holder": holder}
            msg = f"held by {holder}" if holder else "held by a process without a recent sample"
            out.append(Component(f"lease:{n}", "green", "held", msg, details))
        return out

    try:
        return await asyncio.wait_for(read(), CHECK_TIMEOUT_S)
    except Exception as exc:
        return [
            Component(f"lease:{n}", "red", "unreachable", f"Redis: {type(exc).__name__}")
            for n in sorted(names)
        ]


async def telegram(
    rt: Runtime, tx: Tx, now: datetime, newest: Mapping[str, MetricSample]
) -> Component:
    """Deliveries (the outbox sends from workers) and the bot process (`make bot`), by its
    heartbeat: without one, nobody answers /start and links no chat."""
    if rt.settings.telegram_bot_token is None:
        return Component("telegram", "green", "not_configured", "TELEGRAM_BOT_TOKEN is not set")
    failed = await SummaryRepository(tx.session).failed_deliveries_since(
        "telegram", now - timedelta(hours=1)
    )
    bot = max((s.at for s in newest.values() if s.process == "bot"), default=None)
    age = round((now - bot).total_seconds()) if bot is not None else None
    details = {"failed_1h": failed, "bot_heartbeat": bot.isoformat() if bot else None}
    if age is None or age >= HEARTBEAT_AMBER_S:
        msg = "the bot is not running" if age is None else f"no bot heartbeat for {age} s"
        return Component("telegram", "amber", "bot_silent", msg, details)
    if failed:
        msg = f"{failed} deliveries failed in the last hour"
        return Component("telegram", "amber", "delivery_failures", msg, details)
    return Component(
        "telegram", "green", "ok", "bot running, no failed delivery this hour", details
    )


async def mail(rt: Runtime, tx: Tx, now: datetime) -> Component:
    if rt.settings.smtp_url is None:
        return Component("mail", "green", "not_configured", "SMTP_URL is not set")
    url = urlsplit(rt.settings.smtp_url.get_secret_value())
    host, port = url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25)

    async def check() -> Component:
        _, writer = await asyncio.open_connection(host, port)
        writer.close()
        failed = await SummaryRepository(tx.session).failed_deliveries_since(
            "email", now - timedelta(hours=1)
        )
        details = {"host": host, "port": port, "failed_1h": failed}
        if failed:
            msg = f"reachable; {failed} deliveries failed in the last hour"
            return Component("mail", "amber", "delivery_failures", msg, details)
        return Component("mail", "green", "ok", f"{host}:{port} reachable", details)

    return await _bounded("mail", check)


def _existing(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disks(paths: Mapping[str, Path]) -> list[Component]:
    out = []
    for label, path in paths.items():
        usage = shutil.disk_usage(_existing(path))
        free = usage.free / usage.total if usage.total else 1.0
        details = {"path": str(path), "free_bytes": usage.free, "total_bytes": usage.total}
        msg = f"{free:.0%} free ({usage.free // 2**20} MiB)"
        status: Status = "red" if free < DISK_RED else "amber" if free < DISK_AMBER else "green"
        reason = "ok" if status == "green" else "low_space"
        out.append(Component(f"disk:{label}", status, reason, msg, details))
    return out


def recorded_symbols(rt: Runtime) -> set[str] | None:
    """The symbols the replay folder has candles for (None when not replaying from a folder)."""
    folder = rt.settings.market_replay_dir
    if rt.market.status.source != "replay" or folder is None:
        return None
    return set(candle_files(folder))


def data_dir(rt: Runtime) -> Path:
    url = rt.settings.database_url
    if rt.settings.is_sqlite:
        return Path(url.split(":///", 1)[-1]).parent
    return Path("var")


async def check_all(
    rt: Runtime, tx: Tx, now: datetime, *, live_feed: bool | None = None
) -> list[Component]:
    """Every component. The feed lags are this process's own when it follows the feed (an
    API process; `live_feed`), else those of the newest API sample."""
    samples = await SampleRepository(tx.session).since(now - SEEN_WITHIN)
    newest = latest_per_instance(samples)
    follows = rt.process == "api" if live_feed is None else live_feed
    if follows:
        lags, live = feed_lags_ms(rt), feed_live(rt)
    else:
        api = [s for s in newest.values() if s.process == "api"]
        latest = max(api, key=lambda s: s.at, default=None)
        lags = dict(latest.data.get("feed_lag_ms", {})) if latest else {}
        lags = {sym: lags.get(sym) for sym in rt.settings.market_symbols}
        live = bool(latest.data.get("feed_live", True)) if latest else False
    core = await asyncio.gather(database(rt), redis_component(rt.settings.redis_url))
    return [
        *core,
        *feeds(lags, rt.market.status.source, live=live, recorded=recorded_symbols(rt)),
        *processes(newest, now),
        *await leases(rt, newest, now),
        await telegram(rt, tx, now, newest),
        await mail(rt, tx, now),
        *disks({"data": data_dir(rt), "logs": rt.settings.log_dir}),
    ]
