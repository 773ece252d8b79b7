"""Two API processes on PostgreSQL + Redis: the checker runs in one (by lease); a crossing fires
once, and after the holder stops the standby takes over and fires nothing twice."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from backend.main import create_app
from backend.notifications.models import Notification
from tests.conftest import REDIS_URL, asgi_client
from tests.trading.conftest import make_user, trade_frame, trading_settings


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_two_checkers_on_postgres_and_redis_fire_once(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    settings = trading_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, jobs_inline=True,
        lease_ttl_s=0.6,
    )  # fmt: skip
    holder, standby = create_app(settings), create_app(settings)

    async def notifications() -> int:
        async with holder.state.runtime.sessionmaker() as s:
            return int(
                (await s.execute(select(func.count()).select_from(Notification))).scalar_one()
            )

    async def fired(c: httpx.AsyncClient, h: dict[str, str], alert_id: int) -> int:
        return len((await c.get(f"/api/v1/alerts/{alert_id}/firings", headers=h)).json())

    async with AsyncExitStack() as second:
        async with AsyncExitStack() as first:
            await first.enter_async_context(holder.router.lifespan_context(holder))
            await second.enter_async_context(standby.router.lifespan_context(standby))
            c = await first.enter_async_context(asgi_client(holder))
            _, h = await make_user(holder)
            r = await c.post(
                "/api/v1/alerts", headers=h,
                json={"symbol": "BTCUSDT", "condition": "price_crosses", "value": "100",
                      "recurring": True, "cooldown_s": 3600},
            )  # fmt: skip
            alert_id = r.json()["id"]
            bus = holder.state.runtime.bus
            async with asyncio.timeout(20):
                while not await fired(c, h, alert_id):
                    # both processes see every trade; only the lease holder checks them
                    await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "99"))
                    await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "101"))
                    await asyncio.sleep(0.05)
        # the holder stopped: the standby takes the lease over (a new alert fires there)
        sc = await second.enter_async_context(asgi_client(standby))
        r = await sc.post(
            "/api/v1/alerts", headers=h,
            json={"symbol": "BTCUSDT", "condition": "price_crosses", "value": "100"},
        )  # fmt: skip
        later = r.json()["id"]
        sbus = standby.state.runtime.bus
        async with asyncio.timeout(20):
            while not await fired(sc, h, later):
                await sbus.publish("btcusdt@trade", trade_frame("BTCUSDT", "99"))
                await sbus.publish("btcusdt@trade", trade_frame("BTCUSDT", "101"))
                await asyncio.sleep(0.05)
        # the same crossings reached the first alert: within its cooldown, once in all
        assert await fired(sc, h, alert_id) == 1
        assert await notifications() == 2
