"""Rate limits (the `limits` package, fixed windows): per IP on login and register, per user on
the whole API.

Counters live in Redis when REDIS_URL (or RATE_LIMIT_STORAGE_URL) is set, so replicas share
them, else in memory. The Redis client has a short socket timeout, and when Redis fails the
limiter falls back to in-memory counters and retries Redis every few seconds: a dead or hung
Redis costs at most one timeout now and then, never a frozen API. A 429 is in the error shape
with Retry-After.

The per-user limit runs on every API request, so it is a pure ASGI middleware calling the
fixed-window limiter directly (slowapi's generic check cost ~0.2 ms a request: limit strings
re-parsed, the endpoint's signature inspected, a Request built; bench/api_overhead.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
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


def _storage_options(settings: Settings) -> dict[str, Any]:
    timeout = settings.redis_socket_timeout_s
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout}


class RateLimits:
    """One per app: the default per-user limit (all API routes) and the per-IP route limits."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.prefix = f"{settings.redis_prefix}rl"
        url = settings.rate_limit_storage
        options = _storage_options(settings) if url else {}
        self._default = parse(settings.rate_limit_default)
        self._routes: dict[RouteLimit, RateLimitItem] = {
            "login": parse(settings.rate_limit_login),
            "register": parse(settings.rate_limit_register),
        }
        storage = storage_from_string(url, **options) if url else LocalStorage()
        assert isinstance(storage, Storage)  # a sync storage (the URL has no async+ scheme)
        self._storage = storage
        self._main = FixedWindowRateLimiter(self._storage)
        self._fallback = FixedWindowRateLimiter(LocalStorage())
        self._main_down_until = 0.0

    def check_route(self, name: RouteLimit, key: str) -> None:
        """Count one request on a route limit; raises RateLimited when over it."""
        if not self.enabled:
            return
        retry = self._hit(self._routes[name], name, key)
        if retry is not None:
            raise RateLimited(retry_after_s=retry)

    def check_default(self, key: str) -> int | None:
        """Count one API request in the caller's bucket; seconds to wait when over the limit."""
        return self._hit(self._default, _DEFAULT, key) if self.enabled else None

    def _hit(self, item: RateLimitItem, name: str, key: str) -> int | None:
        args = (self.prefix, name, key)
        strategy = self._strategy()
        try:
            allowed = strategy.hit(item, *args)
        except Exception as exc:  # Redis down or hung: count in memory for a while
            logger.bind(error=type(exc).__name__).warning("ratelimit.storage_unavailable")
            self._main_down_until = time.monotonic() + _RETRY_STORAGE_S
            strategy = self._fallback
            allowed = strategy.hit(item, *args)
        return None if allowed else self._retry_after(strategy, item, args)

    def _strategy(self) -> FixedWindowRateLimiter:
        return self._fallback if time.monotonic() < self._main_down_until else self._main

    @staticmethod
    def _retry_after(
        strategy: FixedWindowRateLimiter, item: RateLimitItem, args: tuple[str, ...]
    ) -> int:
        try:
            reset_at = strategy.get_window_stats(item, *args).reset_time
        except Exception:
            return int(item.get_expiry())
        return max(1, int(reset_at - time.time()) + 1)


def route_limit(name: RouteLimit) -> Callable[[Request], None]:
    """A dependency counting the request against the `name` limit, keyed by client IP."""

    def check(request: Request) -> None:
        limits: RateLimits = request.app.state.rate_limits
        limits.check_route(name, client_ip(request))

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
            tokens: AccessTokens = scope["app"].state.access_tokens
            retry = self.limits.check_default(user_or_ip(scope, tokens))
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
