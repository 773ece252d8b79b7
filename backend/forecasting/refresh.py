"""The part that computes forecasts when a candle closes: for every closed candle of a symbol and
interval that has a model, once the candle is stored, the latest model's forecast (default
horizon) is queued as a job, so `GET /forecast` finds it ready. Once per deployment (lease
`forecasting.refresh`); the job itself runs on the workers like any forecast job."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from loguru import logger

from backend import streams
from backend.errors import NotFound
from backend.forecasting import queries
from backend.forecasting import repository as repo
from backend.leases import singleton
from backend.runtime import Runtime

REFRESH_LEASE = "forecasting.refresh"
DEFAULT_HORIZON = 24
STORE_WAIT_S = 60.0  # the pipeline stores closed candles in batches shortly after publishing
_CLOSED = b'"x":true'

Closed = tuple[str, str, int]  # symbol, interval, open time


async def _stored(rt: Runtime, symbol: str, interval: str, open_time: int) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STORE_WAIT_S
    while True:
        async with rt.sessionmaker() as session:
            last = await repo.last_open_time(session, symbol, interval)
        if last is not None and last >= open_time:
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(1.0)


async def refresh_one(rt: Runtime, closed: Closed) -> None:
    symbol, interval, open_time = closed
    async with rt.sessionmaker() as session:
        if await repo.latest_model(session, symbol, interval) is None:
            return
    if not await _stored(rt, symbol, interval, open_time):
        return
    with contextlib.suppress(NotFound):
        await queries.request_forecast(
            rt.sessionmaker,
            rt.job_queue,
            symbol=symbol,
            interval=interval,
            horizon=DEFAULT_HORIZON,
            user_id=None,
        )


@asynccontextmanager
async def forecast_refresh(rt: Runtime) -> AsyncIterator[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        queue: asyncio.Queue[Closed] = asyncio.Queue(maxsize=1000)

        def on_kline(_channel: str, frame: bytes) -> None:
            if _CLOSED not in frame:
                return
            k = json.loads(frame)["data"]["k"]
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait((str(k["s"]), str(k["i"]), int(k["t"])))

        async def consume() -> None:
            while True:
                closed = await queue.get()
                try:
                    await refresh_one(rt, closed)
                except Exception:
                    logger.opt(exception=True).bind(candle=closed).warning(
                        "forecast.refresh_failed"
                    )

        settings = rt.settings
        subs = [
            await rt.bus.subscribe(streams.kline(s, i), on_kline)
            for s in settings.market_symbols
            for i in settings.market_intervals
        ]
        task = asyncio.create_task(consume(), name="forecast-refresh")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            for sub in subs:
                await sub.close()

    async with singleton(rt.leases.lease(REFRESH_LEASE), run):
        yield
