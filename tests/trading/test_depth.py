"""The streamed book and the MARKET-order walk (backend/trading/depth.py): pure, exact Decimal."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from backend.bus import MemoryBus
from backend.integrations.binance.errors import ProtocolError
from backend.integrations.binance.schemas import Level, parse_depth
from backend.streams import market_frame as frame
from backend.trading.depth import DepthBook, DepthBooks, DepthFeed, parse_depth_frame, walk
from backend.trading.rules import Side

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "binance" / "samples"
D = Decimal


def lv(*pairs: tuple[str, str]) -> tuple[Level, ...]:
    return tuple((D(p), D(q)) for p, q in pairs)


def book(
    bids: tuple[Level, ...] = (),
    asks: tuple[Level, ...] = (),
    *,
    uid: int = 1,
    at: float = 1000.0,
) -> DepthBook:
    return DepthBook.of("BTCUSDT", uid, bids, asks, at)


BOOK = book(
    bids=lv(("99.9", "1"), ("99.8", "2"), ("99.5", "3")),
    asks=lv(("100.1", "1"), ("100.2", "2"), ("100.5", "3")),
)


def sample_book() -> DepthBook:
    raw = json.loads((SAMPLE / "ws_partial_depth.json").read_text())
    depth = parse_depth(raw, "BNBBTC")
    return DepthBook.of("BNBBTC", depth.last_update_id, depth.bids, depth.asks, 0.0)


# ------------------------------------------------------------------ the real sample payload


def test_the_sample_payload_parses_into_decimals() -> None:
    b = sample_book()
    assert b.last_update_id == 160
    assert b.bids == ((D("0.0024"), D("10")),)
    assert b.asks == ((D("0.0026"), D("100")),)
    assert b.best_bid == D("0.0024") and b.best_ask == D("0.0026")


def test_buy_on_the_sample_takes_the_ask_and_expires_the_rest() -> None:
    w = walk(sample_book(), Side.BUY, qty=D("150"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("0.0026"), D("100"))]
    assert w.executed_qty == D("100") and w.quote_qty == D("0.2600")
    assert w.remaining_qty == D("50") and w.exhausted


def test_sell_on_the_sample_takes_the_bid() -> None:
    w = walk(sample_book(), Side.SELL, qty=D("4"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("0.0024"), D("4"))]
    assert w.remaining_qty == 0 and not w.exhausted
    assert w.quote_qty == D("0.0096")


def test_the_sample_round_trips_to_binance_form() -> None:
    raw = json.loads((SAMPLE / "ws_partial_depth.json").read_text())
    assert parse_depth(raw).to_binance() == raw


# ------------------------------------------------------------------ quantity orders


def test_buy_eats_asks_ascending_one_fill_per_level() -> None:
    w = walk(BOOK, Side.BUY, qty=D("2.5"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("100.1"), D("1")), (D("100.2"), D("1.5"))]
    assert w.executed_qty == D("2.5")
    assert w.quote_qty == D("100.1") + D("150.30")
    assert w.remaining_qty == 0 and not w.exhausted
    assert w.avg_price == (D("250.40") / D("2.5"))


def test_sell_eats_bids_descending() -> None:
    w = walk(BOOK, Side.SELL, qty=D("3"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("99.9"), D("1")), (D("99.8"), D("2"))]
    assert w.quote_qty == D("299.5")


def test_an_order_exactly_the_size_of_the_book_is_filled_not_expired() -> None:
    w = walk(BOOK, Side.BUY, qty=D("6"))
    assert len(w.fills) == 3 and w.remaining_qty == 0 and not w.exhausted


def test_an_order_larger_than_the_book_fills_all_levels_and_leaves_the_remainder() -> None:
    w = walk(BOOK, Side.SELL, qty=D("6.00000001"))
    assert w.executed_qty == D("6") and w.remaining_qty == D("0.00000001") and w.exhausted


def test_an_empty_side_fills_nothing() -> None:
    w = walk(book(bids=BOOK.bids), Side.BUY, qty=D("1"))
    assert w.fills == () and w.executed_qty == 0 and w.exhausted and w.avg_price is None


def test_the_walk_needs_exactly_one_amount_and_a_positive_one() -> None:
    with pytest.raises(ValueError):
        walk(BOOK, Side.BUY)
    with pytest.raises(ValueError):
        walk(BOOK, Side.BUY, qty=D("1"), quote_qty=D("1"))
    with pytest.raises(ValueError):
        walk(BOOK, Side.BUY, qty=D("0"))
    with pytest.raises(ValueError):
        walk(BOOK, Side.SELL, quote_qty=D("-1"))


# ------------------------------------------------------------------ quoteOrderQty orders


def test_quote_buy_spends_up_to_the_amount_floored_to_the_step() -> None:
    # 100.1 for the first level, then 150 left buys floor(150 / 100.2, 0.001) = 1.497 BTC
    w = walk(BOOK, Side.BUY, quote_qty=D("250.1"), step=D("0.001"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("100.1"), D("1")), (D("100.2"), D("1.497"))]
    assert w.quote_qty == D("100.1") + D("100.2") * D("1.497")
    assert w.quote_qty <= D("250.1")
    assert w.remaining_quote == D("250.1") - w.quote_qty
    assert w.remaining_quote < D("100.2") * D("0.001")  # not one more step fits
    assert not w.exhausted


def test_quote_buy_exactly_one_level_stops_there() -> None:
    w = walk(BOOK, Side.BUY, quote_qty=D("100.1"), step=D("0.001"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("100.1"), D("1"))]
    assert w.remaining_quote == 0 and not w.exhausted


def test_quote_buy_smaller_than_one_step_fills_nothing_but_is_not_exhausted() -> None:
    w = walk(BOOK, Side.BUY, quote_qty=D("0.05"), step=D("0.001"))
    assert w.fills == () and w.remaining_quote == D("0.05") and not w.exhausted


def test_quote_buy_beyond_the_book_takes_every_level_and_expires() -> None:
    total = D("100.1") + D("100.2") * 2 + D("100.5") * 3
    w = walk(BOOK, Side.BUY, quote_qty=total + D("1000"), step=D("0.001"))
    assert w.executed_qty == D("6") and w.quote_qty == total
    assert w.remaining_quote == D("1000") and w.exhausted


def test_quote_sell_obtains_up_to_the_amount() -> None:
    # 99.9 from the first bid, then floor(100 / 99.8, 0.01) = 1.00 at 99.8
    w = walk(BOOK, Side.SELL, quote_qty=D("199.9"), step=D("0.01"))
    assert [(f.price, f.qty) for f in w.fills] == [(D("99.9"), D("1")), (D("99.8"), D("1.00"))]
    assert w.quote_qty == D("199.70") and w.remaining_quote == D("0.20")


def test_quote_walk_floors_off_step_levels_and_moves_on() -> None:
    b = book(asks=lv(("10", "0.0015"), ("11", "5")))
    w = walk(b, Side.BUY, quote_qty=D("11.01"), step=D("0.001"))
    # 0.001 of the first level (its 0.0005 is below one step), then floor(11.00 / 11) = 1.000
    assert [(f.price, f.qty) for f in w.fills] == [(D("10"), D("0.001")), (D("11"), D("1.000"))]
    assert w.executed_qty == D("1.001")


# ------------------------------------------------------------------ the book store


def test_the_book_is_normalised_best_first_without_empty_levels() -> None:
    b = DepthBook.of(
        "btcusdt", 5, lv(("1", "1"), ("3", "0"), ("2", "1")), lv(("9", "1"), ("8", "1")), 0
    )
    assert b.symbol == "BTCUSDT"
    assert [p for p, _ in b.bids] == [D("2"), D("1")]
    assert [p for p, _ in b.asks] == [D("8"), D("9")]


def test_books_are_fresh_for_max_age_then_gone() -> None:
    now = [1000.0]
    books = DepthBooks(clock=lambda: now[0])
    assert books.get("BTCUSDT") is None
    books.update("btcusdt", book(at=1000.0))
    assert books.get("BTCUSDT", max_age=2) is not None
    now[0] = 1002.0
    assert books.get("BTCUSDT", max_age=2) is not None
    now[0] = 1002.001
    assert books.get("BTCUSDT", max_age=2) is None
    assert books.get("ETHUSDT", max_age=100) is None


def test_an_older_update_id_does_not_replace_a_newer_book_unless_that_went_stale() -> None:
    books = DepthBooks(clock=lambda: 1000.0)
    assert books.update("BTCUSDT", book(uid=10, at=999.0))
    assert not books.update("BTCUSDT", book(uid=9, at=999.5))
    got = books.get("BTCUSDT")
    assert got is not None and got.last_update_id == 10
    assert books.update("BTCUSDT", book(uid=3, at=1001.5))  # the feed restarted
    got = books.get("BTCUSDT", max_age=10)
    assert got is not None and got.last_update_id == 3


# ------------------------------------------------------------------ the bus feed


async def test_the_feed_keeps_the_latest_book_from_bus_frames() -> None:
    bus = MemoryBus()
    books = DepthBooks(clock=lambda: 50.0)
    raw = json.loads((SAMPLE / "ws_partial_depth.json").read_text())
    async with DepthFeed(books, bus, ["BNBBTC", "BTCUSDT"], levels=20, clock=lambda: 50.0) as feed:
        assert feed.channels == ("bnbbtc@depth20@100ms", "btcusdt@depth20@100ms")
        await bus.publish("bnbbtc@depth20@100ms", frame("bnbbtc@depth20@100ms", raw, "binance"))
        await bus.publish("bnbbtc@depth20@100ms", b'{"stream":"x","data":{"bids":[]}}')
    await bus.publish("bnbbtc@depth20@100ms", frame("bnbbtc@depth20@100ms", raw, "binance"))
    assert feed.received == 2  # the last one came after close
    assert books.get("BNBBTC") is None and books.rejected == 1  # the newest frame was malformed
    await bus.publish("bnbbtc@depth20@100ms", frame("bnbbtc@depth20@100ms", raw, "binance"))
    async with feed:
        await bus.publish("bnbbtc@depth20@100ms", frame("bnbbtc@depth20@100ms", raw, "binance"))
    got = books.get("BNBBTC")
    assert got is not None and got.last_update_id == 160 and got.updated_at == 50.0
    assert books.get("BTCUSDT") is None and feed.received == 3


async def test_levels_zero_subscribes_nothing() -> None:
    bus = MemoryBus()
    books = DepthBooks()
    raw = json.loads((SAMPLE / "ws_partial_depth.json").read_text())
    async with DepthFeed(books, bus, ["BNBBTC"], levels=0):
        await bus.publish("bnbbtc@depth0@100ms", frame("bnbbtc@depth0@100ms", raw, "binance"))
    assert len(books) == 0


def test_a_frame_that_is_not_json_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_depth_frame(b"{", "BTCUSDT", 0.0)
