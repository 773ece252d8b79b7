"""Every condition at its edges (pure)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from backend.alerts.conditions import candle_path, change_fires, price_fires, rsi_fires


@pytest.mark.parametrize(
    ("condition", "prev", "price", "fires"),
    [
        ("price_above", None, "100", True),  # equal to the level holds
        ("price_above", None, "99.99", False),
        ("price_above", "90", "120", True),  # a jump over the level
        ("price_below", None, "100", True),
        ("price_below", None, "100.01", False),
        ("price_below", "120", "80", True),
        ("price_crosses", None, "100", False),  # no earlier price: no side to cross from
        ("price_crosses", "99", "100", True),  # reaches it from below
        ("price_crosses", "101", "100", True),  # reaches it from above
        ("price_crosses", "90", "110", True),  # a gap over it, up
        ("price_crosses", "110", "90", True),  # and down
        ("price_crosses", "100", "101", False),  # leaving the level is no crossing
        ("price_crosses", "100", "99", False),
        ("price_crosses", "98", "99.99", False),
        ("price_crosses", "101", "100.01", False),
    ],
)
def test_price_conditions(condition: str, prev: str | None, price: str, fires: bool) -> None:
    before = None if prev is None else D(prev)
    assert price_fires(condition, D("100"), before, D(price)) is fires


@pytest.mark.parametrize(
    ("direction", "low", "high", "price", "fires"),
    [
        ("up", "100", "100", "105", True),  # exactly 5% up
        ("up", "100", "100", "104.99", False),
        ("down", "100", "100", "95", True),  # exactly 5% down
        ("down", "100", "100", "95.01", False),
        ("up", "100", "110", "95", False),
        ("down", "90", "100", "110", False),
        ("any", "100", "100", "95", True),
        ("any", "100", "100", "105", True),
        ("any", "100", "104", "101", False),
        ("up", "95", "110", "99.75", True),  # from the window's low, not its first price
    ],
)
def test_change_pct(direction: str, low: str, high: str, price: str, fires: bool) -> None:
    assert change_fires(direction, D("5"), D(low), D(high), D(price)) is fires


def test_rsi_edges() -> None:
    assert rsi_fires("rsi_above", D("70"), D("70"))
    assert not rsi_fires("rsi_above", D("70"), D("69.99"))
    assert rsi_fires("rsi_below", D("30"), D("30"))
    assert not rsi_fires("rsi_below", D("30"), D("30.01"))
    assert not rsi_fires("rsi_below", D("30"), None)  # not enough history


def test_candle_path_follows_the_close() -> None:
    assert candle_path(D(10), D(12), D(9), D(11)) == (D(10), D(9), D(12), D(11))
    assert candle_path(D(10), D(12), D(9), D("9.5")) == (D(10), D(12), D(9), D("9.5"))
