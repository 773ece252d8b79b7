"""Fill settlement conserves value minus fees, fees follow the rate, reservations balance."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from backend.trading import ledger
from backend.trading.ledger import Movement
from backend.trading.rules import Side

RATE = D("0.001")
qtys = st.integers(min_value=1, max_value=10**7).map(lambda i: D(i) / 10**5)
px = st.integers(min_value=1, max_value=10**8).map(lambda i: D(i) / 100)


def test_sample_commission_matches_binance_full_response() -> None:
    # rest_order_full.json: SELL 5 @ 3999 -> commission 19.995 USDT at 0.1 %
    s = ledger.settle_fill(
        side=Side.SELL,
        base="BTC",
        quote="USDT",
        price=D("3999"),
        qty=D("5"),
        fee_rate=RATE,
        reserved_price=None,
    )
    assert (s.fee, s.fee_asset) == (D("19.995"), "USDT")
    assert s.movements == (
        Movement("BTC", D("-5"), D("0")),
        Movement("USDT", D("19975.005"), D("0")),
    )


def test_buy_fee_is_taken_from_the_base_asset_received() -> None:
    s = ledger.settle_fill(
        side=Side.BUY,
        base="BTC",
        quote="USDT",
        price=D("60000"),
        qty=D("1"),
        fee_rate=RATE,
        reserved_price=None,
    )
    assert (s.fee, s.fee_asset) == (D("0.001"), "BTC")
    assert Movement("BTC", D("0.999"), D("0")) in s.movements


def test_fee_rounds_up_to_8_decimals() -> None:
    assert ledger.fee_for(D("0.00001"), RATE) == D("0.00000001")  # 1e-8 exactly
    assert ledger.fee_for(D("0.000011"), RATE) == D("0.00000002")  # 1.1e-8 -> up
    assert ledger.fee_for(D("0"), RATE) == 0


@given(side=st.sampled_from(list(Side)), price=px, qty=qtys, maker=st.booleans(), better=px)
def test_settlement_conserves_value_minus_fee(
    side: Side, price: D, qty: D, maker: bool, better: D
) -> None:
    reserved = None
    fill_price = price
    if maker:
        reserved = price
        if side is Side.BUY:
            fill_price = min(price, better)  # a buy may fill at or below its limit
    s = ledger.settle_fill(
        side=side,
        base="B",
        quote="Q",
        price=fill_price,
        qty=qty,
        fee_rate=RATE,
        reserved_price=reserved,
    )
    by = {m.asset: m for m in s.movements}
    notional = fill_price * qty
    assert s.quote_qty == notional
    received = qty if side is Side.BUY else notional
    assert s.fee == ledger.fee_for(received, RATE)
    assert s.fee >= received * RATE and s.fee - received * RATE < D("0.00000001")
    if side is Side.BUY:
        assert by["Q"].free + by["Q"].locked == -notional
        assert by["B"].free + by["B"].locked == qty - s.fee
        if reserved is not None:
            assert by["Q"].locked == -reserved * qty
    else:
        assert by["B"].free + by["B"].locked == -qty
        assert by["Q"].free + by["Q"].locked == notional - s.fee


@given(side=st.sampled_from(list(Side)), price=px, qty=qtys)
def test_reserve_then_release_nets_to_zero_but_still_needs_the_funds(
    side: Side, price: D, qty: D
) -> None:
    r = ledger.reserve(side, "B", "Q", price, qty)
    back = ledger.release(side, "B", "Q", price, qty)
    amount = price * qty if side is Side.BUY else qty
    assert r.free == -r.locked and r.locked == amount
    # an IOC that expires at once: no net change, yet it needed the whole reservation
    [change] = ledger.combine([r, back])
    assert (change.free, change.locked, change.need_free, change.need_locked) == (0, 0, amount, 0)


def test_apply_change_refuses_to_go_negative() -> None:
    [c] = ledger.combine([Movement("Q", D("-10"), D("10"))])
    assert ledger.apply_change((D("10"), D("0")), c) == (D("0"), D("10"))
    assert ledger.apply_change((D("9.99"), D("5")), c) is None
    [c] = ledger.combine([Movement("Q", D("0"), D("-2"))])
    assert ledger.apply_change((D("0"), D("1")), c) is None


def _one_by_one(balance: tuple[D, D], ms: list[Movement]) -> tuple[D, D] | None:
    """The reference: each movement applied alone, refused if either side would go negative."""
    free, locked = balance
    for m in ms:
        free, locked = free + m.free, locked + m.locked
        if free < 0 or locked < 0:
            return None
    return free, locked


amounts = st.integers(min_value=-(10**6), max_value=10**6).map(lambda i: D(i) / 100)
movements = st.lists(st.builds(Movement, st.just("Q"), amounts, amounts), min_size=1, max_size=6)
balances = st.tuples(
    st.integers(0, 10**6).map(lambda i: D(i) / 100), st.integers(0, 10**6).map(lambda i: D(i) / 100)
)


@given(balance=balances, ms=movements)
def test_one_combined_change_equals_applying_the_movements_one_by_one(
    balance: tuple[D, D], ms: list[Movement]
) -> None:
    changes = ledger.combine(ms)
    expected = _one_by_one(balance, ms)
    if not changes:  # nothing moves and nothing is needed
        assert expected == balance
        return
    [c] = changes
    assert ledger.apply_change(balance, c) == expected
