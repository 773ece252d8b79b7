"""Every branch of `check_parameters` with its exact Binance code and message (PROTOCOL.md §5.2,
§7.4, §7.6). Written after `make mutate`: the other rule tests checked that these requests were
refused but not with which code and text, so mutants changing either survived."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from backend.trading.rules import (
    MSG_MARKET_CLOSED,
    MSG_QUOTE_QTY_NOT_ALLOWED,
    OrderRequest,
    OrderType,
    RuleViolation,
    Side,
    SymbolRules,
    TimeInForce,
    check_parameters,
    quantity_for_quote,
)
from tests.trading.conftest import real_rules

BTC = real_rules()["BTCUSDT"]
GTC = TimeInForce.GTC
MKT, LIM, MAKER = OrderType.MARKET, OrderType.LIMIT, OrderType.LIMIT_MAKER
SLL, TPL = OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT
Q, P = D("0.001"), D("60000")


def _missing(name: str) -> tuple[int, str]:
    return -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


def _extra(name: str) -> tuple[int, str]:
    return -1106, f"Parameter '{name}' sent when not required."


TIF_EXTRA = (-1114, "TimeInForce parameter sent when not required.")
CASES: list[tuple[str, SymbolRules, OrderRequest, tuple[int, str]]] = [
    ("closed", replace(BTC, status="BREAK"), OrderRequest(Side.BUY, LIM, Q, price=P,
     time_in_force=GTC), (-2010, MSG_MARKET_CLOSED)),
    ("market off", replace(BTC, order_types=frozenset({"LIMIT"})), OrderRequest(Side.BUY, MKT, Q),
     (-2010, "Market orders are not supported for this symbol.")),
    ("stop off", replace(BTC, order_types=frozenset({"LIMIT"})), OrderRequest(Side.SELL, SLL, Q,
     price=P, stop_price=P, time_in_force=GTC),
     (-2010, "Stop loss limit orders are not supported for this symbol.")),
    ("take profit off", replace(BTC, order_types=frozenset({"LIMIT"})), OrderRequest(Side.SELL,
     TPL, Q, price=P, stop_price=P, time_in_force=GTC),
     (-2010, "Take profit limit orders are not supported for this symbol.")),
    ("maker off", replace(BTC, order_types=frozenset({"LIMIT"})), OrderRequest(Side.SELL, MAKER,
     Q, price=P), (-2010, "Unsupported order combination")),
    ("market without any quantity", BTC, OrderRequest(Side.BUY, MKT),
     (-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")),
    ("market with both quantities", BTC, OrderRequest(Side.BUY, MKT, Q, D("100")),
     _extra("quoteOrderQty")),
    ("market by quote not allowed", replace(BTC, quote_order_qty_market_allowed=False),
     OrderRequest(Side.BUY, MKT, quote_quantity=D("100")), (-2010, MSG_QUOTE_QTY_NOT_ALLOWED)),
    ("market with a price", BTC, OrderRequest(Side.BUY, MKT, Q, price=P), _extra("price")),
    ("market with a stop", BTC, OrderRequest(Side.BUY, MKT, Q, stop_price=P), _extra("stopPrice")),
    ("market with a tif", BTC, OrderRequest(Side.BUY, MKT, Q, time_in_force=GTC), TIF_EXTRA),
    ("limit by quote", BTC, OrderRequest(Side.BUY, LIM, Q, D("100"), P, time_in_force=GTC),
     _extra("quoteOrderQty")),
    ("limit without quantity", BTC, OrderRequest(Side.BUY, LIM, price=P, time_in_force=GTC),
     _missing("quantity")),
    ("limit without price", BTC, OrderRequest(Side.BUY, LIM, Q, time_in_force=GTC),
     _missing("price")),
    ("limit without tif", BTC, OrderRequest(Side.BUY, LIM, Q, price=P), _missing("timeInForce")),
    ("stop without tif", BTC, OrderRequest(Side.SELL, SLL, Q, price=P, stop_price=P),
     _missing("timeInForce")),
    ("maker with a tif", BTC, OrderRequest(Side.BUY, MAKER, Q, price=P, time_in_force=GTC),
     TIF_EXTRA),
    ("stop without stop price", BTC, OrderRequest(Side.SELL, TPL, Q, price=P, time_in_force=GTC),
     _missing("stopPrice")),
    ("limit with a stop price", BTC, OrderRequest(Side.BUY, LIM, Q, price=P, stop_price=P,
     time_in_force=GTC), _extra("stopPrice")),
    ("zero quantity", BTC, OrderRequest(Side.BUY, LIM, D(0), price=P, time_in_force=GTC),
     (-2010, "Price * QTY is zero or less.")),
    ("zero price", BTC, OrderRequest(Side.SELL, MAKER, Q, price=D(0)),
     (-2010, "Price * QTY is zero or less.")),
    ("negative price", BTC, OrderRequest(Side.BUY, MAKER, Q, price=D("-1")),
     (-2010, "Price * QTY is zero or less.")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "req", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_parameter_error_has_its_code_and_message(
    rules: SymbolRules, req: OrderRequest, expected: tuple[int, str]
) -> None:
    with pytest.raises(RuleViolation) as info:
        check_parameters(rules, req)
    assert (info.value.code, info.value.msg, str(info.value)) == (*expected, expected[1])


@pytest.mark.parametrize(
    "req",
    [
        OrderRequest(Side.BUY, MKT, Q),
        OrderRequest(Side.BUY, MKT, quote_quantity=D("100")),
        OrderRequest(Side.BUY, LIM, Q, price=P, time_in_force=GTC),
        OrderRequest(Side.SELL, MAKER, Q, price=P),
        OrderRequest(Side.SELL, SLL, Q, price=P, stop_price=P, time_in_force=GTC),
        OrderRequest(Side.BUY, TPL, Q, price=P, stop_price=P, time_in_force=TimeInForce.IOC),
    ],
    ids=["market", "market by quote", "limit", "maker", "stop loss", "take profit"],
)
def test_complete_requests_pass(req: OrderRequest) -> None:
    check_parameters(BTC, req)


def test_quantity_for_quote_without_a_price_is_zero() -> None:
    assert quantity_for_quote(D("100"), D(0), BTC.lot_size.step_size) == 0
    assert quantity_for_quote(D("100"), D("-1"), BTC.lot_size.step_size) == 0
    assert quantity_for_quote(D("100"), D("30000"), D("0.001")) == D("0.003")
