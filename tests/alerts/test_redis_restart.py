"""Redis (a private redis-server) killed and restarted under a running app on PostgreSQL: an
alert created while it is down (its `alerts:index` event lost) and a notification committed
while it is down (its wake-up lost) are neither lost nor doubled. The notification goes out by
the senders' poll during the outage; after the restart the checker holds its lease again, its
index has the new alert, a crossing trade fires it once, and its webhook delivery arrives once."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from pathlib import Path

import pytest

from backend.bus import BusUnavailable
from backend.main import create_app
from tests.alerts.conftest import create
from tests.conftest import asgi_client
from tests.core.redis_proc import RedisProcess
from tests.notifications.helpers import send, wait_delivered
from tests.notifications.receiver import receiver
from tests.trading.conftest import make_user, trade_frame, trading_settings


# A `subscribe` to a new channel while the bus reader's pubsub has just been reset (Redis down,
# between reconnect tries) once made the fresh pubsub look subscribed, so the reader never
# re-subscribed the others and after the restart no trade reached the checker (bus.py now
# compares the whole set of channels in use; this test failed before).
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_redis_restart_loses_and_doubles_nothing(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    settings = trading_settings(
        db_url, tmp_path, redis_url=redis.url, redis_prefix=redis_prefix, jobs_inline=True,
        lease_ttl_s=1.0, alerts_resync_interval_s=3600.0, webhook_allow_private=True,
        notify_poll_interval_s=0.2, notify_backoff_base_s=0.05, notify_backoff_max_s=0.2,
    )  # fmt: skip
    app = create_app(settings)
    try:
        async with receiver() as rec, app.router.lifespan_context(app), asgi_client(app) as c:
            uid, h = await make_user(app)
            r = await c.put("/api/v1/webhook", json={"url": rec.url}, headers=h)
            assert r.status_code == 200, r.text

            redis.stop()  # Redis is down from here
            a = await create(c, h, condition="price_below", value="90", channels=["webhook"])
            await send(app, uid, "outage:1", ("webhook",))  # committed; its wake-up is lost
            await wait_delivered(app, "webhook", 1)  # by the poll, Redis still down
            assert len(rec.requests) == 1

            bus = app.state.runtime.bus
            async with asyncio.timeout(20):
                while bus.connected:  # its reader has seen the outage
                    await asyncio.sleep(0.05)
            redis.start()  # same port: the bus reconnects, the lease is taken again
            # meanwhile a new channel is subscribed (a /ws client asking for a stream: the hub
            # subscribes on demand; a leased part starting again does the same)
            await bus.subscribe("btcusdt@depth5@100ms", lambda _c, _d: None)
            async with asyncio.timeout(30):
                while not (await c.get(f"/api/v1/alerts/{a['id']}/firings", headers=h)).json():
                    with contextlib.suppress(BusUnavailable):
                        await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "95"))
                        await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "89"))
                    await asyncio.sleep(0.1)
            await wait_delivered(app, "webhook", 2)
            for _ in range(5):  # more crossings: a one-shot alert, triggered
                await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "89"))
            firings = (await c.get(f"/api/v1/alerts/{a['id']}/firings", headers=h)).json()
            assert len(firings) == 1 and firings[0]["late"] is False
            got = await c.get(f"/api/v1/alerts/{a['id']}", headers=h)
            assert got.json()["state"] == "triggered"
            counts = Counter(rec.keys())
            assert len(counts) == 2 and set(counts.values()) == {1}, counts
    finally:
        redis.stop()
