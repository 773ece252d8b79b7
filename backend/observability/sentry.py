"""Optional error reports to Sentry: a part of every process, active only when SENTRY_DSN is set.

`sentry_sdk` is imported only then. Errors reach it through loguru (every stdlib logger is
routed into loguru, backend/logging.py): an ERROR line with its exception becomes an event,
lower lines become breadcrumbs. Sentry's defaults attach no personal data (no client
addresses, cookies or bodies), and the client is flushed and closed when the process stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from loguru import logger

from backend.runtime import Runtime

FLUSH_TIMEOUT_S = 2.0


@asynccontextmanager
async def sentry_reporting(rt: Runtime) -> AsyncIterator[None]:
    settings = rt.settings
    if settings.sentry_dsn is None:
        yield
        return
    import sentry_sdk
    from sentry_sdk.integrations.loguru import LoguruIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.env,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[LoguruIntegration()],
    )
    sentry_sdk.set_tag("process", rt.process)
    logger.bind(process=rt.process).info("sentry.enabled")
    try:
        yield
    finally:
        client = sentry_sdk.get_client()
        # the transport sends from its own thread; closing waits for it, off the event loop
        await asyncio.to_thread(client.close, FLUSH_TIMEOUT_S)
        sentry_sdk.get_global_scope().set_client(None)
