"""/health/ready: the pod is ready when it can serve requests (the database); the bus and the
market feed are reported in the body (and the feed in metrics), never failing it. A feed that
has not spoken yet is `starting`, not `down`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from backend.bus import RedisBus
from backend.main import create_app
from backend.market.feed import STALE_AFTER_MS, STARTING_GRACE_S, feed_health
from backend.market.state import STATUS_CHANNEL, MarketState
from backend.streams import market_frame as frame
from tests.conftest import REDIS_URL, asgi_client, make_settings
from tests.core.redis_proc import RedisProcess
from tests.fakes.binance_events import ticker_event

T0 = 1_735_689_600_000


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_feed_without_events_is_starting_and_the_pod_ready_until_it_is_up(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, run_ingestor="no",
        jobs_inline=True,
    )  # fmt: skip
    app = create_app(settings)
    publisher = RedisBus(REDIS_URL, prefix=redis_prefix)
    await publisher.start()
    try:
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            before = await client.get("/health/ready")
            assert before.status_code == 200, before.text
            market = before.json()["checks"]["market"]
            assert (market["state"], market["ok"], market["required"]) == ("starting", False, False)
            assert "cd_market_feed_up 0.5" in (await client.get("/metrics")).text

            async def up() -> bool:
                status = b'{"source":"binance","connected":true,"error":null}'
                await publisher.publish(STATUS_CHANNEL, status)
                tick = frame("btcusdt@ticker", ticker_event("BTCUSDT", "51000.5", T0), "binance")
                await publisher.publish("btcusdt@ticker", tick)
                r = await client.get("/health/ready")
                return bool(r.json()["checks"]["market"]["state"] == "up")

            async with asyncio.timeout(10):
                while not await up():
                    await asyncio.sleep(0.1)
            assert "cd_market_feed_up 1.0" in (await client.get("/metrics")).text
    finally:
        await publisher.close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_redis_outage_keeps_the_pod_ready_and_says_so(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        settings = make_settings(
            db_url, tmp_path, redis_url=redis.url, redis_prefix=redis_prefix, run_ingestor="no",
            jobs_inline=True, rate_limit_enabled=False,
        )  # fmt: skip
        app = create_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            redis.stop()
            r = await client.get("/health/ready")
            assert r.status_code == 200, r.text
            checks = r.json()["checks"]
            assert checks["database"]["ok"] is True and checks["database"]["required"] is True
            assert checks["bus"]["ok"] is False and checks["bus"]["required"] is False
            assert checks["market"]["state"] != "up"
    finally:
        redis.stop()


def test_feed_health_states() -> None:
    now = time.time()
    state = MarketState(["BTCUSDT"], ["1m"])
    assert feed_health(state, now)[1]["state"] == "starting"
    assert feed_health(state, now - STARTING_GRACE_S - 1)[1]["state"] == "down"
    state.status.source, state.status.connected = "replay", True
    state.status.last_event_ms = int(now * 1000)
    assert feed_health(state, now) == (True, {"source": "replay", "connected": True, "state": "up"})
    state.status.last_event_ms = int(now * 1000) - STALE_AFTER_MS - 1
    assert feed_health(state, now)[1]["state"] == "down"
    state.status.error = "Binance is unreachable"
    assert feed_health(state, now)[1] == {
        "source": "replay", "connected": True, "error": "Binance is unreachable", "state": "down",
    }  # fmt: skip
