"""Redis deployments: API replicas that serve /ticker and the forming kline from the bus frames
of the ingestor elsewhere (the ingestor's lease is tested in tests/core/test_leases.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend.bus import RedisBus
from backend.integrations.binance.schemas import parse_kline_event, parse_ticker_event
from backend.main import create_app
from backend.market.state import STATUS_CHANNEL
from backend.streams import market_frame as frame
from tests.conftest import REDIS_URL, asgi_client, make_settings
from tests.fakes.binance_events import kline_event, kline_row, ticker_event

T0 = 1_735_689_600_000


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_replica_without_ingestor_serves_ticker_from_the_bus(
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
            tick = ticker_event("BTCUSDT", "51000.5", T0)
            row = kline_row(T0, "1m", "51000", "51001", "50999", "51000.5")
            kline = kline_event("BTCUSDT", "1m", row, closed=False)
            status = b'{"source":"binance","connected":true,"error":null}'

            async def received() -> bool:
                await publisher.publish("btcusdt@ticker", frame("btcusdt@ticker", tick, "binance"))
                await publisher.publish(
                    "btcusdt@kline_1m", frame("btcusdt@kline_1m", kline, "binance")
                )
                await publisher.publish(STATUS_CHANNEL, status)
                r = await client.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
                return r.status_code == 200

            async with asyncio.timeout(10):
                while not await received():
                    await asyncio.sleep(0.1)
            ticker = (
                await client.get("/api/v1/market/ticker", params={"symbol": "BTCUSDT"})
            ).json()
            klines = (await client.get(
                "/api/v1/market/klines", params={"symbol": "BTCUSDT", "interval": "1m"}
            )).json()  # fmt: skip
            ready = (await client.get("/health/ready")).json()
    finally:
        await publisher.close()
    assert ticker["last_price"] == str(parse_ticker_event(tick).last_price)
    assert ticker["source"] == "binance"
    assert klines["klines"][-1]["open_time"] == parse_kline_event(kline).kline.open_time
    assert ready["checks"]["market"]["source"] == "binance"
