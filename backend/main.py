"""App factory: `create_app(settings)`; the lifespan opens and closes engine, bus, jobs, feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from backend import metrics, worker
from backend.admin.router import router as admin_router
from backend.auth.principals import principal_cache
from backend.auth.router import router as auth_router
from backend.bus import make_bus
from backend.client_address import ClientAddressMiddleware
from backend.config import Settings, get_settings
from backend.db import make_engine, make_sessionmaker
from backend.errors import ERROR_RESPONSES, install_error_handlers
from backend.health import service as health_service
from backend.health.router import router as health_router
from backend.http_metrics import install_http_metrics
from backend.jobs import ArqJobs, InlineJobs, Jobs
from backend.logging import RequestContextMiddleware, setup_logging
from backend.market.router import router as market_router
from backend.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from backend.ratelimit import install_rate_limits
from backend.realtime.router import router as realtime_router
from backend.security import AccessTokens, Passwords
from backend.spa import mount_spa
from backend.trading.router import router as trading_router
from backend.trading.tasks import trading_lifespan
from backend.users.bootstrap import admin_bootstrap
from backend.users.router import router as users_router

API_PREFIX = "/api/v1"

# Domain start-up hooks, entered in order after the core is up and left in reverse order.
# Each takes the app and returns an async context manager (admin bootstrap, market ingestor, ...).
Startup = Callable[[FastAPI], AbstractAsyncContextManager[None]]
STARTUPS: list[Startup] = [principal_cache, admin_bootstrap, trading_lifespan]


def _unique_id(route: APIRoute) -> str:
    # Stable operation ids (`auth-login`) give readable names in the generated TS client.
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}".replace("_", "-")


def _make_jobs(settings: Settings, app: FastAPI) -> Jobs:
    if settings.use_inline_jobs:

        async def context() -> dict[str, object]:
            return {
                "settings": settings,
                "engine": app.state.engine,
                "sessionmaker": app.state.sessionmaker,
                "bus": app.state.bus,
            }

        return InlineJobs(worker.JOB_SPECS, worker.CRONS, context_factory=context)
    assert settings.redis_url is not None
    return ArqJobs(settings.redis_url, queue_name=worker.queue_name(settings))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    bus = make_bus(
        settings.redis_url,
        prefix=settings.redis_prefix,
        socket_timeout_s=settings.redis_socket_timeout_s,
    )
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.bus = bus
    app.state.readiness_checks = {
        "database": health_service.database_check(engine),
        "bus": health_service.bus_check(bus),
    }
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        await bus.start()
        stack.push_async_callback(bus.close)
        jobs = _make_jobs(settings, app)
        app.state.jobs = jobs
        await jobs.start()
        stack.push_async_callback(jobs.close)
        for startup in STARTUPS:
            await stack.enter_async_context(startup(app))
        yield


def _include_routers(app: FastAPI) -> None:
    app.include_router(health_router)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(users_router, prefix=API_PREFIX)
    app.include_router(admin_router, prefix=API_PREFIX)
    app.include_router(market_router, prefix=API_PREFIX)
    app.include_router(realtime_router)
    app.include_router(trading_router, prefix=API_PREFIX)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings)
    app = FastAPI(
        title=f"{settings.app_name} API",
        version="1.0.0",
        description="Crypto demo-trading platform: live Binance market data, demo trading "
        "under Binance's rules, alerts, analysis and forecasts.",
        lifespan=lifespan,
        generate_unique_id_function=_unique_id,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.metrics = metrics  # domain counters exist (at zero) from the start
    app.state.passwords = Passwords(fast=settings.fast_password_hashing)
    app.state.access_tokens = AccessTokens(settings)
    install_error_handlers(app)

    _include_routers(app)

    install_http_metrics(app)

    # Middlewares run outside-in in reverse order of adding: request id/access log first.
    install_rate_limits(app, settings, api_prefix=API_PREFIX)  # innermost: needs app.routes
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Client", "X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts)
    app.add_middleware(RequestContextMiddleware, access_log=settings.log_access)
    # Outermost: everything inside (logs, rate limits, lockout, /ws caps) sees the real client.
    app.add_middleware(ClientAddressMiddleware, trusted=settings.trusted_proxies)

    mount_spa(app, settings.web_dist_dir)  # last: its catch-all route must not shadow the API
    return app
