"""App factory: `create_app(settings)`, and the one list of every process's long-running parts.

The lifespan opens the core (database, bus, jobs; runtime.py) and starts `PARTS` in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from backend import heap, metrics
from backend.admin.router import router as admin_router
from backend.alerts.part import alert_checker
from backend.alerts.router import router as alerts_router
from backend.analysis.router import router as analysis_router
from backend.auth.principals import principal_cache
from backend.auth.router import router as auth_router
from backend.client_address import ClientAddressMiddleware
from backend.config import Settings, get_settings
from backend.errors import ERROR_RESPONSES, install_error_handlers
from backend.forecasting.refresh import forecast_refresh
from backend.forecasting.router import router as forecasting_router
from backend.health.router import router as health_router
from backend.http_metrics import install_http_metrics
from backend.logging import RequestContextMiddleware, setup_logging
from backend.market.feed import market_feed
from backend.market.history_import import history_import
from backend.market.router import router as market_router
from backend.market.rulebook import symbol_rules
from backend.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from backend.notifications.router import router as notifications_router
from backend.notifications.sender import notification_outbox
from backend.observability.router import router as observability_router
from backend.observability.sampler import metric_sampler
from backend.observability.sentry import sentry_reporting
from backend.ratelimit import install_rate_limits
from backend.realtime.lifespan import stream_hub
from backend.realtime.router import router as realtime_router
from backend.runtime import Part, Process, Runtime, build_runtime, open_core, start_parts
from backend.scheduler import job_scheduler
from backend.server_options import install_log_filters
from backend.spa import mount_spa
from backend.tasks_admin.router import router as tasks_admin_router
from backend.telegram import service as telegram_service
from backend.telegram.router import router as telegram_router
from backend.telegram.sender import telegram_sender
from backend.trading.lifespan import trading_feed, trading_matcher
from backend.trading.router import router as trading_router
from backend.users import links as user_links
from backend.users.bootstrap import admin_bootstrap
from backend.users.router import router as users_router
from backend.worker import make_jobs

API_PREFIX = "/api/v1"

_SERVE: frozenset[Process] = frozenset({"api"})
_EVERYWHERE: frozenset[Process] = frozenset({"api", "worker"})
# Every long-running part of every process, in start order (left in reverse order). A part runs
# in the processes it names; the singletons (ingestor, matcher, scheduler) hold a lease, so each
# is active in exactly one process of the deployment (runtime.py, leases.py).
PARTS: list[Part] = [
    # first: errors of every later part reach Sentry (only when SENTRY_DSN is set)
    Part("observability.sentry", sentry_reporting, frozenset(("api", "worker", "ingestor"))),
    Part("auth.principal_cache", principal_cache, _SERVE),
    Part("users.admin_bootstrap", admin_bootstrap, _SERVE),
    Part("market.feed", market_feed, frozenset(("api", "ingestor"))),  # lease: market.ingestor
    Part("realtime.hub", stream_hub, _SERVE),
    Part("market.rules", symbol_rules, _EVERYWHERE),  # before trading: its engine reads them
    # lease: market.history_import (recorded candles' full history into the store, background)
    Part("market.history_import", history_import, _EVERYWHERE),
    Part("trading.feed", trading_feed, _EVERYWHERE),
    Part("trading.matcher", trading_matcher, _EVERYWHERE),  # lease: trading.matcher
    # the "telegram" channel of the outbox, where TELEGRAM_BOT_TOKEN is set (registered before
    # the outbox starts, removed after it stops); the bot itself is telegram_bot/
    Part("telegram.sender", telegram_sender, _EVERYWHERE),
    # outbox senders in every process, FOR UPDATE SKIP LOCKED (SQLite: the API only)
    Part("notifications.outbox", notification_outbox, _EVERYWHERE),
    Part("alerts.checker", alert_checker, _EVERYWHERE),  # lease: alerts.checker
    Part("jobs.scheduler", job_scheduler, _EVERYWHERE),  # lease: jobs.scheduler
    Part("forecasting.refresh", forecast_refresh, _EVERYWHERE),  # lease: forecasting.refresh
    # every process writes its own minute sample (no lease): the dashboard and heartbeats
    Part("observability.sampler", metric_sampler, frozenset(("api", "worker", "ingestor"))),
]


def _unique_id(route: APIRoute) -> str:
    # Stable operation ids (`auth-login`) give readable names in the generated TS client.
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}".replace("_", "-")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    rt: Runtime = app.state.runtime
    async with open_core(rt, make_jobs), AsyncExitStack() as stack:
        stack.push_async_callback(app.state.rate_limits.close)  # its Redis connections
        await start_parts(stack, rt, PARTS)
        heap.freeze_startup_objects()  # after everything start-up builds (backend/heap.py)
        yield


def _include_routers(app: FastAPI) -> None:
    app.include_router(health_router)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(users_router, prefix=API_PREFIX)
    app.include_router(admin_router, prefix=API_PREFIX)
    app.include_router(tasks_admin_router, prefix=API_PREFIX)
    app.include_router(market_router, prefix=API_PREFIX)
    app.include_router(realtime_router)
    app.include_router(trading_router, prefix=API_PREFIX)
    app.include_router(analysis_router, prefix=API_PREFIX)
    app.include_router(forecasting_router, prefix=API_PREFIX)
    app.include_router(notifications_router, prefix=API_PREFIX)
    app.include_router(alerts_router, prefix=API_PREFIX)
    app.include_router(telegram_router, prefix=API_PREFIX)
    app.include_router(observability_router, prefix=API_PREFIX)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings)
    app = FastAPI(
        title=f"{settings.app_name} API",
        version="1.0.0",
        description="Crypto demo-trading platform: live Binance market data (or a replay of "
        "recorded candles), demo trading under Binance's spot rules, TA-Lib indicators, coin "
        "comparison and LSTM forecasts beside naive baselines.",
        lifespan=lifespan,
        generate_unique_id_function=_unique_id,
        responses=ERROR_RESPONSES,
    )
    # The one key: everything the parts and the routes share (runtime.py).
    app.state.runtime = build_runtime(settings, "api")
    assert metrics  # the domain counters exist (at zero) from the start
    install_log_filters()
    install_error_handlers(app)
    user_links.register_linked_check("telegram", telegram_service.is_linked)

    _include_routers(app)

    install_http_metrics(app)

    # Middlewares run outside-in in reverse order of adding: request id/access log first.
    install_rate_limits(app, settings, api_prefix=API_PREFIX)  # innermost: needs app.routes
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Client", "X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts)
    app.add_middleware(RequestContextMiddleware, access_log=settings.log_access)
    # Outermost: everything inside (logs, rate limits, lockout, /ws caps) sees the real client.
    app.add_middleware(ClientAddressMiddleware, trusted=settings.trusted_proxies)

    mount_spa(app, settings.web_dist_dir)  # last: its catch-all route must not shadow the API
    return app
