"""Binance Spot REST client (market data): one pooled httpx client, weight-aware, retrying.

* Weight: every reply carries `X-MBX-USED-WEIGHT-1M` (the IP's weight in the current minute,
  PROTOCOL.md §2.3). Before a request we add its documented weight to what we last saw; when that
  would pass `safety x limit` we sleep to the next window instead of collecting a 429.
* 429/418: the `Retry-After` (seconds) is honoured by every request of this client, not only the
  one that got it; a wait longer than `max_wait_s` raises `RateLimited`/`IpBanned` instead.
* Timeouts, transport errors and 5xx are retried with full-jitter exponential backoff (all
  endpoints here are reads, so a retry is safe), then raise `Unavailable`.
Nothing leaves this module as an httpx exception.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx
from loguru import logger

from backend.integrations.binance import errors as e
from backend.integrations.binance.schemas import (
    INTERVAL_MS,
    INTERVALS,
    Depth,
    ExchangeInfo,
    Kline,
    Ticker,
    obj,
    parse_depth,
    parse_exchange_info,
    parse_rest_kline,
    parse_rest_ticker,
)

KLINES_MAX_LIMIT = 1000


@dataclass(slots=True)
class WeightState:
    """What we know about the IP's request weight in the current window."""

    limit: int
    window_s: float
    used: int = 0
    window: int = -1
    throttled: int = 0  # how many times we slept to stay under the limit (for tests and logs)


class BinanceRestClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        max_retries: int = 4,
        backoff_base_s: float = 0.25,
        backoff_max_s: float = 10.0,
        weight_limit: int = 6000,
        weight_safety: float = 0.9,
        weight_window_s: float = 60.0,
        max_wait_s: float = 120.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "cryptodemo/0.1"},
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )
        self._max_retries = max_retries
        self._backoff_base = backoff_base_s
        self._backoff_max = backoff_max_s
        self._safety = weight_safety
        self._max_wait = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._weight = WeightState(limit=weight_limit, window_s=weight_window_s)
        self._weight_lock = asyncio.Lock()
        self._blocked_until = 0.0
        self.retries = 0  # total retried attempts (observability and tests)

    @property
    def weight(self) -> WeightState:
        return self._weight

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> BinanceRestClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ endpoints

    async def ping(self) -> None:
        await self._get("/api/v3/ping", {}, weight=1)

    async def server_time(self) -> int:
        data = obj(await self._get("/api/v3/time", {}, weight=1))
        value = data.get("serverTime")
        if not isinstance(value, int):
            raise e.ProtocolError("time reply lacks serverTime")
        return value

    async def exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo:
        params: dict[str, str] = {}
        if symbols:
            params["symbols"] = json.dumps([s.upper() for s in symbols], separators=(",", ":"))
        info = parse_exchange_info(obj(await self._get("/api/v3/exchangeInfo", params, weight=20)))
        limit = info.weight_limit_per_minute()
        if limit and self._weight.window_s == 60.0:
            self._weight.limit = limit  # the server's own figure beats our default
        return info

    async def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 500,
    ) -> list[Kline]:
        if interval not in INTERVALS:
            raise e.InvalidInterval("Invalid interval.", code=-1120)
        symbol = symbol.upper()
        # Binance does not document limit > 1000 (PROTOCOL.md §3.5): never send one.
        params: dict[str, str] = {
            "symbol": symbol,
            "interval": interval,
            "limit": str(max(1, min(KLINES_MAX_LIMIT, limit))),
        }
        if start_time is not None:
            params["startTime"] = str(start_time)
        if end_time is not None:
            params["endTime"] = str(end_time)
        rows = await self._get("/api/v3/klines", params, weight=2)
        if not isinstance(rows, list):
            raise e.ProtocolError("klines reply must be an array")
        now_ms = int(self._clock() * 1000)
        return [parse_rest_kline(symbol, interval, row, now_ms=now_ms) for row in rows]

    async def klines_between(
        self, symbol: str, interval: str, start_time: int, end_time: int | None = None
    ) -> AsyncIterator[list[Kline]]:
        """Pages of up to 1000 candles from `start_time` (inclusive) on, oldest first."""
        step = INTERVAL_MS.get(interval, 0)
        cursor = start_time
        while end_time is None or cursor <= end_time:
            page = await self.klines(
                symbol, interval, start_time=cursor, end_time=end_time, limit=KLINES_MAX_LIMIT
            )
            if not page:
                return
            yield page
            if len(page) < KLINES_MAX_LIMIT:
                return
            cursor = page[-1].open_time + max(1, step)

    async def ticker_24hr(self, symbol: str) -> Ticker:
        data = await self._get("/api/v3/ticker/24hr", {"symbol": symbol.upper()}, weight=2)
        return parse_rest_ticker(obj(data))

    async def tickers_24hr(self, symbols: Sequence[str] | None = None) -> list[Ticker]:
        params: dict[str, str] = {}
        weight = 80
        if symbols:
            params["symbols"] = json.dumps([s.upper() for s in symbols], separators=(",", ":"))
            weight = 2 if len(symbols) <= 20 else 40 if len(symbols) <= 100 else 80
        data = await self._get("/api/v3/ticker/24hr", params, weight=weight)
        if not isinstance(data, list):
            raise e.ProtocolError("ticker/24hr with symbols must reply with an array")
        return [parse_rest_ticker(obj(item)) for item in data]

    async def depth(self, symbol: str, limit: int = 100) -> Depth:
        limit = max(1, min(5000, limit))
        weight = 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
        params = {"symbol": symbol.upper(), "limit": str(limit)}
        return parse_depth(obj(await self._get("/api/v3/depth", params, weight=weight)), symbol)

    # ------------------------------------------------------------------ mechanics

    async def _get(self, path: str, params: Mapping[str, str], *, weight: int) -> object:
        attempt = 0
        while True:
            await self._wait_blocked()
            await self._reserve_weight(weight)
            error: e.BinanceError
            try:
                resp = await self._http.get(path, params=params)
            except httpx.TimeoutException as exc:
                error = e.Unavailable(f"timeout: {type(exc).__name__}")
            except httpx.HTTPError as exc:
                error = e.Unavailable(f"transport: {type(exc).__name__}: {exc}")
            else:
                self._observe_weight(resp.headers)
                if resp.status_code < 400:
                    return _json(resp)
                error = _error_from(resp)
                if isinstance(error, e.RateLimited):
                    self._block_for(error)
                    if error.retry_after_s > self._max_wait or attempt >= self._max_retries:
                        raise error
                    attempt += 1
                    self.retries += 1
                    continue
                if not isinstance(error, e.Unavailable):
                    raise error
            if attempt >= self._max_retries:
                raise error
            delay = random.uniform(0, min(self._backoff_max, self._backoff_base * 2**attempt))  # noqa: S311
            logger.bind(path=path, attempt=attempt, delay_s=round(delay, 3)).warning(
                "binance.rest.retry"
            )
            attempt += 1
            self.retries += 1
            await self._sleep(delay)

    def _block_for(self, error: e.RateLimited) -> None:
        until = self._clock() + error.retry_after_s
        self._blocked_until = max(self._blocked_until, until)
        logger.bind(status=error.status, retry_after_s=error.retry_after_s).warning(
            "binance.rest.rate_limited"
        )

    async def _wait_blocked(self) -> None:
        delay = self._blocked_until - self._clock()
        if delay > 0:
            await self._sleep(delay)

    def _window(self, now: float) -> int:
        return int(now // self._weight.window_s)

    async def _reserve_weight(self, weight: int) -> None:
        async with self._weight_lock:
            state = self._weight
            now = self._clock()
            if self._window(now) != state.window:
                state.window, state.used = self._window(now), 0
            if state.used + weight > state.limit * self._safety:
                # Sleep to the start of the next window (+ a little for clock skew).
                delay = (state.window + 1) * state.window_s - now + 0.05
                state.throttled += 1
                logger.bind(used=state.used, limit=state.limit, delay_s=round(delay, 3)).info(
                    "binance.rest.weight_throttle"
                )
                await self._sleep(delay)
                state.window, state.used = self._window(self._clock()), 0
            state.used += weight

    def _observe_weight(self, headers: httpx.Headers) -> None:
        raw = headers.get("x-mbx-used-weight-1m") or headers.get("x-mbx-used-weight")
        if raw is None:
            return
        try:
            used = int(raw)
        except ValueError:
            return
        state = self._weight
        if self._window(self._clock()) == state.window:
            # Server count wins; our own reservations of requests still in flight stay counted.
            state.used = max(state.used, used)


def _json(resp: httpx.Response) -> object:
    try:
        return resp.json()
    except ValueError as exc:
        raise e.ProtocolError(f"reply is not JSON (HTTP {resp.status_code})") from exc


def _error_from(resp: httpx.Response) -> e.BinanceError:
    code: int | None = None
    msg = resp.reason_phrase or f"HTTP {resp.status_code}"
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_code, raw_msg = body.get("code"), body.get("msg")
        code = raw_code if isinstance(raw_code, int) else None
        msg = raw_msg if isinstance(raw_msg, str) else msg
    retry_after: float | None = None
    header = resp.headers.get("retry-after")
    if header is not None:
        try:
            retry_after = max(0.0, float(header))
        except ValueError:
            retry_after = None
    return e.from_response(resp.status_code, code, msg, retry_after_s=retry_after)
