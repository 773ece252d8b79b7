"""Stream client against the fake Binance: events, reconnects, silence, malformed frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from websockets.asyncio.client import connect

from backend.integrations.binance.schemas import KlineEvent, Ticker, TradeEvent
from backend.integrations.binance.stream import (
    BinanceStream,
    Connected,
    Disconnected,
    StreamItem,
    StreamMessage,
)
from tests.fakes.binance_events import kline_row, ticker_event, trade_event
from tests.fakes.binance_server import FakeBinance

T0 = 1_735_689_600_000


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance(ping_interval_s=0.5, pong_timeout_s=2) as server:
        yield server


class Reader:
    """Consumes a BinanceStream in a task; tests wait for items matching a predicate."""

    def __init__(self, stream: BinanceStream) -> None:
        self.stream = stream
        self.items: list[StreamItem] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self.stream.events():
            self.items.append(item)
            self._changed.set()

    async def wait_for(
        self, pred: object, count: int = 1, timeout_s: float = 10.0
    ) -> list[StreamItem]:
        assert callable(pred)
        async with asyncio.timeout(timeout_s):
            while True:
                hits = [i for i in self.items if pred(i)]
                if len(hits) >= count:
                    return hits
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        await self.stream.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def messages(items: list[StreamItem]) -> list[StreamMessage]:
    return [i for i in items if isinstance(i, StreamMessage)]


def is_msg(item: StreamItem) -> bool:
    return isinstance(item, StreamMessage)


def make_stream(fake: FakeBinance, streams: list[str], **kw: object) -> BinanceStream:
    kw.setdefault("backoff_base_s", 0.01)
    kw.setdefault("backoff_max_s", 0.05)
    kw.setdefault("ping_interval_s", None)
    return BinanceStream(fake.ws_url, streams, **kw)  # type: ignore[arg-type]


async def test_events_arrive_parsed_with_decimals(fake: FakeBinance) -> None:
    reader = Reader(make_stream(fake, ["btcusdt@kline_1m", "btcusdt@trade", "btcusdt@ticker"]))
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        await fake.wait_subscribed("btcusdt@ticker")
        row = kline_row(T0, "1m", "42000.01", "42010", "41990.5", "42005.25", "3.5")
        await fake.push_kline("BTCUSDT", "1m", row, closed=True)
        await fake.play([
            (0.0, "btcusdt@trade", trade_event("BTCUSDT", 7, "42005.25", "0.001", T0 + 5)),
            (0.01, "btcusdt@ticker", ticker_event("BTCUSDT", "42005.25", T0 + 6)),
        ])  # fmt: skip
        got = await reader.wait_for(is_msg, 3)
    finally:
        await reader.close()
    kline, trade, ticker = (m.event for m in messages(got))
    assert isinstance(kline, KlineEvent) and kline.kline.closed and kline.kline.open_time == T0
    assert kline.kline.close == Decimal("42005.25") and str(kline.kline.open) == "42000.01000000"
    assert isinstance(trade, TradeEvent) and trade.price == Decimal("42005.25")
    assert isinstance(ticker, Ticker) and ticker.last_price == Decimal("42005.25")
    # Round trip: what we would forward equals what Binance sent.
    assert kline.to_binance()["k"] == json.loads(json.dumps(kline.to_binance()))["k"]
    assert kline.kline.to_rest_row() == row


async def test_runtime_subscribe_uses_control_frames(fake: FakeBinance) -> None:
    stream = make_stream(fake, ["btcusdt@trade"])
    reader = Reader(stream)
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        await stream.subscribe([f"{s}@trade" for s in ("ethusdt", "xrpusdt", "adausdt")])
        await stream.unsubscribe(["btcusdt@trade"])
        await fake.wait_subscribed("adausdt@trade")
        conn = next(iter(fake.conns))
        async with asyncio.timeout(10):  # the fake has read the UNSUBSCRIBE (sent, not yet read)
            while "btcusdt@trade" in conn.streams:
                await asyncio.sleep(0.01)
        await fake.push("ethusdt@trade", trade_event("ETHUSDT", 1, "3000", "1", T0))
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", 2, "1", "1", T0))
        got = await reader.wait_for(is_msg)
    finally:
        await reader.close()
    assert [m.stream for m in messages(got)] == ["ethusdt@trade"]
    assert conn.streams == {"ethusdt@trade", "xrpusdt@trade", "adausdt@trade"}
    assert [m["method"] for m in conn.received] == ["SUBSCRIBE", "UNSUBSCRIBE"]


async def test_many_control_frames_stay_under_five_per_second() -> None:
    """1000 streams need 5 SUBSCRIBE frames; the fake closes connections above 5 msgs/s."""
    async with FakeBinance(max_msgs_per_s=2) as fake:
        stream = make_stream(fake, [], control_rate=2.0)
        reader = Reader(stream)
        try:
            await reader.wait_for(lambda i: isinstance(i, Connected))
            await stream.subscribe([f"s{i}usdt@trade" for i in range(1000)])
            await fake.wait_subscribed("s999usdt@trade")
            await fake.push("s999usdt@trade", trade_event("S999USDT", 1, "1", "1", T0))
            await reader.wait_for(is_msg)
        finally:
            await reader.close()
    assert stream.connections == 1
    assert not [i for i in reader.items if isinstance(i, Disconnected)]


async def test_reconnects_after_drop_and_reports_the_gap(fake: FakeBinance) -> None:
    reader = Reader(make_stream(fake, ["btcusdt@trade"]))
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        fake.drop()
        second = await reader.wait_for(lambda i: isinstance(i, Connected), 2)
        await fake.wait_subscribed("btcusdt@trade")
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", 9, "1", "1", T0))
        await reader.wait_for(is_msg)
    finally:
        await reader.close()
    reconnect = second[1]
    assert isinstance(reconnect, Connected) and reconnect.reconnect
    assert reconnect.down_since_ms is not None
    reasons = [i.reason for i in reader.items if isinstance(i, Disconnected)]
    assert reasons == ["dropped"]


async def test_silent_connection_is_detected_and_replaced(fake: FakeBinance) -> None:
    """The fake keeps answering pings but sends nothing: only data-silence detection helps."""
    reader = Reader(make_stream(fake, ["btcusdt@trade"], silence_timeout_s=0.5))
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        fake.stall()
        await reader.wait_for(lambda i: isinstance(i, Disconnected))
        fake.stall(False)
        await reader.wait_for(lambda i: isinstance(i, Connected), 2)
    finally:
        await reader.close()
    first_drop = next(i for i in reader.items if isinstance(i, Disconnected))
    assert first_drop.reason == "silent"
    assert fake.connections_total >= 2


async def test_malformed_frames_are_skipped_and_the_stream_survives(fake: FakeBinance) -> None:
    stream = make_stream(fake, ["btcusdt@trade"])
    reader = Reader(stream)
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        await fake.wait_subscribed("btcusdt@trade")
        await fake.send_malformed()
        await fake.send_malformed('{"stream":"btcusdt@trade","data":{"e":"trade","p":"x"}}')
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", 3, "2", "1", T0))
        await reader.wait_for(is_msg)
    finally:
        await reader.close()
    assert stream.malformed == 2
    assert stream.connections == 1


async def test_error_frames_bare_and_enveloped_are_recorded() -> None:
    for bare in (False, True):
        async with FakeBinance(bare_errors=bare) as fake:
            stream = make_stream(fake, ["btcusdt@trade"])
            reader = Reader(stream)
            try:
                await reader.wait_for(lambda i: isinstance(i, Connected))
                # The fake answers a non-boolean `combined` value with a code-1 error frame.
                conn = next(iter(fake.conns))
                await fake._property(conn, "SET_PROPERTY", ["combined", "yes"], 77)
                await fake.push("btcusdt@trade", trade_event("BTCUSDT", 3, "2", "1", T0))
                await reader.wait_for(is_msg)
            finally:
                await reader.close()
        assert [(c.request_id, c.code) for c in stream.control_errors] == [(77, 1)]


async def test_server_shutdown_triggers_immediate_reconnect(fake: FakeBinance) -> None:
    reader = Reader(make_stream(fake, ["btcusdt@trade"], backoff_base_s=30, backoff_max_s=30))
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected))
        await fake.server_shutdown()
        await reader.wait_for(lambda i: isinstance(i, Connected), 2)
    finally:
        await reader.close()
    assert [i.reason for i in reader.items if isinstance(i, Disconnected)] == ["server_shutdown"]


async def test_connection_is_renewed_before_max_lifetime(fake: FakeBinance) -> None:
    reader = Reader(make_stream(fake, ["btcusdt@trade"], max_lifetime_s=0.3))
    try:
        await reader.wait_for(lambda i: isinstance(i, Connected), 3)
    finally:
        await reader.close()
    reasons = {i.reason for i in reader.items if isinstance(i, Disconnected)}
    assert reasons == {"renew"}


async def test_unreachable_server_backs_off_and_reports_once() -> None:
    stream = BinanceStream(
        "ws://127.0.0.1:9", ["btcusdt@trade"], backoff_base_s=0.01, backoff_max_s=0.02
    )
    reader = Reader(stream)
    try:
        await reader.wait_for(lambda i: isinstance(i, Disconnected))
        await asyncio.sleep(0.2)
    finally:
        await reader.close()
    assert [type(i) for i in reader.items] == [Disconnected]
    assert stream.connections == 0


async def test_fake_control_protocol_replies(fake: FakeBinance) -> None:
    """The fake's own protocol (what the platform's /ws mirrors): replies and error frames."""
    async with connect(f"{fake.ws_url}/ws/btcusdt@trade") as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["ethusdt@trade"], "id": 1}))
        assert json.loads(await ws.recv()) == {"result": None, "id": 1}
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        assert json.loads(await ws.recv()) == {
            "result": ["btcusdt@trade", "ethusdt@trade"],
            "id": 2,
        }
        await ws.send(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 3}))
        assert json.loads(await ws.recv()) == {"result": False, "id": 3}
        await asyncio.sleep(1.0)  # stay under 5 msgs/s
        await ws.send("not json")
        assert json.loads(await ws.recv())["error"]["code"] == 3
        await ws.send(json.dumps({"method": "NOPE", "id": 4}))
        err = json.loads(await ws.recv())
        assert err["error"]["code"] == 2 and "unknown variant" in err["error"]["msg"]
        await ws.send(json.dumps({"method": "GET_PROPERTY", "params": ["colour"], "id": 5}))
        assert json.loads(await ws.recv()) == {
            "error": {"code": 0, "msg": "Unknown property"},
            "id": 5,
        }
        await fake.push("btcusdt@trade", trade_event("BTCUSDT", 1, "1", "1", T0))
        assert json.loads(await ws.recv())["e"] == "trade"  # raw endpoint: bare event


async def test_fake_closes_connections_sending_too_fast(fake: FakeBinance) -> None:
    async with connect(f"{fake.ws_url}/stream") as ws:
        for i in range(7):
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        with pytest.raises(Exception):  # noqa: B017 - ConnectionClosed of any kind
            for _ in range(10):
                await ws.recv()
        assert ws.close_code == 1008


async def test_server_side_lifetime_cut_is_survived() -> None:
    """Binance cuts connections at 24 h; the fake does it after 0.3 s: we reconnect and go on."""
    async with FakeBinance(max_lifetime_s=0.3) as fake:
        reader = Reader(make_stream(fake, ["btcusdt@trade"]))
        try:
            await reader.wait_for(lambda i: isinstance(i, Connected), 3)
            await fake.wait_subscribed("btcusdt@trade")
            await fake.push("btcusdt@trade", trade_event("BTCUSDT", 5, "1", "1", T0))
            await reader.wait_for(is_msg)
        finally:
            await reader.close()
    assert {i.reason for i in reader.items if isinstance(i, Disconnected)} <= {"dropped", "closed"}
