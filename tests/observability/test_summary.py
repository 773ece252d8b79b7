"""`/admin/metrics/summary` against a populated database: the counts are the rows' counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from backend.observability.sampler import Sampler
from tests.auth.helpers import signup
from tests.observability.helpers import SUMMARY, admin_app, admin_headers, asgi_client, runtime
from tests.observability.populate import Rows


async def test_summary_counts_the_rows_of_the_last_24_hours(db_url: str, tmp_path: Path) -> None:
    async with admin_app(db_url, tmp_path) as app, asgi_client(app) as ac:
        admin = await admin_headers(ac)
        trader = await signup(ac, "trader1")
        await signup(ac, "trader2")
        rt = runtime(app)
        now = datetime.now(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)  # the current hour's bucket
        rows = Rows(rt, trader["user"]["id"])
        recent = [await rows.order(hour) for _ in range(3)]
        await rows.order(hour - timedelta(hours=5))
        await rows.order(now - timedelta(hours=30))  # outside the window
        await rows.fill(recent[0], hour, "100.5")
        await rows.fill(recent[1], hour, "20.25")
        await rows.fill(recent[2], hour - timedelta(hours=2), "7", symbol="ETHUSDT")
        await rows.alert_with_firings(hour, hour, now - timedelta(hours=26))
        await rows.deliveries(hour, {"email": "pending", "webhook": "failed"})
        await rows.deliveries(hour, {"email": "pending", "telegram": "sent"})
        await Sampler(rt).sample_once()

        resp = await ac.get(SUMMARY, headers=admin)
        assert resp.status_code == 200, resp.text
        body = resp.json()
    assert body["users"] == 3  # the bootstrap admin and two traders
    assert body["active_sessions"] == 3  # one login each
    assert (body["orders"]["last_hour"], body["orders"]["last_24h"]) == (3, 4)
    assert len(body["orders"]["per_hour"]) == 24
    assert sum(p["value"] for p in body["orders"]["per_hour"]) == 4
    assert (body["fills"]["last_hour"], body["fills"]["last_24h"]) == (2, 3)
    volume = {k: Decimal(v) for k, v in body["fill_volume_24h"].items()}
    assert volume == {"BTCUSDT": Decimal("120.75"), "ETHUSDT": Decimal(7)}
    assert (body["alerts_fired"]["last_hour"], body["alerts_fired"]["last_24h"]) == (2, 2)
    notifications = body["notifications"]
    assert (notifications["pending"], notifications["failed"]) == (2, 1)
    assert notifications["by_channel"]["email"] == {"pending": 2}
    assert body["database_bytes"] > 0
    api = [p for p in body["processes"] if p["process"] == "api"]
    assert api and api[0]["rss_bytes"] > 0
    assert len(body["api"]["p99_series"]) == 96  # 24 h of 15-minute buckets
    assert set(body["feed_lag_ms"]) == set(rt.settings.market_symbols)
