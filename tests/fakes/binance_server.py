"""A fake Binance Spot exchange for tests: real local HTTP (uvicorn/Starlette) and WebSocket
(websockets) servers on port 0 speaking the protocol of ../shared/binance/PROTOCOL.md.

REST: /api/v3/ping, /time, /exchangeInfo (real symbol objects from samples/), /klines,
/ticker/24hr, /depth with parameter checks and Binance error bodies; X-MBX-USED-WEIGHT-1M on
every reply; 429 + Retry-After + -1003 over `weight_limit`, 418 (ban) after `ban_after` 429s
in one window. Fault switches: `fail_next(status, ...)`.

WS: /ws, /ws/<name>, /stream?streams=a/b; SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS /
SET_PROPERTY / GET_PROPERTY with the documented error replies (enveloped by default, bare with
`bare_errors=True`); at most `max_msgs_per_s` inbound data frames per second, else close 1008
(websockets answers pings/pongs inside the library, so those are not counted: a documented
deviation); server pings every `ping_interval_s`. Events are pushed by the test (`push`,
`push_kline`, ...). Faults: `drop()`, `stall()`, `refuse()` (handshakes get 503),
`send_malformed()`, `server_shutdown()`.

`max_lifetime_s` cuts connections like Binance's 24 h limit (test-sized).

Partial depth (`<symbol>@depth5|10|20[@100ms]`): `depth_book()` makes a plausible book around the
symbol's last price (one-tick spread, gaps of 1-3 ticks, quantities on the LOT_SIZE step), its
`lastUpdateId` taken from the per-symbol counter REST `/depth` also advances (PROTOCOL.md §1.7);
`push_depth()` sends one, `start_depth_feed()` keeps every subscribed depth stream fed at
Binance's cadence (100 ms / 1000 ms) until `stop()`.

Choices where the docs are silent (PROTOCOL.md [doc gap]): klines limit > 1000 -> -1130; more
than `max_streams` on one connection -> code 2 "Invalid request: too many streams".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse

from backend.integrations.binance.schemas import INTERVAL_MS, INTERVALS
from tests.fakes import binance_events as ev

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "binance" / "samples"
STREAM_RE = re.compile(r"^(![A-Za-z0-9_]+|[a-z0-9]+)@[A-Za-z0-9_@:+\-]+$")
DEPTH_STREAM_RE = re.compile(r"^([a-z0-9]+)@depth(5|10|20)(@100ms)?$")
METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")


def load_sample_symbols() -> list[dict[str, Any]]:
    """Real mainnet symbol objects, then testnet ones for symbols the mainnet sample lacks."""
    real = json.loads((SAMPLES / "rest_exchangeInfo_real.json").read_text())["symbols"]
    testnet = json.loads((SAMPLES / "rest_exchangeInfo_testnet_2024.json").read_text())["symbols"]
    have = {s["symbol"] for s in real}
    return [*real, *(s for s in testnet if s["symbol"] not in have)]


def now_ms() -> int:
    return int(time.time() * 1000)


class BinanceHttpError(Exception):
    def __init__(self, status: int, code: int, msg: str, headers: dict[str, str] | None = None):
        self.status, self.code, self.msg, self.headers = status, code, msg, headers or {}


@dataclass
class Fault:
    status: int
    code: int = -1000
    msg: str = "An unknown error occurred while processing the request."
    retry_after: int | None = None
    path: str | None = None  # only requests to this path; None: any
    delay_s: float = 0.0  # sleep before answering (timeouts)


@dataclass(eq=False)
class WsConn:
    ws: ServerConnection
    combined: bool
    streams: set[str] = field(default_factory=set)
    inbound: deque[float] = field(default_factory=deque)
    received: list[Any] = field(default_factory=list)


class FakeBinance:
    def __init__(
        self,
        *,
        weight_limit: int = 6000,
        weight_window_s: float = 60.0,
        ban_after: int = 3,
        ban_s: int = 2,
        ping_interval_s: float | None = 20.0,
        pong_timeout_s: float | None = 60.0,
        max_msgs_per_s: int = 5,
        max_streams: int = 1024,
        bare_errors: bool = False,
        max_lifetime_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock  # the weight window's clock (a test may share a virtual one)
        self.weight_limit = weight_limit
        self.weight_window_s = weight_window_s
        self.ban_after = ban_after
        self.ban_s = ban_s
        self.ping_interval_s = ping_interval_s
        self.pong_timeout_s = pong_timeout_s
        self.max_msgs_per_s = max_msgs_per_s
        self.max_streams = max_streams
        self.bare_errors = bare_errors
        self.max_lifetime_s = max_lifetime_s  # Binance: 24 h; then it disconnects
        self.symbols: dict[str, dict[str, Any]] = {s["symbol"]: s for s in load_sample_symbols()}
        self.klines: dict[tuple[str, str], dict[int, list[object]]] = {}
        self.tickers: dict[str, dict[str, Any]] = {}
        self.update_id: dict[str, int] = {}
        self.faults: deque[Fault] = deque()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.statuses: list[int] = []
        self.conns: set[WsConn] = set()
        self.connections_total = 0
        self.stalled = False
        self.refusing = False
        self._window = -1
        self._used = 0
        self._rejections = 0
        self._banned_until = 0.0
        self._uvicorn: uvicorn.Server | None = None
        self._uvicorn_task: asyncio.Task[None] | None = None
        self._ws_server: Server | None = None
        self.rest_url = ""
        self.ws_url = ""
        self.depth_rng = random.Random(7)  # a test-stable book
        self.depth_pushed = 0
        self._depth_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeBinance:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            self._rest_app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._uvicorn = uvicorn.Server(config)
        self._uvicorn_task = asyncio.create_task(self._uvicorn.serve(sockets=[sock]))
        while not self._uvicorn.started:
            await asyncio.sleep(0.01)
        self.rest_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._ws_server = await serve(
            self._ws_handler,
            "127.0.0.1",
            0,
            ping_interval=self.ping_interval_s,
            ping_timeout=self.pong_timeout_s,
            process_request=self._ws_process_request,
        )
        port = next(iter(self._ws_server.sockets)).getsockname()[1]
        self.ws_url = f"ws://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._depth_task is not None:
            self._depth_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._depth_task
        if self._ws_server is not None:
            self._ws_server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws_server.wait_closed(), 5)
        if self._uvicorn is not None and self._uvicorn_task is not None:
            self._uvicorn.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._uvicorn_task, 5)

    async def __aenter__(self) -> FakeBinance:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ scripting

    def fail_next(self, status: int, count: int = 1, **kw: Any) -> None:
        for _ in range(count):
            self.faults.append(Fault(status=status, **kw))

    def add_klines(self, symbol: str, interval: str, rows: Iterable[list[object]]) -> None:
        book = self.klines.setdefault((symbol, interval), {})
        for row in rows:
            assert isinstance(row[0], int)
            book[row[0]] = row

    def set_ticker(self, symbol: str, last: str, event_time: int | None = None) -> None:
        self.tickers[symbol] = ev.ticker_event(symbol, last, event_time or now_ms())

    async def push(self, stream: str, data: object) -> int:
        """Send one event to every connection subscribed to `stream`; returns the recipients."""
        if self.stalled:
            return 0
        wrapped = json.dumps({"stream": stream, "data": data})
        bare = json.dumps(data)
        sent = 0
        for conn in list(self.conns):
            if stream in conn.streams:
                with contextlib.suppress(Exception):
                    await conn.ws.send(wrapped if conn.combined else bare)
                    sent += 1
        return sent

    async def play(self, script: Iterable[tuple[float, str, object]]) -> int:
        """Push a script of `(delay_s, stream, data)` steps in order; returns frames sent."""
        sent = 0
        for delay, stream, data in script:
            if delay > 0:
                await asyncio.sleep(delay)
            sent += await self.push(stream, data)
        return sent

    async def push_kline(
        self, symbol: str, interval: str, row: list[object], *, closed: bool
    ) -> int:
        # The REST store follows the stream, so a backfill sees what the stream said.
        self.add_klines(symbol, interval, [row])
        data = ev.kline_event(symbol, interval, row, closed=closed)
        return await self.push(f"{symbol.lower()}@kline_{interval}", data)

    # ------------------------------------------------------------------ depth

    def _filter(self, symbol: str, filter_type: str, key: str, default: str) -> Decimal:
        for f in self.symbols.get(symbol, {}).get("filters", []):
            if f.get("filterType") == filter_type:
                return Decimal(f[key])
        return Decimal(default)

    def next_update_id(self, symbol: str, by: int = 1) -> int:
        """The one per-symbol order-book update counter (REST /depth, partial depth)."""
        self.update_id[symbol] = self.update_id.get(symbol, 1000) + by
        return self.update_id[symbol]

    def depth_book(self, symbol: str, levels: int = 20) -> dict[str, Any]:
        """A partial-depth payload around the last price: best N levels per side."""
        tick = self._filter(symbol, "PRICE_FILTER", "tickSize", "0.01")
        step = self._filter(symbol, "LOT_SIZE", "stepSize", "0.00001")
        last = Decimal(self.tickers.get(symbol, {}).get("c", "100"))
        rng = self.depth_rng
        best_ask = (last / tick).to_integral_value(rounding=ROUND_CEILING) * tick
        if best_ask <= last:
            best_ask += tick
        best_bid = best_ask - tick

        def side(start: Decimal, direction: int) -> list[list[str]]:
            out: list[list[str]] = []
            price = start
            for _ in range(levels):
                if price <= 0:
                    break
                notional = Decimal(rng.randint(200, 60_000))  # quote per level
                qty = max(step, (notional / price / step).to_integral_value(ROUND_DOWN) * step)
                out.append([ev.d8(price), ev.d8(qty)])
                price += direction * tick * rng.randint(1, 3)
            return out

        return {
            "lastUpdateId": self.next_update_id(symbol, rng.randint(1, 5)),
            "bids": side(best_bid, -1),
            "asks": side(best_ask, 1),
        }

    async def push_depth(self, symbol: str, levels: int = 20, *, fast: bool = True) -> int:
        stream = f"{symbol.lower()}@depth{levels}{'@100ms' if fast else ''}"
        return await self.push(stream, self.depth_book(symbol, levels))

    def start_depth_feed(self, every_s: float = 0.1) -> None:
        """Feed every subscribed partial-depth stream: `@100ms` each tick, the rest each 1 s."""
        if self._depth_task is None:
            self._depth_task = asyncio.create_task(self._depth_loop(every_s))

    async def _depth_loop(self, every_s: float) -> None:
        slow_every = max(1, round(1.0 / every_s))
        tick = 0
        while True:
            await asyncio.sleep(every_s)
            wanted: dict[str, list[tuple[str, int]]] = {}
            for conn in list(self.conns):
                for name in conn.streams:
                    m = DEPTH_STREAM_RE.match(name)
                    if m is None or (m.group(3) is None and tick % slow_every):
                        continue
                    wanted.setdefault(m.group(1).upper(), []).append((name, int(m.group(2))))
            for symbol, names in wanted.items():
                book = self.depth_book(symbol, 20)  # one book per symbol and tick, cut per stream
                for name, levels in dict.fromkeys(names):
                    data = {**book, "bids": book["bids"][:levels], "asks": book["asks"][:levels]}
                    self.depth_pushed += await self.push(name, data)
            tick += 1

    async def wait_subscribed(self, stream: str, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not any(stream in c.streams for c in self.conns):
                await asyncio.sleep(0.01)

    async def wait_connections(self, total: int, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while self.connections_total < total:
                await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ faults

    def drop(self) -> None:
        """Cut every WebSocket connection without a close frame (network loss)."""
        for conn in list(self.conns):
            conn.ws.transport.abort()

    def stall(self, on: bool = True) -> None:
        """Keep connections open (pings still answered) but deliver no events."""
        self.stalled = on

    def refuse(self, on: bool = True) -> None:
        """Answer new WebSocket handshakes with HTTP 503 (an outage that lasts); REST stays up."""
        self.refusing = on

    async def send_malformed(self, payload: str = '{"stream": "btcusdt@trade", "data": {') -> None:
        for conn in list(self.conns):
            with contextlib.suppress(Exception):
                await conn.ws.send(payload)

    async def server_shutdown(self) -> None:
        event = {"e": "serverShutdown", "E": now_ms()}
        for conn in list(self.conns):
            frame = {"stream": "!serverShutdown", "data": event} if conn.combined else event
            with contextlib.suppress(Exception):
                await conn.ws.send(json.dumps(frame))
                await conn.ws.close(1001, "server shutdown")

    # ------------------------------------------------------------------ REST

    def _rest_app(self) -> Starlette:
        routes = [
            Route("/api/v3/ping", self._wrap(1, self._ping)),
            Route("/api/v3/time", self._wrap(1, self._time)),
            Route("/api/v3/exchangeInfo", self._wrap(20, self._exchange_info)),
            Route("/api/v3/klines", self._wrap(2, self._klines)),
            Route("/api/v3/uiKlines", self._wrap(2, self._klines)),
            Route("/api/v3/ticker/24hr", self._wrap(self._ticker_weight, self._ticker_24hr)),
            Route("/api/v3/depth", self._wrap(self._depth_weight, self._depth)),
        ]
        return Starlette(routes=routes)

    def _wrap(self, weight: Any, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            params = dict(request.query_params)
            self.requests.append((request.url.path, params))
            w = weight(params) if callable(weight) else weight
            try:
                headers = await self._account(request.url.path, w)
                body = handler(params)
                status = 200
            except BinanceHttpError as exc:
                headers = {**self._weight_headers(), **exc.headers}
                body, status = {"code": exc.code, "msg": exc.msg}, exc.status
            self.statuses.append(status)
            return JSONResponse(body, status_code=status, headers=headers)

        return endpoint

    def _weight_headers(self) -> dict[str, str]:
        return {"X-MBX-USED-WEIGHT-1M": str(self._used), "x-mbx-used-weight": str(self._used)}

    async def _account(self, path: str, weight: int) -> dict[str, str]:
        now = self.clock()
        window = int(now // self.weight_window_s)
        if window != self._window:
            self._window, self._used, self._rejections = window, 0, 0
        if now < self._banned_until:
            self._raise_ban(now)
        fault = next((f for f in self.faults if f.path in (None, path)), None)
        if fault is not None:
            self.faults.remove(fault)
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            raise BinanceHttpError(fault.status, fault.code, fault.msg, headers)
        self._used += weight
        if self._used > self.weight_limit:
            self._rejections += 1
            if self._rejections > self.ban_after:
                self._banned_until = now + self.ban_s
                self._raise_ban(now)
            retry = max(1, int((window + 1) * self.weight_window_s - now + 0.999))
            raise BinanceHttpError(
                429,
                -1003,
                f"Too much request weight used; current limit is {self.weight_limit} request "
                "weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                "polling the API.",
                {"Retry-After": str(retry)},
            )
        return self._weight_headers()

    def _raise_ban(self, now: float) -> None:
        until = int(self._banned_until * 1000)
        raise BinanceHttpError(
            418,
            -1003,
            f"Way too much request weight used; IP banned until {until}. Please use WebSocket "
            "Streams for live updates to avoid bans.",
            {"Retry-After": str(max(1, int(self._banned_until - now + 0.999)))},
        )

    def _symbol(self, params: dict[str, str]) -> str:
        symbol = params.get("symbol", "")
        if not symbol:
            raise _mandatory("symbol")
        if symbol not in self.symbols:
            raise BinanceHttpError(400, -1121, "Invalid symbol.")
        return symbol

    def _ping(self, _: dict[str, str]) -> Any:
        return {}

    def _time(self, _: dict[str, str]) -> Any:
        return {"serverTime": now_ms()}

    def _exchange_info(self, params: dict[str, str]) -> Any:
        names: list[str] | None = None
        if "symbol" in params:
            names = [self._symbol(params)]
        elif "symbols" in params:
            names = _json_list(params["symbols"], "symbols")
            for n in names:
                if n not in self.symbols:
                    raise BinanceHttpError(400, -1121, "Invalid symbol.")
        chosen = [self.symbols[n] for n in names] if names else list(self.symbols.values())
        return {
            "timezone": "UTC",
            "serverTime": now_ms(),
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": self.weight_limit,
                },
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
                {
                    "rateLimitType": "RAW_REQUESTS",
                    "interval": "MINUTE",
                    "intervalNum": 5,
                    "limit": 300000,
                },
            ],
            "exchangeFilters": [],
            "symbols": chosen,
        }

    def _klines(self, params: dict[str, str]) -> Any:
        symbol = self._symbol(params)
        interval = params.get("interval", "")
        if not interval:
            raise _mandatory("interval")
        if interval not in INTERVALS:
            raise BinanceHttpError(400, -1120, "Invalid interval.")
        limit = _int_param(params, "limit", 500)
        if not 1 <= limit <= 1000:
            raise BinanceHttpError(400, -1130, "Data sent for parameter 'limit' is not valid.")
        start = _int_param(params, "startTime", None)
        end = _int_param(params, "endTime", None)
        rows = sorted(self.klines.get((symbol, interval), {}).items())
        if start is not None:
            rows = [r for r in rows if r[0] >= start]
        if end is not None:
            rows = [r for r in rows if r[0] <= end]
        picked = rows[:limit] if start is not None else rows[-limit:]
        return [row for _, row in picked]

    def _ticker_weight(self, params: dict[str, str]) -> int:
        if "symbol" in params:
            return 2
        if "symbols" in params:
            n = len(_json_list(params["symbols"], "symbols"))
            return 2 if n <= 20 else 40 if n <= 100 else 80
        return 80

    def _ticker_24hr(self, params: dict[str, str]) -> Any:
        if "symbol" in params and "symbols" in params:
            raise BinanceHttpError(400, -1128, "Combination of optional parameters invalid.")
        if params.get("type", "FULL") not in ("FULL", "MINI"):
            raise BinanceHttpError(400, -1139, "Invalid ticker type.")
        if "symbol" in params:
            return self._rest_ticker(self._symbol(params))
        names = _json_list(params["symbols"], "symbols") if "symbols" in params else None
        for n in names or ():
            if n not in self.symbols:
                raise BinanceHttpError(400, -1121, "Invalid symbol.")
        return [self._rest_ticker(n) for n in (names or sorted(self.tickers))]

    def _rest_ticker(self, symbol: str) -> dict[str, Any]:
        t = self.tickers.get(symbol) or ev.ticker_event(symbol, "1", now_ms())
        return {
            "symbol": symbol, "priceChange": t["p"], "priceChangePercent": t["P"],
            "weightedAvgPrice": t["w"], "prevClosePrice": t["x"], "lastPrice": t["c"],
            "lastQty": t["Q"], "bidPrice": t["b"], "bidQty": t["B"], "askPrice": t["a"],
            "askQty": t["A"], "openPrice": t["o"], "highPrice": t["h"], "lowPrice": t["l"],
            "volume": t["v"], "quoteVolume": t["q"], "openTime": t["O"], "closeTime": t["C"],
            "firstId": t["F"], "lastId": t["L"], "count": t["n"],
        }  # fmt: skip

    def _depth_weight(self, params: dict[str, str]) -> int:
        limit = min(5000, max(1, _int_param(params, "limit", 100)))
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250

    def _depth(self, params: dict[str, str]) -> Any:
        symbol = self._symbol(params)
        limit = min(5000, max(1, _int_param(params, "limit", 100)))
        last = self.tickers.get(symbol, {}).get("c", "100.00000000")
        mid = float(last)  # the fake's synthetic book only; never used for money here
        bids = [[ev.d8(f"{mid - 0.01 * (i + 1):.2f}"), ev.d8("1")] for i in range(min(limit, 5))]
        asks = [[ev.d8(f"{mid + 0.01 * (i + 1):.2f}"), ev.d8("1")] for i in range(min(limit, 5))]
        return {"lastUpdateId": self.next_update_id(symbol), "bids": bids, "asks": asks}

    # ------------------------------------------------------------------ WebSocket

    def _ws_process_request(self, _: ServerConnection, request: WsRequest) -> WsResponse | None:
        if self.refusing:
            return WsResponse(503, "Service Unavailable", Headers(), b"Service Unavailable\n")
        path = request.path.split("?", 1)[0]
        if path in ("/ws", "/stream") or path.startswith("/ws/"):
            return None
        return WsResponse(404, "Not Found", Headers(), b"Not Found\n")

    async def _ws_handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        path, _, query = ws.request.path.partition("?")
        conn = WsConn(ws=ws, combined=path.startswith("/stream"))
        if path.startswith("/ws/"):
            conn.streams.update(n for n in path[4:].split("/") if n)
        for part in query.split("&"):
            if part.startswith("streams="):
                conn.streams.update(n for n in part[8:].split("/") if n)
        self.conns.add(conn)
        self.connections_total += 1
        reaper = (
            asyncio.get_running_loop().call_later(self.max_lifetime_s, conn.ws.transport.close)
            if self.max_lifetime_s is not None
            else None
        )
        try:
            async for raw in ws:
                now = time.monotonic()
                conn.inbound.append(now)
                while conn.inbound and conn.inbound[0] < now - 1.0:
                    conn.inbound.popleft()
                if len(conn.inbound) > self.max_msgs_per_s:
                    await ws.close(1008, "Too many requests")
                    return
                await self._control(conn, raw)
        except Exception:
            pass
        finally:
            if reaper is not None:
                reaper.cancel()
            self.conns.discard(conn)

    async def _control(self, conn: WsConn, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            text = raw if isinstance(raw, str) else raw.decode(errors="replace")
            await self._error(
                conn, 3, f"Invalid JSON: expected value at line 1 column {len(text)}", None
            )
            return
        conn.received.append(msg)
        if not isinstance(msg, dict) or "method" not in msg:
            await self._error(
                conn, 2, "Invalid request: missing field `method` at line 1 column 1", None
            )
            return
        rid = msg.get("id")
        if not (
            rid is None
            or (isinstance(rid, int) and not isinstance(rid, bool))
            or (isinstance(rid, str) and re.fullmatch(r"[A-Za-z0-9]{1,36}", rid))
        ):
            await self._error(
                conn, 2, "Invalid request: request ID must be an unsigned integer", None
            )
            return
        method, params = msg["method"], msg.get("params", [])
        if method not in METHODS:
            choices = ", ".join(f"`{m}`" for m in METHODS)
            await self._error(
                conn,
                2,
                f"Invalid request: unknown variant `{method}`, expected one "
                f"of {choices} at line 1 column 28",
                rid,
            )
            return
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                await self._error(conn, 2, "Invalid request: invalid stream", rid)
                return
            if any(not STREAM_RE.match(p) for p in params):
                await self._error(conn, 2, "Invalid request: invalid stream", rid)
                await conn.ws.close(1008, "invalid stream")
                return
            if method == "SUBSCRIBE":
                if len(conn.streams | set(params)) > self.max_streams:
                    await self._error(conn, 2, "Invalid request: too many streams", rid)
                    return
                conn.streams.update(params)
            else:
                conn.streams.difference_update(params)
            await conn.ws.send(json.dumps({"result": None, "id": rid}))
        elif method == "LIST_SUBSCRIPTIONS":
            if params:
                await self._error(conn, 2, "Invalid request: too many parameters", rid)
                return
            await conn.ws.send(json.dumps({"result": sorted(conn.streams), "id": rid}))
        else:
            await self._property(conn, method, params, rid)

    async def _property(self, conn: WsConn, method: str, params: Any, rid: Any) -> None:
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            await self._error(conn, 2, "Invalid request: property name must be a string", rid)
            return
        if params[0] != "combined":
            await self._error(conn, 0, "Unknown property", rid)
            return
        if method == "GET_PROPERTY":
            await conn.ws.send(json.dumps({"result": conn.combined, "id": rid}))
            return
        if len(params) != 2 or not isinstance(params[1], bool):
            await self._error(conn, 1, "Invalid value type: expected Boolean", rid)
            return
        conn.combined = params[1]
        await conn.ws.send(json.dumps({"result": None, "id": rid}))

    async def _error(self, conn: WsConn, code: int, msg: str, rid: Any) -> None:
        frame: dict[str, Any] = (
            {"code": code, "msg": msg, "id": rid}
            if self.bare_errors
            else {"error": {"code": code, "msg": msg}, "id": rid}
        )
        await conn.ws.send(json.dumps(frame))


def _mandatory(name: str) -> BinanceHttpError:
    return BinanceHttpError(
        400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _int_param(params: dict[str, str], name: str, default: Any) -> Any:
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,20}", raw):
        raise BinanceHttpError(
            400,
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    return int(raw)


def _json_list(raw: str, name: str) -> list[str]:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BinanceHttpError(400, -1100, f"Illegal characters found in parameter '{name}'.")
    return value


__all__ = ["INTERVAL_MS", "FakeBinance", "Fault", "now_ms"]
