"""The nightly cleanup: what has passed its retention goes; a second run finds nothing more.

Expired Telegram link codes; read notifications and finished (sent/failed) deliveries older
than NOTIFICATION_RETENTION_DAYS; 1m candles more than CANDLE_1M_RETENTION_DAYS older than
their symbol's newest 1m candle (the market's clock: in replay mode the calendar would delete
what the replay just recorded; coarser intervals stay, charts and forecasts read them);
finished task runs older than TASK_RUN_RETENTION_DAYS; equity points (one per account every
TRADING_SNAPSHOT_MINUTES, 288 a day) thinned to one an hour past EQUITY_FULL_RETENTION_DAYS and
one a day past EQUITY_HOURLY_RETENTION_DAYS. Expired refresh tokens and old login
failures are `auth.prune`'s (hourly). One transaction: all of it or none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.db import transaction
from backend.maintenance.repository import CleanupRepository
from backend.tasks_admin import repository as task_runs

DAY_MS = 86_400_000
DAY_S = 86_400
HOUR_S = 3_600


async def cleanup(
    settings: Settings, sm: async_sessionmaker[AsyncSession], now: datetime
) -> dict[str, int]:
    notifications_before = now - timedelta(days=settings.notification_retention_days)
    async with transaction(sm) as tx:
        repo = CleanupRepository(tx.session)
        return {
            "link_codes": await repo.expired_link_codes(now),
            "notifications": await repo.read_notifications(notifications_before),
            "deliveries": await repo.finished_deliveries(notifications_before),
            "candles_1m": await repo.candles_1m(settings.candle_1m_retention_days * DAY_MS),
            "task_runs": await task_runs.prune_finished(
                tx.session, now - timedelta(days=settings.task_run_retention_days)
            ),
            "equity_points": await repo.equity_thinned(
                now - timedelta(days=settings.equity_hourly_retention_days), DAY_S
            )
            + await repo.equity_thinned(
                now - timedelta(days=settings.equity_full_retention_days), HOUR_S
            ),
        }
