"""The market ingestor: exactly one per deployment feeds the pipeline from the chosen source.

Which process ingests is decided by the `market.ingestor` lease (market/feed.py): any API
process (unless RUN_INGESTOR=no) and any `python -m backend.market.ingestor` (`make ingestor`)
process is a candidate; a standby takes over within one lease ttl when the holder dies.
MARKET_SOURCE=auto picks Binance when its REST API answers, else replay when MARKET_REPLAY_DIR is
set, else reports the error in the status (and so in /health/ready).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.config import Settings, get_settings
from backend.logging import setup_logging
from backend.market.depth import start_depth, stop_depth
from backend.market.pipeline import Pipeline
from backend.market.sources import MarketSource
from backend.market.sources.binance import BinanceSource, probe
from backend.market.sources.replay import ReplayError, ReplaySource
from backend.market.state import MarketState

RESTART_DELAY_S = 5.0


class NoSource(RuntimeError):
    pass


async def choose_source(settings: Settings, *, resume_ms: int | None = None) -> MarketSource:
    """`resume_ms`: the replay clock this process last saw (its own, or the holder's it
    followed): a restarted or taken-over replay goes on from there instead of REPLAY_START."""
    if settings.market_source == "binance":
        return BinanceSource(settings)
    if settings.market_source == "replay":
        return ReplaySource(settings, resume_ms=resume_ms)
    if await probe(settings.binance_rest_url):
        return BinanceSource(settings)
    if settings.market_replay_dir is not None:
        logger.info("market.source.auto_replay")
        return ReplaySource(settings, resume_ms=resume_ms)
    raise NoSource("Binance is unreachable and MARKET_REPLAY_DIR is not set")


async def run_feed(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: Bus,
    state: MarketState,
    *,
    source: MarketSource | None = None,
) -> None:
    """Run the source into a pipeline until cancelled; restart it after a crash."""
    state.status.ingestor = "in-process"
    while True:
        try:
            chosen = source or await choose_source(settings, resume_ms=state.replay_now_ms())
        except (NoSource, ReplayError) as exc:
            state.status.error = str(exc)
            state.status.connected = False
            logger.bind(error=str(exc)).error("market.no_source")
            await asyncio.sleep(RESTART_DELAY_S * 6)
            continue
        pipeline = Pipeline(
            source=chosen.name,
            symbols=settings.market_symbols,
            intervals=settings.market_intervals,
            state=state,
            bus=bus,
            sessionmaker=sessionmaker,
        )
        periodic = asyncio.create_task(pipeline.run_periodic(), name="market-periodic")
        depth = start_depth(settings, chosen, pipeline)  # live Binance only
        try:
            await chosen.run(pipeline)
            await pipeline.publish_status()
            return  # a replay that reached the end of its data
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            state.status.connected = False
            state.status.error = f"{type(exc).__name__}: {exc}"
            logger.opt(exception=True).error("market.source_crashed")
        finally:
            await stop_depth(depth)
            periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await periodic
            with contextlib.suppress(Exception):
                await pipeline.flush()
        source = None
        await asyncio.sleep(RESTART_DELAY_S)


async def main() -> None:
    """`make ingestor`: a process whose one part is the market feed (a candidate for its lease)."""
    from backend.main import PARTS  # the one list of parts; imported here (main imports market)
    from backend.runtime import build_runtime, open_core, start_parts
    from backend.worker import make_jobs

    settings = get_settings()
    setup_logging(settings, process="ingestor")
    rt = build_runtime(settings, "ingestor")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Stop by leaving the parts: the pipeline flushes its buffered candles and the lease is
        # released (a supervisor's SIGTERM would otherwise skip every `finally`).
        loop.add_signal_handler(sig, stopping.set)
    async with open_core(rt, make_jobs), contextlib.AsyncExitStack() as stack:
        await start_parts(stack, rt, PARTS)
        await stopping.wait()


if __name__ == "__main__":
    asyncio.run(main())
