"""The order index finds exactly what a linear scan finds, and removal is honoured."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.trading.matching import Book, OrderIndex, crossed_linear, fill_quantity

prices = st.integers(min_value=1, max_value=200).map(lambda i: D(i) / 10)


@settings(max_examples=200)
@given(
    orders=st.lists(st.tuples(st.sampled_from(list(Book)), prices), max_size=60),
    removed=st.sets(st.integers(min_value=0, max_value=59)),
    ticks=st.lists(prices, min_size=1, max_size=10),
)
def test_index_hits_equal_linear_scan(
    orders: list[tuple[Book, D]], removed: set[int], ticks: list[D]
) -> None:
    index = OrderIndex()
    resting: dict[int, tuple[Book, D]] = {}
    for oid, (book, price) in enumerate(orders):
        index.add("BTCUSDT", oid, book, price)
        resting[oid] = (book, price)
    for oid in removed:
        assert index.remove(oid) == (oid in resting)
        resting.pop(oid, None)
    for tick in ticks:
        expected = set(crossed_linear(((o, b, p) for o, (b, p) in resting.items()), tick))
        got = index.hits("BTCUSDT", tick)
        assert {h.order_id for h in got} == expected
        assert len(got) == len(expected)  # nothing twice
        for oid in expected:
            del resting[oid]
        assert set(index.ids()) == set(resting)


def test_limits_fill_only_when_traded_through_and_stops_on_touch() -> None:
    index = OrderIndex()
    index.add("BTCUSDT", 1, Book.BUY_LIMIT, D("100"))
    index.add("BTCUSDT", 2, Book.SELL_LIMIT, D("110"))
    index.add("BTCUSDT", 3, Book.STOP_BELOW, D("95"))
    index.add("BTCUSDT", 4, Book.STOP_ABOVE, D("115"))
    assert index.hits("BTCUSDT", D("100")) == []
    assert index.hits("ETHUSDT", D("1")) == []
    assert [h.order_id for h in index.hits("BTCUSDT", D("99.99"))] == [1]
    assert [h.order_id for h in index.hits("BTCUSDT", D("95"))] == [3]
    assert [h.order_id for h in index.hits("BTCUSDT", D("115"))] == [2, 4]
    assert len(index) == 0


def test_readding_moves_an_order() -> None:
    index = OrderIndex()
    index.add("BTCUSDT", 1, Book.BUY_LIMIT, D("100"))
    index.add("BTCUSDT", 1, Book.BUY_LIMIT, D("90"))
    assert index.hits("BTCUSDT", D("95")) == []
    assert [h.price for h in index.hits("BTCUSDT", D("89"))] == [D("90")]


def test_many_removals_compact_without_losing_live_orders() -> None:
    index = OrderIndex()
    for i in range(5000):
        index.add("BTCUSDT", i, Book.SELL_LIMIT, D(i + 1))
    for i in range(0, 5000, 2):
        index.remove(i)
    hits = index.hits("BTCUSDT", D("10000"))
    assert sorted(h.order_id for h in hits) == list(range(1, 5000, 2))


def test_fill_quantity_is_capped_by_the_trade_and_the_step() -> None:
    assert fill_quantity(D("1"), D("0.123456"), D("0.00001")) == D("0.12345")
    assert fill_quantity(D("0.1"), D("5"), D("0.00001")) == D("0.1")
    assert fill_quantity(D("0.1"), None, D("0.00001")) == D("0.1")


def test_each_book_at_its_boundary() -> None:
    """Limits fill only from a trade strictly beyond their price; stops trigger at it (PROTOCOL.md
    §5.5). The linear scan shares `_crossed`, so the equivalence test above cannot see this."""
    levels = {Book.BUY_LIMIT: D("100"), Book.SELL_LIMIT: D("100"), Book.STOP_BELOW: D("100"),
              Book.STOP_ABOVE: D("100")}  # fmt: skip
    expect = {
        D("99.99"): {Book.BUY_LIMIT, Book.STOP_BELOW},
        D("100"): {Book.STOP_BELOW, Book.STOP_ABOVE},
        D("100.01"): {Book.SELL_LIMIT, Book.STOP_ABOVE},
    }
    for price, books in expect.items():
        index = OrderIndex()
        for oid, (book, level) in enumerate(levels.items()):
            index.add("BTCUSDT", oid, book, level)
        hits = index.hits("BTCUSDT", price)
        assert {h.book for h in hits} == books, price
        assert {h.order_id for h in hits} == {list(levels).index(b) for b in books}
        assert all(h.price == D("100") for h in hits)
        assert len(index) == 4 - len(books)  # what was hit left the index; the rest stays
        for h in hits:
            assert h.order_id not in index and index.entry(h.order_id) is None


def test_moving_an_order_replaces_its_entry() -> None:
    index = OrderIndex()
    index.add("BTCUSDT", 1, Book.BUY_LIMIT, D("100"))
    index.add("BTCUSDT", 1, Book.BUY_LIMIT, D("90"))  # moved down: the old level is gone
    assert len(index) == 1 and index.entry(1) == ("BTCUSDT", Book.BUY_LIMIT, D("90"))
    assert index.hits("BTCUSDT", D("95")) == []
    assert [h.order_id for h in index.hits("BTCUSDT", D("89"))] == [1]
    assert index.hits("BTCUSDT", D("1")) == []  # popped once, never twice
