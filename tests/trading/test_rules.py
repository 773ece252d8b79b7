"""Symbol filters at their edges with the real values of rest_exchangeInfo_real.json (§4.4)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.trading.rules import (
    OrderRequest,
    OrderType,
    RuleViolation,
    Side,
    SymbolRules,
    TimeInForce,
    quantity_for_quote,
    validate,
)
from tests.trading.conftest import real_rules, sample_error

REF = D("60000")
BTC = real_rules()["BTCUSDT"]


def limit(side: Side, qty: str, price: str, **kw: object) -> OrderRequest:
    return OrderRequest(
        side, OrderType.LIMIT, D(qty), price=D(price), time_in_force=TimeInForce.GTC, **kw
    )  # type: ignore[arg-type]


def reject(rules: SymbolRules, req: OrderRequest, **kw: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        validate(rules, req, ref_price=kw.pop("ref", REF), last_price=kw.pop("last", REF), **kw)  # type: ignore[arg-type]
    return exc.value


def accept(rules: SymbolRules, req: OrderRequest, **kw: object) -> None:
    validate(rules, req, ref_price=kw.pop("ref", REF), last_price=kw.pop("last", REF), **kw)  # type: ignore[arg-type]


def test_real_btcusdt_rules_are_parsed() -> None:
    assert BTC.base_asset == "BTC" and BTC.quote_asset == "USDT"
    assert BTC.tick_size == D("0.01") and BTC.step_size == D("0.00001")
    assert BTC.market_lot_size is not None and BTC.market_lot_size.max_qty == D("128.52621715")
    assert BTC.notional is not None and BTC.notional.min_notional == D("5")
    assert BTC.max_num_orders == 200 and BTC.max_num_algo_orders == 5
    assert BTC.filter_order[0] == "PRICE_FILTER"


@pytest.mark.parametrize(
    ("req", "failure"),
    [
        (limit(Side.BUY, "0.001", "60000.005"), "PRICE_FILTER"),
        (limit(Side.BUY, "0.000015", "60000"), "LOT_SIZE"),
        (limit(Side.BUY, "0.00008", "60000"), "NOTIONAL"),
        (limit(Side.BUY, "0.0001", "30000"), "NOTIONAL"),
        (limit(Side.BUY, "0.001", "11000"), "PERCENT_PRICE_BY_SIDE"),
        (limit(Side.SELL, "0.001", "300001"), "PERCENT_PRICE_BY_SIDE"),
        (OrderRequest(Side.BUY, OrderType.MARKET, D("0.00008")), "NOTIONAL"),
        (OrderRequest(Side.BUY, OrderType.MARKET, D("200")), "MARKET_LOT_SIZE"),
        (limit(Side.BUY, "9000.00001", "1"), "LOT_SIZE"),
        (limit(Side.BUY, "0.001", "1000000.01"), "PRICE_FILTER"),
        (limit(Side.BUY, "0.001", "0.001"), "PRICE_FILTER"),
        (OrderRequest(Side.BUY, OrderType.MARKET, D("128.52622")), "MARKET_LOT_SIZE"),
        (OrderRequest(Side.BUY, OrderType.MARKET, D("1.000001")), "LOT_SIZE"),  # LOT_SIZE too
    ],
)
def test_worked_examples_fail_with_binance_code_and_message(
    req: OrderRequest, failure: str
) -> None:
    err = reject(BTC, req)
    assert (err.code, err.msg) == (-1013, f"Filter failure: {failure}")


def test_lot_size_message_matches_the_sample() -> None:
    err = reject(BTC, limit(Side.BUY, "0.000015", "60000"))
    assert (err.code, err.msg) == sample_error("lot_size")


@pytest.mark.parametrize(
    ("req", "ref"),
    [
        (limit(Side.BUY, "0.0002", "30000"), REF),  # notional 6, price inside [12000, 300000]
        (limit(Side.BUY, "1", "12000"), REF),  # exactly ref x 0.2
        (limit(Side.SELL, "0.001", "300000"), REF),  # exactly ref x 5
        (limit(Side.BUY, "750", "12000"), REF),  # notional exactly maxNotional 9,000,000
        (limit(Side.SELL, "9000", "0.01"), D("0.05")),  # maxQty at minPrice
        (limit(Side.BUY, "0.00001", "1000000"), D("200000")),  # minQty at maxPrice
        (
            OrderRequest(Side.BUY, OrderType.MARKET, D("128.52621")),
            REF,
        ),  # under MARKET_LOT_SIZE max
        (OrderRequest(Side.SELL, OrderType.MARKET, quote_quantity=D("5")), REF),  # min notional
    ],
)
def test_orders_on_the_edges_pass(req: OrderRequest, ref: D) -> None:
    accept(BTC, req, ref=ref, last=ref)


def test_notional_exactly_min_passes_and_one_tick_less_fails() -> None:
    accept(BTC, limit(Side.BUY, "0.0001", "50000"))  # 5.000
    assert reject(BTC, limit(Side.BUY, "0.0001", "49999.99")).filter_type == "NOTIONAL"


def test_market_notional_uses_the_reference_price_and_max_is_not_applied() -> None:
    # applyMaxToMarket false: 128 BTC x 60000 = 7.68M is fine, and so would more be
    accept(BTC, OrderRequest(Side.BUY, OrderType.MARKET, D("128")), ref=D("100000"))
    # limit orders do get the max notional test: 9000 x 1001 > 9,000,000
    assert reject(BTC, limit(Side.BUY, "9000", "1001"), ref=D("1001")).filter_type == "NOTIONAL"


def test_max_num_orders_counts_open_orders_on_the_symbol() -> None:
    accept(BTC, limit(Side.BUY, "0.001", "60000"), open_orders=199)
    err = reject(BTC, limit(Side.BUY, "0.001", "60000"), open_orders=200)
    assert err.msg == "Filter failure: MAX_NUM_ORDERS"


def test_max_num_algo_orders_applies_only_to_stops() -> None:
    stop = OrderRequest(
        Side.SELL,
        OrderType.STOP_LOSS_LIMIT,
        D("0.001"),
        price=D("59000"),
        stop_price=D("59500"),
        time_in_force=TimeInForce.GTC,
    )
    accept(BTC, stop, open_algo_orders=4)
    assert reject(BTC, stop, open_algo_orders=5).msg == "Filter failure: MAX_NUM_ALGO_ORDERS"
    accept(BTC, limit(Side.BUY, "0.001", "60000"), open_algo_orders=5)


def test_stop_price_is_tick_checked() -> None:
    stop = OrderRequest(
        Side.SELL,
        OrderType.STOP_LOSS_LIMIT,
        D("0.001"),
        price=D("59000"),
        stop_price=D("59500.001"),
        time_in_force=TimeInForce.GTC,
    )
    assert reject(BTC, stop).msg == "Filter failure: PRICE_FILTER"


@pytest.mark.parametrize(
    ("side", "type_", "stop"),
    [
        (Side.SELL, OrderType.STOP_LOSS_LIMIT, "60000"),  # fires at <= stop: 60000 now
        (Side.BUY, OrderType.STOP_LOSS_LIMIT, "59999.99"),  # fires at >= stop
        (Side.SELL, OrderType.TAKE_PROFIT_LIMIT, "59000"),  # fires at >= stop
        (Side.BUY, OrderType.TAKE_PROFIT_LIMIT, "60000.01"),  # fires at <= stop
    ],
)
def test_stop_on_the_wrong_side_would_trigger_immediately(
    side: Side, type_: OrderType, stop: str
) -> None:
    req = OrderRequest(
        side, type_, D("0.001"), price=D("60000"), stop_price=D(stop), time_in_force=TimeInForce.GTC
    )
    err = reject(BTC, req)
    assert (err.code, err.msg) == (-2010, "Order would trigger immediately.")


def test_mandatory_parameters_follow_binance() -> None:
    err = reject(
        BTC, OrderRequest(Side.BUY, OrderType.LIMIT, D("1"), time_in_force=TimeInForce.GTC)
    )
    assert (err.code, err.msg) == (
        -1102,
        "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    )
    assert reject(BTC, OrderRequest(Side.BUY, OrderType.LIMIT, D("1"), price=D("1"))).code == -1102
    assert reject(BTC, OrderRequest(Side.BUY, OrderType.MARKET)).code == -1102
    both = OrderRequest(Side.BUY, OrderType.MARKET, D("1"), quote_quantity=D("10"))
    assert reject(BTC, both).code == -1106
    maker_tif = OrderRequest(
        Side.BUY, OrderType.LIMIT_MAKER, D("1"), price=D("1"), time_in_force=TimeInForce.GTC
    )
    assert reject(BTC, maker_tif).code == -1114


def test_other_real_symbols_use_their_own_steps() -> None:
    xrp = real_rules()["XRPUSDT"]
    assert (
        reject(xrp, limit(Side.BUY, "10.5", "0.5"), ref=D("0.5")).msg == "Filter failure: LOT_SIZE"
    )
    assert (
        reject(xrp, limit(Side.BUY, "20", "0.50001"), ref=D("0.5")).msg
        == "Filter failure: PRICE_FILTER"
    )
    accept(xrp, limit(Side.BUY, "20", "0.5001"), ref=D("0.5"))


@given(
    quote=st.decimals(min_value=D("5"), max_value=D("100000"), places=2),
    price=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
)
def test_quote_quantity_never_spends_more_than_asked(quote: D, price: D) -> None:
    qty = quantity_for_quote(quote, price, BTC.step_size)
    assert qty * price <= quote
    assert (qty + BTC.step_size) * price > quote
    assert qty % BTC.step_size == 0
