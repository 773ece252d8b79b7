"""PostgreSQL stopped for real in the middle of an order storm, then started again.

The real app is served by uvicorn (in this event loop) on a private PostgreSQL 15 (pg_proc.py),
every part in the one process (no Redis: in-process bus, jobs and leases): the market feed
ingesting a fake Binance (fakes/binance_server.py) and storing candles, the order matcher, the
scheduler, the alert checker, the notification senders, the metric sampler. Eight traders
registered over the API storm it with limit and market orders, each with its own
`client_order_id`, and cancels (order_storm.py); four readers hammer it without backing off.

Commits in doubt, decided: a commit whose connection dies before the answer may have happened
or not, and the app cannot know which. It answers 503 `database_unavailable` like any lost
connection and runs none of the commit's after-effects (bus events, the matcher's index). The
client retries with the same `client_order_id`: if the first try committed, it gets that order
back (201, same id), else the retry places it; never two. The matcher finds such an order in the
database at its next resync (TRADING_RESYNC_INTERVAL_S, 30 s by default; 1 s here) and fills it
from then on. To get such commits for sure, the server holds every commit after its local WAL
flush just before it is killed (pg_proc.hold_commits).

Settings away from the defaults, and why: a pool of one connection per client (the default 10
would leave a trader waiting for a connection instead of in a held commit), the 1 s resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
from tests.faults.order_storm import SYMBOL, Call, Trader, read_storm, register
from tests.faults.pg_proc import PG_BIN, PgProcess, binaries_present
from tests.faults.storm_checks import check_answers, check_orders
from tests.trading.ledger_checks import assert_ledger_whole

pytestmark = [
    pytest.mark.skipif(not binaries_present(), reason=f"no PostgreSQL 15 binaries in {PG_BIN}"),
    pytest.mark.timeout(150),
]

TRADERS = 8
READERS = 4
REF = Decimal("60000")
REQUEST_BOUND_S = 10.0  # the clients' timeout: a request unanswered this long is a hang
OUTAGE_CANDLE_CLOSE = Decimal("58950")


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


class Market:
    """Trades and candles from the fake exchange into the app's feed."""

    def __init__(self, fake: FakeBinance) -> None:
        self.fake = fake
        self.trade_id = 0

    async def trade(self, price: str) -> None:
        self.trade_id += 1
        event = trade_event(SYMBOL, self.trade_id, price, "1000", int(time.time() * 1000))
        await self.fake.push(f"{SYMBOL.lower()}@trade", event)

    async def closed_minute(self, open_time: int, close: Decimal) -> None:
        row = kline_row(open_time, "1m", str(close), str(close), str(close), str(close), "3")
        await self.fake.push_kline(SYMBOL, "1m", row, closed=True)


@dataclass
class Storm:
    traders: list[Trader]
    reads: list[Call]

    def calls(self) -> list[Call]:
        return [c for t in self.traders for c in t.calls] + self.reads

    def each_trader(self, status: int, since: float, at_least: int) -> bool:
        return all(
            sum(c.started > since and c.status == status for c in t.calls) >= at_least
            for t in self.traders
        )


@asynccontextmanager
async def storming(client: httpx.AsyncClient, traders: list[Trader]) -> AsyncIterator[Storm]:
    """Traders and readers run until the block ends; each trader then drives its last request
    to an answer."""
    storm, stop = Storm(traders, []), asyncio.Event()
    tasks = asyncio.gather(
        *(t.run(stop) for t in traders),
        *(read_storm(client, t.headers, stop, storm.reads) for t in traders[:READERS]),
    )
    try:
        yield storm
    except BaseException:  # a failed check: no answer is awaited any more
        stop.set()
        tasks.cancel()
        with contextlib.suppress(BaseException):
            await tasks
        raise
    stop.set()
    await asyncio.wait_for(tasks, 60)


def running_parts() -> set[str]:
    """The named long-running tasks of the app's parts (matcher, resync, feed, scheduler, ...)."""
    return {
        t.get_name()
        for t in asyncio.all_tasks()
        if not t.done() and not t.get_name().startswith("Task-")
    }


async def test_postgres_stopped_mid_storm_answers_503_recovers_and_loses_no_order(
    pg: PgProcess, tmp_path: Path
) -> None:
    async with FakeBinance() as fake:
        settings = make_settings(
            pg.url("app"), tmp_path, market_source="binance", market_symbols=[SYMBOL],
            market_intervals=["1m"], binance_rest_url=fake.rest_url, binance_ws_url=fake.ws_url,
            run_ingestor="yes", trading_resync_interval_s=1.0,
            database_pool_size=TRADERS + READERS, log_level="CRITICAL",
        )  # fmt: skip
        limits = httpx.Limits(max_connections=TRADERS + READERS + 4)
        async with (
            serve(settings) as (app, base),
            httpx.AsyncClient(base_url=base, timeout=REQUEST_BOUND_S, limits=limits) as client,
        ):
            await run_scenario(app, client, Market(fake), pg)


async def run_scenario(
    app: FastAPI, client: httpx.AsyncClient, market: Market, pg: PgProcess
) -> None:
    """Storm, crash mid-commit, storm on while down, restart, storm on; then every check."""
    await market.fake.wait_subscribed(f"{SYMBOL.lower()}@trade")

    async def priced() -> bool:
        await market.trade(str(REF))
        return bool(app.state.runtime.trading.prices.last.get(SYMBOL) == REF)

    await until(priced, "the feed's first trade reaches trading")
    traders = [await register(client, i, REF, "a long passphrase 1") for i in range(TRADERS)]
    async with storming(client, traders) as storm:

        async def busy() -> bool:
            return sum(c.status == 201 for c in storm.calls()) >= 5 * TRADERS

        await until(busy, "the storm places orders")
        parts = running_parts()
        down = await crash_mid_commit(pg)
        minute, unanswered = await while_down(client, market, traders[0])

        async def outage_seen() -> bool:
            return storm.each_trader(503, since=down, at_least=2)

        await until(outage_seen, "every trader answered 503 twice during the outage")
        up_begin, up, recovered_s = await restart(pg, client, traders[1])
        for c in unanswered:  # retried after the restart: placed by this try
            assert (await traders[0].place_again(c.key)).status == 201

        async def back() -> bool:
            return storm.each_trader(201, since=up, at_least=2)

        await until(back, "every trader placed orders after the restart")
    answers = check_answers(storm.calls(), down, up_begin, up, REQUEST_BOUND_S)
    orders = await check_orders(app, traders)
    resting = await check_background(app, market, minute)
    assert parts <= running_parts(), f"parts ended by the outage: {parts - running_parts()}"
    for t in traders:
        await assert_ledger_whole(app.state.runtime.sessionmaker, t.user_id)
    assert (await client.get("/health/ready")).status_code == 200
    print(
        f"\npostgres outage: {answers}; recovered {recovered_s:.2f} s after the restart;"
        f" orders {orders}; {resting} resting orders filled after the restart;"
        f" parts alive: {len(parts)}"
    )


async def crash_mid_commit(pg: PgProcess) -> float:
    """Hold every commit (durable, unanswered) until each trader waits on one, then crash the
    server (no checkpoint, every backend killed at once). Returns when it was down."""
    await pg.hold_commits()

    async def all_held() -> bool:
        return await pg.held_commits() >= TRADERS

    await until(all_held, "every trader's commit held")
    await pg.stop("immediate")
    return time.monotonic()


async def while_down(
    client: httpx.AsyncClient, market: Market, maker: Trader
) -> tuple[int, list[Call]]:
    """A trade through every resting BUY (the matcher's fills fail), a closed candle (the store
    must keep it), readiness 503, and three new orders that cannot reach the database."""
    minute = floor_open(int(time.time() * 1000), "1m") - 2 * MINUTE_MS
    await market.trade("58900")
    await market.closed_minute(minute, OUTAGE_CANDLE_CLOSE)
    ready = await client.get("/health/ready")
    assert ready.status_code == 503, ready.text
    unanswered = [await maker.place_once() for _ in range(3)]
    assert all(c.status == 503 for c in unanswered), unanswered
    return minute, unanswered


async def restart(
    pg: PgProcess, client: httpx.AsyncClient, probe: Trader
) -> tuple[float, float, float]:
    """Start the server again; (when the start began, when it accepted connections, seconds
    from then until the app served a request that reads the database)."""
    up_begin = time.monotonic()
    await pg.start()
    up = time.monotonic()

    async def serving() -> bool:
        return (await client.get("/api/v1/account", headers=probe.headers)).status_code == 200

    await until(serving, "the API serves again without a restart")
    return up_begin, up, time.monotonic() - up


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


async def check_background(app: FastAPI, market: Market, minute: int) -> int:
    """The candle sent during the outage is stored once; trades through the resting orders fill
    every one of them, the ones whose commit was in doubt included (the resync), and the
    matcher's index ends empty. Returns how many were resting."""
    sm = app.state.runtime.sessionmaker

    async def candle() -> bool:
        sql = "SELECT close FROM candles WHERE symbol = :s AND interval = '1m' AND open_time = :t"
        async with sm() as s:
            got = list((await s.execute(text(sql), {"s": SYMBOL, "t": minute})).scalars())
        assert len(got) <= 1, got
        return got == [OUTAGE_CANDLE_CLOSE]

    await until(candle, "the candle closed during the outage is stored")
    resting = await open_orders(app, "BUY") + await open_orders(app, "SELL")
    assert resting > 0

    async def buys_filled() -> bool:
        await market.trade("58000")
        return await open_orders(app, "BUY") == 0

    async def sells_filled() -> bool:
        await market.trade("62000")
        return await open_orders(app, "SELL") == 0

    async def index_empty() -> bool:
        return not app.state.runtime.trading.index

    await until(buys_filled, "every resting BUY fills after the restart")
    await until(sells_filled, "every resting SELL fills after the restart")
    await until(index_empty, "the matcher's index holds no order that is not open")
    return resting
