"""Binance combined-stream client: parsed events plus connection notices, forever.

`BinanceStream.events()` yields `StreamMessage` (one parsed market event), `Connected` (after
every successful open; `reconnect=True` and `down_since_ms` tell the ingestor which gap to
backfill over REST) and `Disconnected` (why the previous connection ended).

Protocol facts it honours (PROTOCOL.md §1.2, §1.5):
* control frames (SUBSCRIBE/UNSUBSCRIBE) are spaced to at most `control_rate` per second
  (Binance drops connections above 5 inbound messages/s, pings and pongs included);
* server pings are answered by websockets itself; a connection that delivers no frame for
  `silence_timeout_s` is treated as dead even when TCP and pings still work;
* Binance cuts every connection at 24 h: we reconnect on our own after `max_lifetime_s`;
* `serverShutdown` (bare or as the `!serverShutdown` combined stream) means reconnect now;
* error replies come bare (`{"code","msg","id"}`) or enveloped (`{"error":{...},"id"}`).
Reconnects after failures back off exponentially with full jitter.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from loguru import logger
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from backend.integrations.binance.errors import ProtocolError
from backend.integrations.binance.schemas import (
    BookTicker,
    Depth,
    KlineEvent,
    MiniTicker,
    Ticker,
    TradeEvent,
    obj,
    parse_book_ticker,
    parse_depth,
    parse_kline_event,
    parse_mini_ticker_event,
    parse_ticker_event,
    parse_trade_event,
)

MAX_URL_STREAMS_CHARS = 1800  # keep the opening URL well under common 2-8 KiB limits
SUBSCRIBE_CHUNK = 200


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    data: object


Event: TypeAlias = (
    "KlineEvent | TradeEvent | Ticker | MiniTicker | tuple[MiniTicker, ...] | BookTicker "
    "| Depth | UnknownEvent"
)


@dataclass(frozen=True, slots=True)
class StreamMessage:
    stream: str
    event: Event


@dataclass(frozen=True, slots=True)
class Connected:
    connection: int  # 1 for the first connection of this client, 2 for the first reconnect ...
    down_since_ms: int | None  # when the previous connection stopped delivering (epoch ms)

    @property
    def reconnect(self) -> bool:
        return self.connection > 1


@dataclass(frozen=True, slots=True)
class Disconnected:
    reason: str  # dropped | silent | renew | server_shutdown | connect_failed | closed
    at_ms: int


StreamItem: TypeAlias = "StreamMessage | Connected | Disconnected"


@dataclass(frozen=True, slots=True)
class ControlError:
    request_id: object
    code: int | None
    msg: str


def parse_event(stream: str, data: object) -> Event:
    """The typed event for one `data` payload; `stream` disambiguates payloads without `e`."""
    if isinstance(data, list):
        return tuple(parse_mini_ticker_event(obj(item)) for item in data)
    d = obj(data)
    kind = d.get("e")
    if kind == "kline":
        return parse_kline_event(d)
    if kind == "trade":
        return parse_trade_event(d)
    if kind == "24hrTicker":
        return parse_ticker_event(d)
    if kind == "24hrMiniTicker":
        return parse_mini_ticker_event(d)
    if kind is None and "lastUpdateId" in d:
        return parse_depth(d, stream.split("@", 1)[0].upper())
    if kind is None and "u" in d and "b" in d:
        return parse_book_ticker(d)
    return UnknownEvent(data)


class BinanceStream:
    def __init__(
        self,
        base_url: str,
        streams: Iterable[str] = (),
        *,
        silence_timeout_s: float = 30.0,
        max_lifetime_s: float = 23.5 * 3600,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        control_rate: float = 4.0,
        open_timeout_s: float = 10.0,
        ping_interval_s: float | None = 20.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._streams: list[str] = list(dict.fromkeys(s for s in streams))
        self._silence = silence_timeout_s
        self._lifetime = max_lifetime_s
        self._backoff_base = backoff_base_s
        self._backoff_max = backoff_max_s
        self._control_gap = 1.0 / max(0.1, min(5.0, control_rate))
        self._open_timeout = open_timeout_s
        self._ping_interval = ping_interval_s
        self._ws: ClientConnection | None = None
        self._next_id = 1
        self._last_control = 0.0
        self._control_lock = asyncio.Lock()
        self._closed = False
        self.connections = 0
        self.malformed = 0
        self.control_errors: list[ControlError] = []

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self._streams)

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()

    async def subscribe(self, streams: Iterable[str]) -> None:
        new = [s for s in dict.fromkeys(streams) if s not in self._streams]
        self._streams.extend(new)
        if self._ws is not None and new:
            await self._send_method(self._ws, "SUBSCRIBE", new)

    async def unsubscribe(self, streams: Iterable[str]) -> None:
        gone = [s for s in dict.fromkeys(streams) if s in self._streams]
        self._streams = [s for s in self._streams if s not in gone]
        if self._ws is not None and gone:
            await self._send_method(self._ws, "UNSUBSCRIBE", gone)

    async def events(self) -> AsyncIterator[StreamItem]:
        attempt = 0
        down_since: int | None = None
        while not self._closed:
            url, rest = self._opening_url()
            try:
                ws = await connect(
                    url,
                    open_timeout=self._open_timeout,
                    ping_interval=self._ping_interval,
                    ping_timeout=self._ping_interval,
                    close_timeout=2,
                    max_size=8 * 2**20,
                )
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                logger.bind(error=repr(exc), attempt=attempt).warning(
                    "binance.stream.connect_failed"
                )
                if down_since is None:
                    down_since = _now_ms()
                    yield Disconnected("connect_failed", down_since)
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
                continue
            self._ws = ws
            self.connections += 1
            logger.bind(connection=self.connections, streams=len(self._streams)).info(
                "binance.stream.connected"
            )
            yield Connected(self.connections, down_since)
            down_since = None
            delivered = False
            reason = "closed"
            try:
                if rest:
                    await self._send_method(ws, "SUBSCRIBE", rest)
                deadline = time.monotonic() + self._lifetime
                while not self._closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        reason = "renew"
                        break
                    try:
                        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a
                        # cancellation that lands as a frame arrives, and the feed then kept
                        # reading after its part stopped (the ingestor lease came back 25 s
                        # late after a Redis restart: tests/faults/test_redis_outage.py)
                        async with asyncio.timeout(min(self._silence, remaining)):
                            raw = await ws.recv()
                    except TimeoutError:
                        reason = "renew" if time.monotonic() >= deadline else "silent"
                        break
                    item = self._handle(raw)
                    if item == "server_shutdown":
                        reason = "server_shutdown"
                        break
                    if isinstance(item, StreamMessage):
                        delivered = True
                        yield item
            except ConnectionClosed as exc:
                reason = "dropped" if exc.rcvd is None else "closed"
            finally:
                self._ws = None
                await _close_quietly(ws)
            if self._closed:
                return
            at = _now_ms()
            down_since = at
            logger.bind(reason=reason, connection=self.connections).warning(
                "binance.stream.disconnected"
            )
            yield Disconnected(reason, at)
            if delivered:
                attempt = 0
            if reason in ("renew", "server_shutdown"):
                continue  # planned: reconnect at once
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    # ------------------------------------------------------------------ internals

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self._backoff_max, self._backoff_base * 2**attempt))  # noqa: S311

    def _opening_url(self) -> tuple[str, list[str]]:
        in_url: list[str] = []
        size = 0
        for name in self._streams:
            size += len(name) + 1
            if size > MAX_URL_STREAMS_CHARS:
                break
            in_url.append(name)
        rest = self._streams[len(in_url) :]
        if not in_url:
            return f"{self._base}/stream", rest
        return f"{self._base}/stream?streams={'/'.join(in_url)}", rest

    async def _send_method(self, ws: ClientConnection, method: str, params: list[str]) -> None:
        for i in range(0, len(params), SUBSCRIBE_CHUNK):
            chunk = params[i : i + SUBSCRIBE_CHUNK]
            async with self._control_lock:
                wait = self._last_control + self._control_gap - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                request_id = self._next_id
                self._next_id += 1
                frame = json.dumps({"method": method, "params": chunk, "id": request_id})
                try:
                    await ws.send(frame)
                finally:
                    self._last_control = time.monotonic()

    def _handle(self, raw: str | bytes) -> StreamMessage | str | None:
        try:
            msg = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self.malformed += 1
            logger.bind(size=len(raw)).warning("binance.stream.malformed_frame")
            return None
        if isinstance(msg, dict):
            if "stream" in msg and "data" in msg:
                stream = msg["stream"]
                if not isinstance(stream, str):
                    self.malformed += 1
                    return None
                if stream == "!serverShutdown":
                    return "server_shutdown"
                return self._message(stream, msg["data"])
            if "result" in msg and "id" in msg and len(msg) == 2:
                return None  # control reply
            error = _control_error(msg)
            if error is not None:
                self.control_errors.append(error)
                logger.bind(code=error.code, msg=error.msg, id=error.request_id).warning(
                    "binance.stream.error_frame"
                )
                return None
            if msg.get("e") == "serverShutdown":
                return "server_shutdown"
        # Raw (non-combined) event: the stream name is unknown; derive what we can.
        return self._message("", msg)

    def _message(self, stream: str, data: object) -> StreamMessage | None:
        try:
            return StreamMessage(stream, parse_event(stream, data))
        except ProtocolError as exc:
            self.malformed += 1
            logger.bind(stream=stream, error=str(exc)).warning("binance.stream.bad_event")
            return None


def _control_error(msg: Mapping[str, object]) -> ControlError | None:
    inner = msg.get("error")
    source = inner if isinstance(inner, dict) else msg
    if "code" not in source or "msg" not in source:
        return None
    code = source.get("code")
    text = source.get("msg")
    return ControlError(
        request_id=msg.get("id"),
        code=code if isinstance(code, int) else None,
        msg=text if isinstance(text, str) else "",
    )


async def _close_quietly(ws: ClientConnection) -> None:
    try:
        async with asyncio.timeout(3):  # not wait_for (see above)
            await ws.close()
    except (TimeoutError, OSError, ConnectionClosed):
        ws.transport.abort()


def _now_ms() -> int:
    return int(time.time() * 1000)
