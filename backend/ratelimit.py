"""Rate limits (the `limits` package, fixed windows): per IP on login and register, per user on
the whole API.

Counters live in Redis when REDIS_URL (or RATE_LIMIT_STORAGE_URL) is set, so replicas share
them, else in memory. Redis is reached with the asyncio client (`limits.aio`), never a blocking
call on the event loop, and each call has a budget (REDIS_SOCKET_TIMEOUT_S): a Redis that is
down, hung or slower than that counts in local memory instead, and is tried again after a few
seconds. A slow Redis costs at most one budget now and then, never a stalled process (the /ws
fan-out shares the loop). A 429 is in the error shape with Retry-After.

The per-user limit runs on every API request, so it is a pure ASGI middleware calling the
fixed-window limiter directly (slowapi's generic check cost ~0.2 ms a request: limit strings
re-parsed, the endpoint's signature inspected, a Request built; bench/api_overhead.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from loguru import logger
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.config import Settings
from backend.errors import RateLimited, error_response
from backend.security import AccessTokens

_RETRY_STORAGE_S = 5.0
RouteLimit = Literal["login", "register"]
_DEFAULT = "api"  # the name of the per-user bucket (all API routes count in it)


def client_ip(request: Request) -> str:
    # ClientAddressMiddleware (TRUSTED_PROXIES only) has already put the real client here.
    return request.client.host if request.client else "unknown"


def user_or_ip(scope: Scope, tokens: AccessTokens) -> str:
    """Key of the default limit: the user id of a valid bearer token, else the client IP."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            auth = value.decode("latin-1")
            if auth[:7].lower() == "bearer ":
                user_id = tokens.peek_user_id(auth[7:].strip())
                if user_id is not None:
                    return f"user:{user_id}"
            break
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class LocalStorage(MemoryStorage):
    """limits' MemoryStorage without its sweeper thread (fixed windows only).

    MemoryStorage starts a threading.Timer whenever the last one has finished, that is about
    every 10 ms under load: a thread per few requests, most of the limiter's cost
    (bench/api_overhead.py). Here expired windows are dropped on read, as MemoryStorage also
    does, and swept inline now and then. Used from the event-loop thread only.
    """

    STORAGE_SCHEME = ["cd-local"]
    _SWEEP_EVERY_S = 30.0

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self.timer.cancel()
        self._next_sweep = time.time() + self._SWEEP_EVERY_S

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_sweep:
            self._sweep(now)
        if self.expirations.get(key, 0) <= now:
            self.storage.pop(key, None)
            self.expirations[key] = now + expiry
        self.storage[key] += amount
        return self.storage[key]

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self._SWEEP_EVERY_S
        for key in [k for k, at in self.expirations.items() if at <= now]:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)


class SharedCounters:
    """Fixed windows in Redis through the asyncio client, each call bounded by `budget_s`."""

    def __init__(self, url: str, budget_s: float) -> None:
        self.budget_s = budget_s
        self._pool = aioredis.ConnectionPool.from_url(
            url, socket_timeout=budget_s, socket_connect_timeout=budget_s
        )
        # limits passes the pool on to redis.asyncio.Redis (its **options are typed narrower)
        options: dict[str, Any] = {"connection_pool": self._pool}
        scheme = "async+redis+" if url.startswith("unix://") else "async+"  # limits' names
        storage = RedisStorage(scheme + url, implementation="redispy", **options)
        self._limiter = AsyncFixedWindow(storage)

    async def hit(self, item: RateLimitItem, args: tuple[str, ...]) -> bool:
        async with asyncio.timeout(self.budget_s):
            return await self._limiter.hit(item, *args)

    async def reset_at(self, item: RateLimitItem, args: tuple[str, ...]) -> float:
        async with asyncio.timeout(self.budget_s):
            return (await self._limiter.get_window_stats(item, *args)).reset_time

    async def close(self) -> None:
        await self._pool.aclose()


def _shared_url(settings: Settings) -> str | None:
    url = settings.rate_limit_storage
    if url is None or url.startswith("memory://"):
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("RATE_LIMIT_STORAGE_URL must be redis://, rediss://, unix:// or memory://")
    return url


class RateLimits:
    """One per app: the default per-user limit (all API routes) and the per-IP route limits."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.prefix = f"{settings.redis_prefix}rl"
        self._default = parse(settings.rate_limit_default)
        self._routes: dict[RouteLimit, RateLimitItem] = {
            "login": parse(settings.rate_limit_login),
            "register": parse(settings.rate_limit_register),
        }
        url = _shared_url(settings)
        self._shared = SharedCounters(url, settings.redis_socket_timeout_s) if url else None
        # In memory: the counters without Redis, and the stand-in while Redis is unusable.
        self._local = FixedWindowRateLimiter(LocalStorage())
        self._shared_down_until = 0.0

    async def check_route(self, name: RouteLimit, key: str) -> None:
        """Count one request on a route limit; raises RateLimited when over it."""
        if not self.enabled:
            return
        retry = await self._hit(self._routes[name], name, key)
        if retry is not None:
            raise RateLimited(retry_after_s=retry)

    async def check_default(self, key: str) -> int | None:
        """Count one API request in the caller's bucket; seconds to wait when over the limit."""
        return await self._hit(self._default, _DEFAULT, key) if self.enabled else None

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()

    async def _hit(self, item: RateLimitItem, name: str, key: str) -> int | None:
        args = (self.prefix, name, key)
        shared = self._shared
        if shared is None or time.monotonic() < self._shared_down_until:
            return self._local_hit(item, args)
        try:
            allowed = await shared.hit(item, args)
        except Exception as exc:  # Redis down, hung or slower than the budget: count locally
            logger.bind(error=type(exc).__name__).warning("ratelimit.storage_unavailable")
            self._shared_down_until = time.monotonic() + _RETRY_STORAGE_S
            return self._local_hit(item, args)
        if allowed:
            return None
        try:
            reset_at = await shared.reset_at(item, args)
        except Exception:
            return int(item.get_expiry())
        return max(1, int(reset_at - time.time()) + 1)

    def _local_hit(self, item: RateLimitItem, args: tuple[str, ...]) -> int | None:
        if self._local.hit(item, *args):
            return None
        reset_at = self._local.get_window_stats(item, *args).reset_time
        return max(1, int(reset_at - time.time()) + 1)


def route_limit(name: RouteLimit) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting the request against the `name` limit, keyed by client IP."""

    async def check(request: Request) -> None:
        limits: RateLimits = request.app.state.rate_limits
        await limits.check_route(name, client_ip(request))

    check.__name__ = f"rate_limit_{name}"
    return check


class ApiRateLimitMiddleware:
    """The default per-user limit on API paths (not health, metrics or the SPA). Pure ASGI."""

    def __init__(self, app: ASGIApp, *, prefix: str, limits: RateLimits) -> None:
        self.app = app
        self.prefix = prefix
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.limits.enabled
            and scope["type"] == "http"
            and scope["path"].startswith(self.prefix)
        ):
            tokens: AccessTokens = scope["app"].state.runtime.access_tokens
            retry = await self.limits.check_default(user_or_ip(scope, tokens))
            if retry is not None:
                response = error_response(
                    429,
                    "rate_limited",
                    "Too many requests",
                    {"retry_after_s": retry},
                    {"Retry-After": str(retry)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_rate_limits(app: FastAPI, settings: Settings, *, api_prefix: str) -> None:
    limits = RateLimits(settings)
    app.state.rate_limits = limits
    app.add_middleware(ApiRateLimitMiddleware, prefix=api_prefix, limits=limits)
