"""What a process's long-running parts share, and the one convention for starting them.

`Runtime` is built once per process (API: `create_app`; worker: `backend.worker`) from the
settings, without I/O; the API keeps it on `app.state.runtime` (its only key besides what
middlewares own). Its clients (database, bus, jobs, leases) are opened by `open_core` and the
domains' parts are started in the order `main.PARTS` lists them.

A `Part` is an async context manager factory over the runtime: entering it starts the part
(tasks, subscriptions), leaving it stops it. Each domain exposes its parts in one small module
(`market/feed.py`, `trading/lifespan.py`, `realtime/lifespan.py`, ...). A part that must run
once per deployment wraps its body in `leases.singleton` (every process listed in `processes`
is a candidate; one holds the lease and runs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from loguru import logger

from backend.bus import make_bus
from backend.db import make_engine, make_sessionmaker
from backend.leases import Leases

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from backend.auth.principals import PrincipalCache
    from backend.bus import Bus
    from backend.config import Settings
    from backend.crypto import FieldCipher
    from backend.health.service import Check
    from backend.jobs import Jobs
    from backend.market.rulebook import SymbolBook
    from backend.market.state import MarketState
    from backend.realtime.hub import Hub
    from backend.realtime.limits import ConnectionLimits
    from backend.realtime.protocol import StreamCatalog
    from backend.realtime.session import Snapshot
    from backend.security import AccessTokens, Passwords
    from backend.trading.engine import TradingEngine
    from backend.trading.lifespan import RecentTrades
    from backend.trading.matcher import Matcher

Process = Literal["api", "worker", "ingestor"]


@dataclass(eq=False)
class Runtime:
    """The state a process's parts share: typed, one object (no loose `app.state` keys)."""

    settings: Settings
    process: Process
    passwords: Passwords
    access_tokens: AccessTokens
    engine: AsyncEngine  # the database engine (the trading engine is `trading`)
    sessionmaker: async_sessionmaker[AsyncSession]
    bus: Bus
    leases: Leases
    principals: PrincipalCache
    market: MarketState
    # the parsed symbol rules: `/market/symbols` serves them, `trading.rules` is this object
    symbols: SymbolBook
    hub: Hub
    stream_catalog: StreamCatalog
    ws_limits: ConnectionLimits
    trading: TradingEngine
    cipher: FieldCipher  # secrets at rest (webhook secrets, Telegram chat ids): crypto.py
    jobs: Jobs | None = None  # set by `open_core` (its context needs the runtime)
    # /ws sends a stream's last frame right after a SUBSCRIBE reply (the market feed's state)
    stream_snapshot: Snapshot | None = None
    trading_matcher: Matcher | None = None  # while this process holds the matcher's lease
    trading_recent: RecentTrades | None = None  # a matcher candidate's last trades (takeover)
    # /health/ready: what this process needs to serve requests (`required`), and what it only
    # reports (`info`: the market feed, the bus); see health/service.py
    readiness_checks: dict[str, Check] = field(default_factory=dict)
    info_checks: dict[str, Check] = field(default_factory=dict)

    @property
    def job_queue(self) -> Jobs:
        if self.jobs is None:
            raise RuntimeError("the runtime's core is not open (jobs)")
        return self.jobs


def build_runtime(settings: Settings, process: Process) -> Runtime:
    """Every shared object, constructed without I/O (`open_core` connects what needs it)."""
    # Imported here: these domain modules import `Runtime` for their parts.
    from backend.auth.principals import PrincipalCache
    from backend.crypto import build_cipher
    from backend.market.rulebook import SymbolBook
    from backend.market.state import MarketState
    from backend.realtime.hub import Hub
    from backend.realtime.limits import ConnectionLimits
    from backend.realtime.protocol import StreamCatalog
    from backend.security import AccessTokens, Passwords
    from backend.trading.lifespan import build_trading_engine

    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        connect_timeout_s=settings.database_connect_timeout_s,
    )
    bus = make_bus(
        settings.redis_url,
        prefix=settings.redis_prefix,
        socket_timeout_s=settings.redis_socket_timeout_s,
    )
    market = MarketState(list(settings.market_symbols), list(settings.market_intervals))
    symbols = SymbolBook(settings.market_symbols)  # filled by the `market.rules` part
    return Runtime(
        settings=settings,
        process=process,
        passwords=Passwords(
            fast=settings.fast_password_hashing, concurrency=settings.password_hash_concurrency
        ),
        access_tokens=AccessTokens(settings),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        bus=bus,
        leases=Leases(settings.redis_url, settings.redis_prefix, settings.lease_ttl_s),
        principals=PrincipalCache(settings.auth_user_cache_ttl_s, bus=bus),
        market=market,
        symbols=symbols,
        hub=Hub(bus),
        stream_catalog=StreamCatalog(settings.market_symbols, settings.market_intervals),
        ws_limits=ConnectionLimits(settings.ws_max_conns, settings.ws_max_conns_per_ip),
        trading=build_trading_engine(settings, symbols),
        cipher=build_cipher(settings),
        stream_snapshot=market.snapshot,
    )


@dataclass(frozen=True, slots=True)
class Part:
    """A long-running part: `start(rt)` is entered at start-up and left at shutdown."""

    name: str
    start: Callable[[Runtime], AbstractAsyncContextManager[None]]
    processes: frozenset[Process] = frozenset({"api"})


async def start_parts(stack: AsyncExitStack, rt: Runtime, parts: Sequence[Part]) -> None:
    """Enter every part meant for this process, in order (they are left in reverse order)."""
    for part in parts:
        if rt.process in part.processes:
            await stack.enter_async_context(part.start(rt))
            logger.bind(part=part.name, process=rt.process).debug("part.started")


@asynccontextmanager
async def open_core(rt: Runtime, jobs: Callable[[Runtime], Jobs]) -> AsyncIterator[None]:
    """Connect the bus and the job queue; close them and the database pool afterwards."""
    from backend.health import service as health_service

    rt.readiness_checks["database"] = health_service.database_check(rt.engine)
    rt.info_checks["bus"] = health_service.bus_check(rt.bus)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(rt.engine.dispose)
        stack.push_async_callback(rt.leases.close)
        await rt.bus.start()
        stack.push_async_callback(rt.bus.close)
        queue = jobs(rt)
        rt.jobs = queue
        await queue.start()
        stack.push_async_callback(queue.close)
        yield
