"""Live market state of one process: latest ticker per symbol, the forming candle per
(symbol, interval), and the feed's status. The ingestor writes it directly; API replicas
without the ingestor rebuild it from the bus frames (`follow_frame`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from backend import streams
from backend.integrations.binance.errors import ProtocolError
from backend.integrations.binance.schemas import (
    Kline,
    Ticker,
    obj,
    parse_kline_event,
    parse_ticker_event,
)

STATUS_CHANNEL = "market:status"  # not a stream name: the /ws hub never offers it to clients


@dataclass(slots=True)
class FeedStatus:
    source: str | None = None  # binance | replay
    connected: bool = False
    error: str | None = None
    replay_time_ms: int | None = None
    replay_speed: float | None = None
    last_event_ms: int | None = None  # wall clock of the last event
    ingestor: str = "none"  # in-process | remote | none

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "connected": self.connected,
            "error": self.error,
            "replay_time_ms": self.replay_time_ms,
            "replay_speed": self.replay_speed,
            "last_event_ms": self.last_event_ms,
        }


@dataclass(slots=True)
class HistoryImportStatus:
    """The background import of recorded candles (market/history_import.py), as /market/status
    shows it: `off` (not configured), `waiting` (another process holds its lease, or not begun),
    `running`, `done`, `failed`; `done`/`total` count source rows, `current` the series."""

    state: str = "off"
    done: int = 0
    total: int | None = None
    current: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "current": self.current,
            "error": self.error,
        }


class MarketState:
    def __init__(self, symbols: list[str], intervals: list[str]) -> None:
        self.symbols = symbols
        self.intervals = intervals
        self.status = FeedStatus()
        self.history_import = HistoryImportStatus()
        self.tickers: dict[str, Ticker] = {}
        self.forming: dict[tuple[str, str], Kline] = {}
        # The newest closed candle per key: it may still sit in the pipeline's write buffer.
        self.recent_closed: dict[tuple[str, str], Kline] = {}
        self.market_clock: Callable[[], int] | None = None  # replay clock when replaying
        # The newest frame of each snapshot stream: a /ws client that subscribes gets it at once
        # instead of waiting up to a second (or a whole candle) for the next update.
        self.last_frames: dict[str, bytes] = {}

    def remember_frame(self, stream: str, data: bytes) -> None:
        if streams.has_snapshot(stream):
            self.last_frames[stream] = data

    def snapshot(self, stream: str) -> bytes | None:
        return self.last_frames.get(stream)

    def now_ms(self) -> int:
        """Market time: the replay clock while replaying, else the wall clock."""
        if self.market_clock is not None:
            return self.market_clock()
        if self.status.source == "replay" and self.status.replay_time_ms is not None:
            return self.status.replay_time_ms
        return int(time.time() * 1000)

    def replay_now_ms(self) -> int | None:
        """The replay clock, or None while not replaying or before the replay has a clock (at
        start-up the wall clock would pass for a replay date)."""
        if self.status.source != "replay":
            return None
        if self.market_clock is not None:
            return self.market_clock()
        return self.status.replay_time_ms

    def touch(self) -> None:
        self.status.last_event_ms = int(time.time() * 1000)

    def set_ticker(self, ticker: Ticker) -> None:
        self.tickers[ticker.symbol] = ticker

    def set_candle(self, k: Kline) -> None:
        key = (k.symbol, k.interval)
        if k.closed:
            self.recent_closed[key] = k
            current = self.forming.get(key)
            if current is not None and current.open_time <= k.open_time:
                del self.forming[key]
        else:
            self.forming[key] = k

    def follow_frame(self, channel: str, data: bytes) -> None:
        """Apply one bus frame (`{"stream","data","source"}` or a status frame)."""
        try:
            msg = obj(json.loads(data))
            if channel == STATUS_CHANNEL:
                self._follow_status(msg)
                return
            self.remember_frame(channel, data)
            payload = obj(msg.get("data"))
            source = msg.get("source")
            if isinstance(source, str):
                self.status.source = source
            if streams.is_ticker(channel):
                self.set_ticker(parse_ticker_event(payload))
            elif streams.is_kline(channel):
                self.set_candle(parse_kline_event(payload).kline)
            self.touch()
        except (ValueError, ProtocolError):
            return

    def _follow_status(self, msg: dict[str, object] | object) -> None:
        m = obj(msg)
        source = m.get("source")
        self.status.source = source if isinstance(source, str) else None
        self.status.connected = m.get("connected") is True
        error = m.get("error")
        self.status.error = error if isinstance(error, str) else None
        replay_time = m.get("replay_time_ms")
        self.status.replay_time_ms = replay_time if isinstance(replay_time, int) else None
        speed = m.get("replay_speed")
        self.status.replay_speed = float(speed) if isinstance(speed, int | float) else None
        self.status.ingestor = "remote"
