"""Symbol rules have one owner: the market domain parses exchangeInfo once, into the process's
rule book (`Runtime.symbols`); `/api/v1/market/symbols` serves that object and the trading engine
enforces it. The exchangeInfo comes from the fake Binance here, so changing what it serves must
move the API's answer and the order validation together, in the API process and in any other
process that follows the bus (a worker's matcher)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, MemoryBus, RedisBus
from backend.integrations.binance.schemas import parse_symbol_info
from backend.main import create_app
from backend.market.pipeline import Pipeline
from backend.market.rulebook import RULES_CHANNEL, SymbolBook, rules_message
from backend.market.state import MarketState
from tests.conftest import REDIS_URL, asgi_client, make_settings
from tests.fakes.binance_server import FakeBinance
from tests.trading.conftest import make_user, tick

COARSE_TICK = "1.00000000"  # BTCUSDT's real tick is 0.01


def coarse_tick(symbol: dict[str, Any]) -> dict[str, Any]:
    """The exchangeInfo object with PRICE_FILTER's tickSize raised to 1."""
    out = copy.deepcopy(symbol)
    for f in out["filters"]:
        if f["filterType"] == "PRICE_FILTER":
            f["tickSize"] = COARSE_TICK
    return out


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.05)


@asynccontextmanager
async def live_app(
    db_url: str, tmp_path: Path, fake: FakeBinance, **kw: object
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The API process ingesting from the fake Binance (the embedded default)."""
    settings = make_settings(
        db_url,
        tmp_path,
        market_source="binance",
        market_symbols=["BTCUSDT"],
        market_intervals=["1m"],
        market_depth_levels=0,
        binance_rest_url=fake.rest_url,
        binance_ws_url=fake.ws_url,
        run_ingestor="auto",
        rate_limit_enabled=False,
        **kw,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield app, client


async def served_btc(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/api/v1/market/symbols")
    assert r.status_code == 200
    (btc,) = [s for s in r.json()["symbols"] if s["symbol"] == "BTCUSDT"]
    return dict(btc)


async def limit_buy(
    client: httpx.AsyncClient, headers: dict[str, str], price: str
) -> httpx.Response:
    body = {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "time_in_force": "GTC",
        "quantity": "0.001", "price": price,
    }  # fmt: skip
    return await client.post("/api/v1/orders", headers=headers, json=body)


def price_filter_failure(r: httpx.Response) -> bool:
    if r.status_code != 400:
        return False
    details = r.json()["error"]["details"]
    return bool(
        details["binance_code"] == -1013 and details["msg"] == "Filter failure: PRICE_FILTER"
    )


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_orders_are_checked_against_the_rules_the_api_serves(
    db_url: str, tmp_path: Path
) -> None:
    """Binance's rules differ from the bundled snapshot: the engine must enforce Binance's."""
    async with FakeBinance() as fake:
        fake.symbols["BTCUSDT"] = coarse_tick(fake.symbols["BTCUSDT"])
        async with live_app(db_url, tmp_path, fake) as (app, client):

            async def from_binance() -> bool:
                return (await served_btc(client))["rules_source"] == "binance"

            await eventually(from_binance)
            btc = await served_btc(client)
            assert btc["tick_size"] == COARSE_TICK
            assert btc["price_filter"]["tick_size"] == COARSE_TICK
            _, headers = await make_user(app)
            assert price_filter_failure(await limit_buy(client, headers, "50000.50"))
            ok = await limit_buy(client, headers, "50001")
            assert ok.status_code in (200, 201), ok.text
            assert app.state.runtime.trading.rules is app.state.runtime.symbols


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_changed_exchange_info_moves_the_api_and_the_engine_together(
    db_url: str, tmp_path: Path
) -> None:
    async with (
        FakeBinance() as fake,
        live_app(db_url, tmp_path, fake, market_rules_refresh_s=0.1) as (app, client),
    ):

        async def from_binance() -> bool:
            return (await served_btc(client))["rules_source"] == "binance"

        await eventually(from_binance)
        assert (await served_btc(client))["tick_size"] == "0.01000000"
        _, headers = await make_user(app)
        r = await limit_buy(client, headers, "50000.50")
        assert r.status_code in (200, 201), r.text

        fake.symbols["BTCUSDT"] = coarse_tick(fake.symbols["BTCUSDT"])

        async def coarse() -> bool:
            return (await served_btc(client))["tick_size"] == COARSE_TICK

        await eventually(coarse)
        # the moment the API shows the new tick, the engine enforces it: one object
        assert price_filter_failure(await limit_buy(client, headers, "50000.50"))
        ok = await limit_buy(client, headers, "50002")
        assert ok.status_code in (200, 201), ok.text


@pytest.mark.parametrize("bus_kind", ["memory", "redis"])
async def test_another_process_takes_the_ingestors_rules_from_the_bus_and_the_table(
    sm: async_sessionmaker[AsyncSession], redis_prefix: str, bus_kind: str
) -> None:
    """The ingestor's process publishes; a worker's book (its own bus connection) follows at
    once, and a process started later reads the same rules from the `symbols` table."""

    def make_bus() -> Bus:
        return MemoryBus() if bus_kind == "memory" else RedisBus(REDIS_URL, prefix=redis_prefix)

    ingestor_bus = make_bus()
    worker_bus = ingestor_bus if bus_kind == "memory" else make_bus()
    for b in {id(ingestor_bus): ingestor_bus, id(worker_bus): worker_bus}.values():
        await b.start()
    try:
        worker = SymbolBook(["BTCUSDT", "ETHUSDT"])
        sub = await worker_bus.subscribe(RULES_CHANNEL, worker.on_message)
        await worker.load(sm)
        assert worker.origin("BTCUSDT") == "snapshot"
        assert worker["BTCUSDT"].tick_size == Decimal("0.01")

        state = MarketState(["BTCUSDT"], ["1m"])
        pipeline = Pipeline(source="binance", symbols=["BTCUSDT"], intervals=["1m"],
                            state=state, bus=ingestor_bus, sessionmaker=sm)  # fmt: skip
        async with FakeBinance() as fake:  # only for its real exchangeInfo objects
            raw = coarse_tick(fake.symbols["BTCUSDT"])
        await pipeline.on_symbols([parse_symbol_info(raw)], "binance")

        async def followed() -> bool:
            return worker["BTCUSDT"].tick_size == Decimal(COARSE_TICK)

        await eventually(followed)
        assert worker.origin("BTCUSDT") == "binance"
        assert worker.origin("ETHUSDT") == "snapshot"  # not in that exchangeInfo: unchanged

        later = SymbolBook(["BTCUSDT", "ETHUSDT"])
        await later.load(sm)
        assert later["BTCUSDT"] == worker["BTCUSDT"] and later.origin("BTCUSDT") == "binance"
        await sub.close()
    finally:
        await ingestor_bus.close()
        if worker_bus is not ingestor_bus:
            await worker_bus.close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_symbol_whose_rules_come_after_start_still_trades_and_fills(
    db_url: str, tmp_path: Path
) -> None:
    """LINKUSDT is configured but not in the bundled snapshot: its rules arrive only with the
    ingestor's exchangeInfo (here from another process, over the bus), after the trading parts
    started. Its trades must still reach the matcher."""
    settings = make_settings(
        db_url, tmp_path, market_symbols=["BTCUSDT", "LINKUSDT"], rate_limit_enabled=False
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        rt = app.state.runtime
        assert "LINKUSDT" not in rt.symbols
        async with FakeBinance() as fake:  # only for a real exchangeInfo object to rename
            link = {**copy.deepcopy(fake.symbols["BTCUSDT"]), "symbol": "LINKUSDT",
                    "baseAsset": "LINK"}  # fmt: skip
        await rt.bus.publish(RULES_CHANNEL, rules_message([link], "binance"))
        assert "LINKUSDT" in rt.symbols
        _, headers = await make_user(app)
        body = {
            "symbol": "LINKUSDT", "side": "BUY", "type": "LIMIT", "time_in_force": "GTC",
            "quantity": "0.001", "price": "50000",
        }  # fmt: skip
        placed = await client.post("/api/v1/orders", headers=headers, json=body)
        assert placed.status_code in (200, 201), placed.text
        await tick(app, "LINKUSDT", "49999", qty="1")
        order = await client.get(f"/api/v1/orders/{placed.json()['id']}", headers=headers)
        assert order.json()["status"] == "FILLED"


async def test_a_message_that_does_not_parse_changes_no_rule() -> None:
    book = SymbolBook(["BTCUSDT", "ETHUSDT"])
    async with FakeBinance() as fake:  # only for its real exchangeInfo objects
        btc, eth = fake.symbols["BTCUSDT"], fake.symbols["ETHUSDT"]
    book.apply([btc, eth], "snapshot")
    broken = copy.deepcopy(eth)
    broken["filters"] = [{"filterType": "PRICE_FILTER"}]  # no minPrice/maxPrice/tickSize
    bus = MemoryBus()
    await bus.subscribe(RULES_CHANNEL, book.on_message)
    await bus.publish(RULES_CHANNEL, rules_message([coarse_tick(btc), broken], "binance"))
    assert book["BTCUSDT"].tick_size == Decimal("0.01") and book.origin("BTCUSDT") == "snapshot"
    await bus.publish(RULES_CHANNEL, rules_message([coarse_tick(btc), eth], "binance"))
    assert book["BTCUSDT"].tick_size == Decimal(COARSE_TICK) and book.origin("ETHUSDT") == "binance"
