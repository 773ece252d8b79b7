"""The alert checker: the cost of one tick with N active price alerts, and firings/s end to end.

1. Per tick, pure (backend/alerts/index.py vs a linear scan with conditions.price_fires, same
   alerts, same ticks): N alerts on one symbol (a third each `price_above` above the market,
   `price_below` below it, `price_crosses` either side, 0.50 .. 5,000 USDT away), a random walk
   of +/- 0.40 USDT a tick, so few fire; each alert that fires is replaced by a new one, so N
   stays. Both must fire the same alerts on every tick (asserted). The index costs two
   bisections (three for crossings) plus the alerts that fire; the scan tests all N. A last run
   puts 1,000,000 alerts (`--quiet-alerts`) beyond the walk's reach: no tick fires, so a tick
   costs the bisections alone (about 1 GB of memory for a moment).
2. End to end: K price alerts that one tick fires at once, through `AlertChecker.on_tick` (per
   firing: the guarded UPDATE, the firing row, the notification and its telegram outbox row, one
   transaction), on SQLite and on PostgreSQL (a fresh database, dropped after), vs a bare
   baseline of K one-statement transactions (`UPDATE alerts SET firings = firings + 1`) on the
   same database. Every firing, notification and outbox row is counted afterwards (asserted).

  .venv/bin/python bench/alerts.py [--sizes 1000,10000,100000] [--ticks 20000] [--firings 1000]
      [--quiet-alerts 1000000]

Aim (issue 12): with 1,000,000 alerts and none firing, at least 1,000x the scan and under 10 us
a tick.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from _common import emit, row
from alembic.config import Config
from loguru import logger
from sqlalchemy import func, select, text

from alembic import command
from backend.alerts.checker import AlertChecker
from backend.alerts.conditions import price_fires
from backend.alerts.index import Entry, PriceIndex
from backend.alerts.models import Alert, AlertFiring
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, transaction
from backend.notifications.models import Notification, NotificationDelivery
from backend.security import Role
from backend.users.models import User

ROOT = Path(__file__).resolve().parent.parent
SYMBOL = "BTCUSDT"
MID = 60_000_00  # cents
CONDITIONS = ("price_above", "price_below", "price_crosses")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


# --- 1. per tick, pure ---------------------------------------------------------------------------


def new_alert(rng: random.Random, alert_id: int, mid: int, min_gap: int = 50) -> Entry:
    condition = rng.choice(CONDITIONS)
    gap = rng.randint(min_gap, 5_000_00)
    if condition == "price_above":
        level = mid + gap
    elif condition == "price_below":
        level = mid - gap
    else:
        level = mid + gap * rng.choice((-1, 1))
    return Entry(alert_id, SYMBOL, condition, Decimal(level) / 100)


def walk(rng: random.Random, n: int) -> list[Decimal]:
    prices, p = [], MID
    for _ in range(n):
        p += rng.randint(-40, 40)
        p = max(MID - 30_00, min(MID + 30_00, p))
        prices.append(Decimal(p) / 100)
    return prices


def run_index(
    alerts: list[Entry], ticks: list[Decimal], seed: int
) -> tuple[float, list[list[int]]]:
    rng = random.Random(seed)
    index = PriceIndex()
    for entry in sorted(alerts, key=lambda e: (e.level, e.id)):  # sorted: each insort appends
        index.add(entry)
    next_id = max(e.id for e in alerts) + 1
    fired: list[list[int]] = []
    prev: Decimal | None = None
    start = time.perf_counter()
    for price in ticks:
        hits = sorted(e.id for e in index.matches(SYMBOL, prev, price))
        fired.append(hits)
        for alert_id in hits:  # fired (one-shot): out; a new alert keeps N
            index.remove(alert_id)
            index.add(new_alert(rng, next_id, int(price * 100)))
            next_id += 1
        prev = price
    return time.perf_counter() - start, fired


def run_scan(alerts: list[Entry], ticks: list[Decimal], seed: int) -> tuple[float, list[list[int]]]:
    rng = random.Random(seed)
    live = {e.id: e for e in alerts}
    next_id = max(live) + 1
    fired: list[list[int]] = []
    prev: Decimal | None = None
    start = time.perf_counter()
    for price in ticks:
        hits = sorted(e.id for e in live.values() if price_fires(e.condition, e.level, prev, price))
        fired.append(hits)
        for alert_id in hits:
            del live[alert_id]
            live[next_id] = new_alert(rng, next_id, int(price * 100))
            next_id += 1
        prev = price
    return time.perf_counter() - start, fired


def per_tick(n: int, ticks: int, *, quiet: bool = False) -> dict[str, float]:
    """quiet: every level beyond the walk's +/- 30 USDT, so no tick fires anything."""
    rng = random.Random(7)
    min_gap = 30_01 if quiet else 50
    alerts = [new_alert(rng, i, MID, min_gap) for i in range(1, n + 1)]
    prices = walk(random.Random(11), ticks)
    scan_ticks = max(20, min(ticks, 2_000_000 // n))
    # the cyclic GC walking millions of live objects mid-run would be timed too: off, for both
    gc.collect()
    gc.disable()
    try:
        idx_s, idx_fired = run_index(alerts, prices, seed=3)
        scan_s, scan_fired = run_scan(alerts, prices[:scan_ticks], seed=3)
    finally:
        gc.enable()
    assert idx_fired[:scan_ticks] == scan_fired, "index and scan disagree"
    fired = sum(len(f) for f in idx_fired)
    assert not (quiet and fired), "a quiet run fired"
    ours, bare = ticks / idx_s, scan_ticks / scan_s
    print(f"  {n:,} alerts: {fired:,} firings over {ticks:,} ticks; {1e6 / ours:.2f} us a tick")
    label = f"ticks/s at {n:,} alerts{', none fire' if quiet else ''}"
    row(label, ours, bare, "ticks/s")
    return {"index_ticks_per_s": round(ours, 1), "scan_ticks_per_s": round(bare, 1),
            "us_per_tick": round(1e6 / ours, 3), "ratio": round(ours / bare, 1),
            "firings": fired}  # fmt: skip


# --- 2. end to end ---------------------------------------------------------------------------------


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None, env="test", database_url=url, redis_url=None, log_to_file=False,
        log_level="WARNING", market_source="replay", run_ingestor="no",
    )  # fmt: skip


async def seed(url: str, k: int) -> list[int]:
    engine = make_engine(url, pool_size=2)
    now = datetime.now(UTC)
    try:
        async with transaction(make_sessionmaker(engine)) as tx:
            user = User(
                email="bench@example.com", username="bench", username_key="bench",
                password_hash="x", role=Role.TRADER, is_active=True, token_version=0,
                created_at=now, updated_at=now,
            )  # fmt: skip
            tx.session.add(user)
            await tx.session.flush()
            alerts = [
                Alert(
                    user_id=user.id,
                    symbol=SYMBOL,
                    condition="price_above",
                    value=Decimal(100) + Decimal(i) / 100,
                    recurring=False,
                    cooldown_s=60,
                    channels=["app", "telegram"],
                    state="active",
                    version=1,
                    firings=0,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(k)
            ]
            tx.session.add_all(alerts)
            await tx.session.flush()
            return [a.id for a in alerts]
    finally:
        await engine.dispose()


async def ours(url: str, k: int) -> float:
    engine = make_engine(url, pool_size=2)
    sm = make_sessionmaker(engine)
    try:
        checker = AlertChecker(sm, None, settings_for(url))
        await checker.load()
        assert len(checker.index) == k
        await checker.on_tick(SYMBOL, Decimal(99), 1_780_000_000_000)
        start = time.perf_counter()
        await checker.on_tick(SYMBOL, Decimal(1_000), 1_780_000_001_000)  # fires all K
        elapsed = time.perf_counter() - start
        assert checker.fired == k, checker.fired
        async with sm() as s:
            for model in (AlertFiring, Notification, NotificationDelivery):
                got = (await s.execute(select(func.count()).select_from(model))).scalar_one()
                assert got == k, (model.__name__, got)
            states = (await s.execute(select(Alert.state).distinct())).scalars().all()
            assert list(states) == ["triggered"], states
        return k / elapsed
    finally:
        await engine.dispose()


async def bare(url: str, ids: list[int]) -> float:
    engine = make_engine(url, pool_size=2)
    stmt = text("UPDATE alerts SET firings = firings + 1 WHERE id = :id")
    try:
        start = time.perf_counter()
        for alert_id in ids:
            async with engine.begin() as conn:
                await conn.execute(stmt, {"id": alert_id})
        return len(ids) / (time.perf_counter() - start)
    finally:
        await engine.dispose()


async def firing(url: str, k: int) -> tuple[float, float]:
    await asyncio.to_thread(migrate, url)
    ids = await seed(url, k)
    b = await bare(url, ids)
    o = await ours(url, k)
    return o, b


async def end_to_end(k: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        o, b = await firing(f"sqlite+aiosqlite:///{tmp}/alerts.db", k)
    row(f"firings/s, SQLite ({k:,} in one tick)", o, b, "/s")
    out["sqlite"] = {"ours_firings_per_s": round(o, 1), "bare_tx_per_s": round(b, 1)}
    dbname = f"bench_alerts_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{PG}/postgres")
    await admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        o, b = await firing(f"{PG}/{dbname}".replace("postgresql://", "postgresql+asyncpg://"), k)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await admin.close()
    row(f"firings/s, PostgreSQL ({k:,} in one tick)", o, b, "/s")
    out["postgres"] = {"ours_firings_per_s": round(o, 1), "bare_tx_per_s": round(b, 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--ticks", type=int, default=20_000)
    ap.add_argument("--firings", type=int, default=1_000)
    ap.add_argument("--quiet-alerts", type=int, default=1_000_000, help="0: skip that run")
    args = ap.parse_args()
    logger.remove()  # one INFO line per firing would be measured too
    logger.add(sys.stderr, level="WARNING")
    print("alerts: checking one tick (index vs linear scan, same alerts and ticks)")
    ticks = {str(n): per_tick(n, args.ticks) for n in map(int, args.sizes.split(","))}
    if args.quiet_alerts:
        ticks[f"{args.quiet_alerts}_none_fire"] = per_tick(
            args.quiet_alerts, args.ticks, quiet=True
        )
    print("alerts: firings end to end (state change + firing + notification + outbox row)")
    e2e = asyncio.run(end_to_end(args.firings))
    emit("alerts", {"ticks": args.ticks, "per_tick": ticks, "firings": args.firings, **e2e})


if __name__ == "__main__":
    main()
