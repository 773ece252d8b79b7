"""PostgreSQL stopped for real in the middle of an order storm, then started again.

The real app is served by uvicorn (in this event loop) on a private PostgreSQL 15 (pg_proc.py),
with its parts as `make run` has them on PostgreSQL without Redis: the market feed ingesting a
fake Binance (fakes/binance_server.py) and storing candles, the order matcher, the scheduler.
Eight traders registered over the API storm it with limit and market orders, each with its own
`client_order_id`, and cancels; readers hammer it without backing off.

Commits in doubt, decided: a commit whose connection dies before the answer may have happened
or not, and the app cannot know which. It answers 503 `database_unavailable` like any lost
connection and runs none of the commit's after-effects (bus events). The client retries with the
same `client_order_id`: if the first try committed, it gets that order back (201, same id), else
the retry places it; never two. The matcher's index misses such an order until its resync (every
TRADING_RESYNC_INTERVAL_S) finds it in the database. To get such commits for sure, the server
holds every commit after its local WAL flush just before it is killed (pg_proc.hold_commits).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select, text

from backend.config import Settings
from backend.main import create_app
from backend.market.candles import MINUTE_MS, floor_open
from backend.server_options import uvicorn_options
from backend.trading.models import Order
from tests.conftest import alembic_upgrade, make_settings
from tests.fakes.binance_events import kline_row, trade_event
from tests.fakes.binance_server import FakeBinance
from tests.faults.order_storm import SYMBOL, Call, Trader
from tests.faults.pg_proc import PG_BIN, PgProcess, binaries_present
from tests.trading.ledger_checks import assert_ledger_whole

pytestmark = [
    pytest.mark.skipif(not binaries_present(), reason=f"no PostgreSQL 15 binaries in {PG_BIN}"),
    pytest.mark.timeout(180),
]

TRADERS = 8
READERS = 4
REF = Decimal("60000")
REQUEST_BOUND_S = 10.0  # the clients' timeout: a request unanswered this long is a hang
PASSWORD = "a long passphrase 1"


@pytest.fixture
async def pg() -> AsyncIterator[PgProcess]:
    server = PgProcess()
    try:
        await server.init()
        await server.start()
        await server.execute("CREATE DATABASE app")
        alembic_upgrade(server.url("app"))
        yield server
    finally:
        await server.cleanup()


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[tuple[FastAPI, str]]:
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_config=None,
                            loop="none", **uvicorn_options(settings))  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield app, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def until(check: Callable[[], Awaitable[bool]], what: str, bound_s: float = 20.0) -> None:
    deadline = time.monotonic() + bound_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {bound_s} s: {what}")
        await asyncio.sleep(0.05)


async def register(client: httpx.AsyncClient, i: int) -> Trader:
    name = f"storm{i}"
    body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    made = await client.post("/api/v1/auth/register", json=body)
    assert made.status_code == 201, made.text
    login = await client.post("/api/v1/auth/login", data={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    account = (await client.get("/api/v1/account", headers=headers)).json()
    assert {b["asset"]: b["free"] for b in account["balances"]}["USDT"] == "10000.00000000"
    return Trader(i, client, headers, REF, user_id=made.json()["id"])


async def read_storm(
    client: httpx.AsyncClient, headers: dict[str, str], stop: asyncio.Event, out: list[Call]
) -> None:
    """An impatient reader: account and orders back to back, never waiting for Retry-After."""
    while not stop.is_set():
        for path in ("/api/v1/account", "/api/v1/orders?limit=20"):
            started = time.monotonic()
            try:
                resp = await client.get(path, headers=headers)
            except httpx.HTTPError as exc:
                out.append(Call(-1, "read", path, started, time.monotonic(), time.time(),
                                None, failure=type(exc).__name__))  # fmt: skip
                continue
            code = resp.json().get("error", {}).get("code") if resp.status_code >= 400 else None
            out.append(Call(-1, "read", path, started, time.monotonic(), time.time(),
                            resp.status_code, code=code,
                            retry_after=resp.headers.get("Retry-After")))  # fmt: skip


class Market:
    """Trades and candles from the fake exchange into the app's feed."""

    def __init__(self, fake: FakeBinance) -> None:
        self.fake = fake
        self.trade_id = 0

    async def trade(self, price: str) -> None:
        self.trade_id += 1
        now = int(time.time() * 1000)
        await self.fake.push(f"{SYMBOL.lower()}@trade",
                             trade_event(SYMBOL, self.trade_id, price, "1000", now))  # fmt: skip

    async def closed_minute(self, open_time: int, close: str) -> None:
        row = kline_row(open_time, "1m", close, close, close, close, "3")
        await self.fake.push_kline(SYMBOL, "1m", row, closed=True)


def running_parts() -> set[str]:
    """The named long-running tasks of the app's parts (matcher, resync, feed, scheduler, ...)."""
    return {
        t.get_name()
        for t in asyncio.all_tasks()
        if not t.done() and not t.get_name().startswith("Task-")
    }


async def open_orders(app: FastAPI, side: str) -> int:
    async with app.state.runtime.sessionmaker() as s:
        rows = await s.execute(
            select(Order.id).where(
                Order.side == side,
                Order.type == "LIMIT",
                Order.status.in_(("NEW", "PARTIALLY_FILLED")),
            )
        )
        return len(rows.all())


async def test_postgres_stopped_mid_storm_answers_503_recovers_and_loses_no_order(
    pg: PgProcess, tmp_path: Path
) -> None:
    async with FakeBinance() as fake:
        settings = make_settings(
            pg.url("app"), tmp_path, market_source="binance", market_symbols=[SYMBOL],
            market_intervals=["1m"], binance_rest_url=fake.rest_url, binance_ws_url=fake.ws_url,
            run_ingestor="yes", database_connect_timeout_s=2.0, trading_resync_interval_s=1.0,
            database_pool_size=TRADERS + READERS, log_level="CRITICAL",
        )  # fmt: skip
        limits = httpx.Limits(max_connections=TRADERS + READERS + 4)
        async with (
            serve(settings) as (app, base),
            httpx.AsyncClient(base_url=base, timeout=REQUEST_BOUND_S, limits=limits) as client,
        ):
            await run_scenario(app, client, fake, pg)


async def run_scenario(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeBinance, pg: PgProcess
) -> None:
    rt = app.state.runtime
    market = Market(fake)
    await fake.wait_subscribed(f"{SYMBOL.lower()}@trade")

    async def priced() -> bool:
        await market.trade(str(REF))
        return bool(rt.trading.prices.last.get(SYMBOL) == REF)

    await until(priced, "the feed's first trade reaches trading")
    traders = [await register(client, i) for i in range(TRADERS)]
    stop, reads = asyncio.Event(), list[Call]()
    storm = asyncio.gather(
        *(t.run(stop) for t in traders),
        *(read_storm(client, t.headers, stop, reads) for t in traders[:READERS]),
    )

    def calls() -> list[Call]:
        return [c for t in traders for c in t.calls]

    async def busy() -> bool:
        return sum(c.status == 201 for c in calls()) >= 5 * TRADERS

    await until(busy, "the storm places orders")
    parts = running_parts()
    # The outage: commits held (durable, unanswered) until every trader waits on one, then a crash.
    await pg.hold_commits()

    async def all_held() -> bool:
        return await pg.held_commits() >= TRADERS

    await until(all_held, "every trader's commit held")
    await pg.stop("immediate")
    down = time.monotonic()
    minute = floor_open(int(time.time() * 1000), "1m") - 2 * MINUTE_MS
    await market.trade("58900")  # through every resting BUY: the matcher's fills fail meanwhile
    await market.closed_minute(minute, "58950")  # the candle store keeps it for a later flush
    ready = await client.get("/health/ready")
    assert ready.status_code == 503, ready.text
    unanswered = [await traders[0].place_once() for _ in range(3)]  # never reach the database
    assert all(c.status == 503 for c in unanswered), unanswered

    async def outage_seen() -> bool:
        return all(sum(c.started > down and c.status == 503 for c in t.calls) >= 2 for t in traders)

    await until(outage_seen, "every trader answered 503 twice during the outage")
    up_begin = time.monotonic()
    await pg.start()
    up = time.monotonic()

    async def serving() -> bool:
        return (await client.get("/api/v1/account", headers=traders[1].headers)).status_code == 200

    await until(serving, "the API serves again without a restart")
    recovered_s = time.monotonic() - up
    for c in unanswered:
        assert (await traders[0].place_again(c.key)).status == 201

    async def back() -> bool:
        return all(sum(c.started > up and c.status == 201 for c in t.calls) >= 2 for t in traders)

    await until(back, "every trader placed orders after the restart")
    stop.set()
    await asyncio.wait_for(storm, 60)  # each trader drives its last request to an answer

    every = calls() + reads
    report = check_answers(every, down, up_begin, up)
    orders = await check_orders(app, traders)
    filled = await check_background(app, market, minute)
    assert parts <= running_parts(), f"parts ended by the outage: {parts - running_parts()}"
    for t in traders:
        await assert_ledger_whole(rt.sessionmaker, t.user_id)
    assert (await client.get("/health/ready")).status_code == 200
    print(
        f"\npostgres outage: {report}; recovered {recovered_s:.2f} s after the restart;"
        f" orders {orders}; filled after the restart: {filled}; parts alive: {sorted(parts)}"
    )


def check_answers(every: list[Call], down: float, up_begin: float, up: float) -> str:
    """No hang, no transport error, no 5xx but a well-formed 503; only 503 while down; none
    once the server is up again."""
    lost = [c for c in every if c.status is None]
    assert not lost, f"requests without an answer (bound {REQUEST_BOUND_S} s): {lost[:5]}"
    bad = [c for c in every if c.status is not None and c.status >= 500 and (
        c.status != 503 or c.code != "database_unavailable" or c.retry_after != "1")]  # fmt: skip
    assert not bad, f"5xx other than 503 database_unavailable + Retry-After: {bad[:5]}"
    during = [c for c in every if c.started >= down and c.ended <= up_begin]
    assert during and all(c.status == 503 for c in during), Counter(c.status for c in during)
    after = [c for c in every if c.started >= up and c.status == 503]
    assert not after, f"503 after the server was back: {after[:5]}"
    slowest = max(c.ended - c.started for c in during)
    return (f"{len(every)} requests, {len(during)} during the outage (all 503, slowest"
            f" {slowest * 1000:.0f} ms), {sum(c.status == 503 for c in every)} 503 in all")  # fmt: skip


async def check_orders(app: FastAPI, traders: list[Trader]) -> dict[str, int]:
    """Every order answered 2xx exists once with that id; a refused one (4xx) does not exist; an
    unanswered one (503) is there once after its retry, placed by whichever try committed."""
    async with app.state.runtime.sessionmaker() as s:
        rows = (
            await s.execute(select(Order.user_id, Order.client_order_id, Order.id, Order.status))
        ).all()
    in_db = Counter((r.user_id, r.client_order_id) for r in rows)
    assert max(in_db.values()) == 1
    ids = {(r.user_id, r.client_order_id): r.id for r in rows}
    status = {r.id: r.status for r in rows}
    sent = {(t.user_id, coid) for t in traders for coid in t.sent}
    assert set(in_db) <= sent, f"orders nobody placed: {set(in_db) - sent}"
    tally = Counter[str]()
    for t in traders:
        by_coid: dict[str, list[Call]] = {}
        for c in t.calls:
            if c.kind == "place":
                by_coid.setdefault(c.key, []).append(c)
            elif c.status == 200:  # a cancel answered: the order is canceled for good
                assert status[int(c.key)] == "CANCELED", (c, status[int(c.key)])
                tally["canceled"] += 1
        for coid, tries in by_coid.items():
            final = tries[-1]
            assert not final.retry, (coid, final)
            key = (t.user_id, coid)
            if final.order is None:
                assert key not in ids, f"{coid} refused ({final.status}) yet stored"
                tally["refused"] += 1
                continue
            got = {c.order["id"] for c in tries if c.order is not None}
            assert got == {ids[key]}, (coid, got, ids.get(key))
            tally["placed"] += 1
            if len(tries) > 1:
                created = datetime.fromisoformat(final.order["created_at"]).timestamp()
                committed_before = created < final.started_wall  # an earlier try's row
                tally["in_doubt_committed" if committed_before else "retried_placed"] += 1
                if committed_before and final.order["type"] == "LIMIT":
                    tally["in_doubt_resting"] += 1
    assert tally["in_doubt_committed"] >= 1, f"no commit was in doubt: {tally}"
    assert tally["retried_placed"] >= 3, f"the outage's placements not placed by a retry: {tally}"
    return dict(tally)


async def check_background(app: FastAPI, market: Market, minute: int) -> int:
    """The candle sent during the outage is stored once; a trade through the resting orders
    fills every one of them, the ones whose commit was in doubt included (the resync)."""
    sm = app.state.runtime.sessionmaker

    async def candle() -> bool:
        async with sm() as s:
            sql = (
                "SELECT close FROM candles WHERE symbol = :s AND interval = '1m' AND open_time = :t"
            )
            got = (await s.execute(text(sql), {"s": SYMBOL, "t": minute})).scalars().all()
        assert len(got) <= 1, got
        return list(got) == [Decimal("58950")]

    await until(candle, "the candle closed during the outage is stored")
    before = await open_orders(app, "BUY") + await open_orders(app, "SELL")
    assert before > 0

    async def buys_filled() -> bool:
        await market.trade("58000")
        return await open_orders(app, "BUY") == 0

    async def sells_filled() -> bool:
        await market.trade("62000")
        return await open_orders(app, "SELL") == 0

    await until(buys_filled, "every resting BUY fills after the restart")
    await until(sells_filled, "every resting SELL fills after the restart")

    async def index_empty() -> bool:
        return not app.state.runtime.trading.index

    await until(index_empty, "the matcher's index holds no order that is not open")
    return before
