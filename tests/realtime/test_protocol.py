"""The pure control-frame parser: Binance's codes and messages, without a socket."""

from __future__ import annotations

import json

import pytest

from backend.realtime.protocol import (
    ProtocolError,
    StreamCatalog,
    error_frame,
    parse_request,
    result_frame,
)
from backend.streams import raw_payload


def _error(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse_request(text)
    return info.value


def test_valid_requests_keep_their_id_and_params() -> None:
    req = parse_request('{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":"a-1"}')
    assert (req.method, req.params, req.id) == ("SUBSCRIBE", ["btcusdt@ticker"], "a-1")
    assert parse_request('{"method":"LIST_SUBSCRIPTIONS","id":null}').id is None
    assert parse_request('{"method":"LIST_SUBSCRIPTIONS","id":-9223372036854775808}').id == -(2**63)


def test_invalid_json_reports_line_and_column() -> None:
    err = _error('{"method":\n  SUBSCRIBE}')
    assert err.code == 3
    assert err.msg == "Invalid JSON: expected value at line 2 column 3"
    assert json.loads(err.frame()) == {"error": {"code": 3, "msg": err.msg}, "id": None}


def test_unknown_method_names_the_variant_and_its_position() -> None:
    err = _error('{"method": "PING", "id": 1}')
    assert err.code == 2
    assert err.request_id == 1
    assert err.msg.startswith(
        "Invalid request: unknown variant `PING`, expected one of `SUBSCRIBE`"
    )
    assert err.msg.endswith("at line 1 column 17")  # just past the closing quote of "PING"


@pytest.mark.parametrize("rid", ["2**63", '"x y"', '"' + "a" * 37 + '"', "[1]", "false"])
def test_ids_outside_binance_rules_are_refused(rid: str) -> None:
    err = _error('{"method": "LIST_SUBSCRIPTIONS", "id": ' + rid.replace("2**63", str(2**63)) + "}")
    assert (err.code, err.msg, err.request_id) == (
        2,
        "Invalid request: request ID must be an unsigned integer",
        None,
    )


def test_catalog_knows_configured_streams_only() -> None:
    catalog = StreamCatalog(["BTCUSDT"], ["1m"])
    for name in ("btcusdt@ticker", "btcusdt@miniTicker", "btcusdt@trade", "btcusdt@kline_1m"):
        assert name in catalog
    assert "!miniTicker@arr" in catalog
    assert "user" in catalog
    assert "btcusdt@kline_5m" not in catalog
    assert "ethusdt@ticker" not in catalog
    with pytest.raises(ProtocolError) as info:
        catalog.check(["btcusdt@ticker", "btcusdt@depth"], 5)
    assert info.value.msg == "Invalid request: unknown stream `btcusdt@depth`"


def test_frames_are_compact_json() -> None:
    assert result_frame(None, 1) == '{"result":null,"id":1}'
    assert error_frame(2, "x", "a") == '{"error":{"code":2,"msg":"x"},"id":"a"}'
    combined = '{"stream":"btcusdt@trade","data":{"e":"trade","p":"1.0"},"source":"replay"}'
    assert raw_payload(combined) == '{"e":"trade","p":"1.0"}'
