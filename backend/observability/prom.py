"""Setting the Prometheus gauges of metrics.py from a sample and from database counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import metrics
from backend.observability.repository import SummaryRepository


def record_sample(row: dict[str, Any], *, pool_size: int, all_leases: list[str]) -> None:
    metrics.WS_CLIENTS.set(row["ws_connections"])
    metrics.DB_POOL_IN_USE.set(row["db_pool_in_use"])
    metrics.DB_POOL_SIZE.set(pool_size)
    for symbol, lag_ms in row["data"]["feed_lag_ms"].items():
        if lag_ms is not None:
            metrics.FEED_LAG.labels(symbol).set(lag_ms / 1000)
    held = row["data"]["leases"]
    for name in {*all_leases, *held}:
        metrics.LEASE_HELD.labels(name).set(1 if name in held else 0)


async def record_business(session: AsyncSession, now: datetime) -> None:
    """Deployment-wide counts from the database (an API process does this each minute)."""
    repo = SummaryRepository(session)
    for status, count in (await repo.orders_by_status()).items():
        metrics.ORDERS.labels(status).set(count)
    metrics.FILLS.set(await repo.fills())
    volume: dict[str, float] = {}
    for _, symbol, quote in await repo.trades_since(now - timedelta(hours=1)):
        volume[symbol] = volume.get(symbol, 0.0) + float(quote)  # a metric, not money
    metrics.FILL_VOLUME_1H.clear()  # a symbol without fills this hour drops out
    for symbol, total in volume.items():
        metrics.FILL_VOLUME_1H.labels(symbol).set(total)
    for (channel, state), count in (await repo.deliveries_by_state()).items():
        metrics.NOTIFICATION_DELIVERIES.labels(channel, state).set(count)
