"""The sorted index against a linear scan of `price_fires` on random alerts and ticks."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.alerts.conditions import price_fires
from backend.alerts.index import Entry, PriceIndex

prices = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n) / 4)
alerts = st.lists(
    st.tuples(st.sampled_from(["price_above", "price_below", "price_crosses"]), prices),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(alerts, st.lists(prices, min_size=1, max_size=30), st.data())
def test_index_matches_linear_scan(
    specs: list[tuple[str, Decimal]], ticks: list[Decimal], data: st.DataObject
) -> None:
    index = PriceIndex()
    live = {i: Entry(i, "BTCUSDT", c, level) for i, (c, level) in enumerate(specs)}
    for entry in live.values():
        index.add(entry)
    # some alerts leave again (deleted) and some are edited in place
    for i in data.draw(st.sets(st.sampled_from(sorted(live))) if live else st.just(set())):
        index.remove(i)
        del live[i]
    prev: Decimal | None = None
    for price in ticks:
        expected = {e.id for e in live.values() if price_fires(e.condition, e.level, prev, price)}
        got = [e.id for e in index.matches("BTCUSDT", prev, price)]
        assert sorted(got) == sorted(expected)
        assert index.matches("ETHUSDT", prev, price) == []
        prev = price


def test_suspended_alert_is_out_until_woken() -> None:
    index = PriceIndex()
    entry = Entry(1, "BTCUSDT", "price_above", Decimal(100))
    index.add(entry)
    index.suspend(entry, until=50.0)
    assert index.matches("BTCUSDT", None, Decimal(200)) == []
    assert index.wake(49.0) == []
    assert index.wake(50.0) == [entry]
    assert index.matches("BTCUSDT", None, Decimal(200)) == [entry]


def test_removed_while_asleep_stays_out() -> None:
    index = PriceIndex()
    entry = Entry(1, "BTCUSDT", "price_below", Decimal(100))
    index.suspend(entry, until=1.0)
    index.remove(1)
    assert index.wake(2.0) == []
    assert not index.known(1)
