"""Replay source: plays recorded candle files as the events a live feed produces.

Ticks come from backend/market/replay.py (deterministic O-L-H-C / O-H-L-C walks); ticks build
1m candles, the pipeline's CandleBuilder derives every stored interval, and a rolling ticker
gives `@ticker`/`@miniTicker`. Pacing: REPLAY_SPEED x real time from REPLAY_START (default:
30 days before the data ends); a restart within a process's life (after a crash, or a standby
taking the ingestor lease) resumes just after the replay time last shown (`resume_ms`), so the
clock never runs backwards there. The data from the start of the current 1d bucket up to the start
is pre-rolled instantly without publishing, so higher-interval candles are whole from the first
frame. Kline and ticker updates are emitted on a market-time grid (every max(2 s, speed x 1 s)
of market time, i.e. about once a real second, like Binance's 1-2 s cadence); closed candles and
trades always. When the data ends the source stops and reports it in the status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from loguru import logger

from backend.config import Settings
from backend.integrations.binance.schemas import TradeEvent
from backend.market import symbols as symbol_rules
from backend.market.candles import MinuteFromTicks, floor_open, interval_ms
from backend.market.history import recorded_history
from backend.market.pipeline import Pipeline
from backend.market.replay import (
    ReplayClock,
    SourceCandle,
    candle_files,
    last_open_time,
    parse_start,
    pick_file,
    read_candles,
    tick_stream,
)
from backend.market.ticker import RollingTicker

DEFAULT_LOOKBACK_MS = 30 * 86_400_000
PREROLL_YIELD_EVERY = 2000
CATCH_UP_YIELD_EVERY = 50  # ticks played back to back between two turns of the event loop
HISTORY_CANDLES = 1000


class ReplayError(RuntimeError):
    pass


class ReplaySource:
    name = "replay"

    def __init__(
        self,
        settings: Settings,
        *,
        tick_ms: int = 5000,
        clock: ReplayClock | None = None,
        resume_ms: int | None = None,
    ) -> None:
        if settings.market_replay_dir is None:
            raise ReplayError("MARKET_REPLAY_DIR is not set")
        self.settings = settings
        self.dir = Path(settings.market_replay_dir)
        self.tick_ms = tick_ms
        self.clock = clock
        self.resume_ms = resume_ms
        self.finished = False

    def plan(self) -> tuple[int, dict[str, tuple[str, Path]]]:
        """(start ms, {symbol: (interval, file)}) for the configured symbols that have data."""
        files = candle_files(self.dir)
        wanted = [s for s in self.settings.market_symbols if s in files]
        if not wanted:
            raise ReplayError(f"no candle files for the configured symbols under {self.dir}")
        start = parse_start(self.settings.replay_start)
        if start is None:
            ends = [last_open_time(p) for s in wanted for p in files[s].values()]
            start = max(e for e in ends if e is not None) - DEFAULT_LOOKBACK_MS
        if self.resume_ms is not None and self.resume_ms >= start:
            # A restart (after a crash, or a standby taking over) goes on just after the market
            # time already shown: the clock never runs backwards within a deployment's run.
            start = self.resume_ms + 1
        chosen: dict[str, tuple[str, Path]] = {}
        for symbol in wanted:
            picked = pick_file(files[symbol], start)
            if picked is not None:
                chosen[symbol] = picked
        missing = sorted(set(self.settings.market_symbols) - set(chosen))
        if missing:
            logger.bind(symbols=missing).warning("market.replay.no_data_for_symbols")
        return start, chosen

    async def _seed_history(self, sink: Pipeline, symbols: list[str], before_ms: int) -> None:
        """Charts need history before the start: store the recorded candles preceding it
        (HISTORY_CANDLES per stored interval the files can give; the store skips known ones)."""
        files = candle_files(self.dir)
        for symbol in symbols:
            klines = await asyncio.to_thread(
                recorded_history, files[symbol], symbol, sink.intervals, before_ms, HISTORY_CANDLES
            )
            await sink.store_klines(klines)

    async def run(self, sink: Pipeline) -> None:
        start, chosen = await asyncio.to_thread(self.plan)  # reads whole files: off the loop
        infos = symbol_rules.pick(symbol_rules.load_snapshot().symbols, list(chosen))
        await sink.on_symbols(infos, "snapshot")
        ticks_by_symbol = {i.symbol: symbol_rules.tick_size(i) for i in infos}
        symbols = [s for s in chosen if s in ticks_by_symbol]
        clock = self.clock or ReplayClock(start, self.settings.replay_speed)
        sink.state.market_clock = clock.now_ms
        sink.state.status.replay_speed = clock.speed
        largest = max(sink.intervals, key=interval_ms, default="1m")
        preroll_from = floor_open(start, largest)
        await self._seed_history(sink, symbols, preroll_from)
        sources: list[Iterator[SourceCandle]] = [
            read_candles(chosen[s][1], s, chosen[s][0], start_ms=preroll_from) for s in symbols
        ]
        minutes = {s: MinuteFromTicks(s) for s in symbols}
        rolling = {s: RollingTicker(s, ticks_by_symbol[s]) for s in symbols}
        last_price: dict[str, Decimal] = {}
        grid = max(2000, int(clock.speed * 1000))
        grid = -(-grid // self.tick_ms) * self.tick_ms  # a multiple of the tick spacing
        sink.set_connected(True)
        count = behind = 0
        first_live = True
        for tick in tick_stream(sources, self.tick_ms, ticks_by_symbol):
            if tick.time < preroll_from:
                continue
            live = tick.time >= start
            count += 1
            if live:
                if await clock.sleep_until(tick.time):
                    behind = 0
                else:
                    # Behind the clock (the process was stopped, the loop stalled): the missed
                    # ticks are played back to back, and on the in-process bus nothing in that
                    # path awaits, so give the API its turn now and then.
                    behind += 1
                    if behind % CATCH_UP_YIELD_EVERY == 0:
                        await asyncio.sleep(0)
            elif count % PREROLL_YIELD_EVERY == 0:
                await asyncio.sleep(0)  # pre-roll: let the API breathe
            on_grid = live and (tick.time % grid == 0 or first_live)
            first_live = first_live and not live
            roll = rolling[tick.symbol]
            builder = minutes[tick.symbol]
            # Trade ids = market time in ms: unique per symbol, deterministic, and never reused
            # when the replay is restarted (the trading engine de-duplicates fills on them).
            closed = builder.apply(tick.price, tick.qty, tick.time, tick.time)
            if closed is not None:
                roll.add(closed)
                await sink.on_kline_1m(closed, tick.time, publish=live)
            # Forming updates reach the pipeline only on the grid (one builder pass per symbol
            # per emitted frame, not per tick).
            forming = builder.current() if on_grid else None
            if forming is not None:
                roll.add(forming)
                await sink.on_kline_1m(forming, tick.time, publish=True)
            if not live:
                continue
            roll.last_qty = tick.qty
            prev = last_price.get(tick.symbol, tick.price)
            last_price[tick.symbol] = tick.price
            # A down-tick reads as an aggressive sell, i.e. the buyer was the maker.
            trade = TradeEvent(
                tick.time, tick.symbol, tick.time, tick.price, tick.qty, tick.time,
                buyer_is_maker=tick.price < prev,
            )  # fmt: skip
            await sink.on_trade(trade)
            if on_grid:
                ticker = roll.snapshot(tick.time, tick.price)
                if ticker is not None:
                    await sink.on_ticker(ticker)
        for builder in minutes.values():
            last = builder.flush()
            if last is not None:
                await sink.on_kline_1m(last, last.close_time, publish=True)
        await sink.finish()
        self.finished = True
        sink.set_connected(False, "replay reached the end of its data")
        logger.info("market.replay.finished")
