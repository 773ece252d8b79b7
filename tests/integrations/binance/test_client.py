"""REST client against the fake Binance: endpoints, weights, Retry-After, retries, error mapping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from backend.integrations.binance import errors as e
from backend.integrations.binance.client import BinanceRestClient
from tests.fakes.binance_events import kline_row
from tests.fakes.binance_server import FakeBinance

HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01T00:00Z


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as server:
        yield server


def make_client(fake: FakeBinance, **kw: object) -> BinanceRestClient:
    kw.setdefault("backoff_base_s", 0.01)
    kw.setdefault("backoff_max_s", 0.05)
    return BinanceRestClient(fake.rest_url, **kw)  # type: ignore[arg-type]


async def test_ping_time_and_exchange_info_parse_real_symbols(fake: FakeBinance) -> None:
    async with make_client(fake) as client:
        await client.ping()
        assert await client.server_time() > T0
        info = await client.exchange_info(["BTCUSDT", "BNBUSDT"])
    assert [s.symbol for s in info.symbols] == ["BTCUSDT", "BNBUSDT"]
    btc = info.symbols[0]
    price_filter = btc.filter("PRICE_FILTER")
    assert price_filter is not None and price_filter["tickSize"] == "0.01000000"
    assert info.weight_limit_per_minute() == 6000


async def test_klines_are_decimals_and_page_through_ranges(fake: FakeBinance) -> None:
    rows = [kline_row(T0 + i * HOUR, "1h", "100.1", "101", "99", "100.5") for i in range(2500)]
    fake.add_klines("BTCUSDT", "1h", rows)
    async with make_client(fake) as client:
        last = await client.klines("BTCUSDT", "1h", limit=2)
        pages = [p async for p in client.klines_between("BTCUSDT", "1h", T0)]
    assert [k.open_time for k in last] == [T0 + 2498 * HOUR, T0 + 2499 * HOUR]
    assert last[0].open == Decimal("100.10000000") and str(last[0].open) == "100.10000000"
    assert [len(p) for p in pages] == [1000, 1000, 500]
    flat = [k.open_time for p in pages for k in p]
    assert flat == [T0 + i * HOUR for i in range(2500)]


async def test_binance_error_bodies_become_typed_errors(fake: FakeBinance) -> None:
    async with make_client(fake) as client:
        with pytest.raises(e.InvalidSymbol) as bad_symbol:
            await client.klines("NOPEUSDT", "1h")
        with pytest.raises(e.BadParameter) as missing:
            await client.depth("")
        with pytest.raises(e.InvalidInterval):
            await client.klines("BTCUSDT", "7m")
        fake.fail_next(400, code=-1100, msg="Illegal characters found in a parameter.")
        with pytest.raises(e.BadParameter):
            await client.ping()
    assert bad_symbol.value.code == -1121 and bad_symbol.value.status == 400
    assert bad_symbol.value.message == "Invalid symbol."
    assert missing.value.code == -1102


async def test_5xx_and_timeouts_are_retried_then_succeed(fake: FakeBinance) -> None:
    fake.fail_next(502, count=2)
    fake.fail_next(200, delay_s=1.0)  # answers too late for the client's timeout
    async with make_client(fake, timeout_s=0.3) as client:
        await client.ping()
        assert client.retries == 3
    assert fake.statuses[:2] == [502, 502]


async def test_persistent_5xx_raises_unavailable(fake: FakeBinance) -> None:
    fake.fail_next(503, count=10)
    async with make_client(fake, max_retries=2) as client:
        with pytest.raises(e.Unavailable):
            await client.ping()
    assert fake.statuses == [503, 503, 503]


async def test_unreachable_server_raises_unavailable_not_httpx() -> None:
    async with BinanceRestClient(
        "http://127.0.0.1:9", max_retries=1, backoff_base_s=0.01
    ) as client:
        with pytest.raises(e.Unavailable):
            await client.ping()


async def test_429_waits_retry_after_then_retries(fake: FakeBinance) -> None:
    fake.fail_next(429, code=-1003, msg="Too much request weight used", retry_after=1)
    async with make_client(fake) as client:
        await client.ping()
        assert client.retries == 1
    assert fake.statuses == [429, 200]


async def test_418_ban_waits_retry_after_then_recovers(fake: FakeBinance) -> None:
    fake.fail_next(418, code=-1003, msg="Way too much request weight used", retry_after=1)
    async with make_client(fake) as client:
        assert await client.server_time() > 0
    assert fake.statuses == [418, 200]


async def test_long_ban_raises_ip_banned_with_retry_after(fake: FakeBinance) -> None:
    fake.fail_next(418, code=-1003, msg="Way too much request weight used", retry_after=600)
    async with make_client(fake, max_wait_s=5) as client:
        with pytest.raises(e.IpBanned) as banned:
            await client.ping()
    assert banned.value.retry_after_s == 600 and banned.value.code == -1003


class VirtualClock:
    """Time that moves only when the client sleeps: the weight windows are the same on both
    sides and a slow or loaded machine cannot spread the requests over several windows."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += max(delay, 0.0)
        await asyncio.sleep(0)


async def test_client_slows_down_before_weight_limit() -> None:
    """A 40-weight budget per 5 s window (the client keeps 10 % back: 36): 30 x weight 2 pass
    with no 429, the client waiting exactly once, for the next window."""
    clock = VirtualClock(start=1_000_000.0)  # the start of a 5 s window
    fake = FakeBinance(weight_limit=40, weight_window_s=5.0, clock=clock)
    async with (
        fake,
        make_client(
            fake, weight_limit=40, weight_window_s=5.0, clock=clock, sleep=clock.sleep
        ) as client,
    ):
        for _ in range(30):
            await client.klines("BTCUSDT", "1h", limit=1)
        throttled = client.weight.throttled
    assert 429 not in fake.statuses and 418 not in fake.statuses
    assert fake.statuses == [200] * 30
    assert throttled == 1 and clock.slept == [pytest.approx(5.05)]


async def test_client_raises_rate_limited_when_retry_after_is_too_long() -> None:
    fake = FakeBinance(weight_limit=40, weight_window_s=3600.0)
    async with fake, make_client(fake, weight_limit=10_000, max_wait_s=0.5) as client:
        with pytest.raises(e.RateLimited) as limited:
            for _ in range(30):
                await client.klines("BTCUSDT", "1h", limit=1)
    assert fake.statuses[-1] == 429 and limited.value.code == -1003
    assert limited.value.retry_after_s >= 1


async def test_fake_escalates_ignored_429s_to_a_418_ban() -> None:
    """Control for the throttle test: the fake really enforces its budget (raw httpx, no client)."""
    fake = FakeBinance(weight_limit=10, weight_window_s=3600.0, ban_after=2, ban_s=600)
    async with fake, httpx.AsyncClient(base_url=fake.rest_url) as raw:
        replies = [await raw.get("/api/v3/klines?symbol=BTCUSDT&interval=1h") for _ in range(10)]
    assert [r.status_code for r in replies] == [200] * 5 + [429] * 2 + [418] * 3
    assert replies[-1].json()["code"] == -1003
    assert int(replies[-1].headers["Retry-After"]) > 500
    assert replies[0].headers["X-MBX-USED-WEIGHT-1M"] == "2"


async def test_weight_header_is_tracked(fake: FakeBinance) -> None:
    async with make_client(fake) as client:
        await client.exchange_info()
        await client.ping()
        assert client.weight.used >= 21
