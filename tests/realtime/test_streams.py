"""backend/streams.py: Binance's stream names and the bus frames, spelled in that one module."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from backend import streams
from backend.realtime.protocol import StreamCatalog

BACKEND = Path(__file__).resolve().parents[2] / "backend"
_STREAM_SUFFIXES = ("@kline_", "@ticker", "@miniTicker", "@trade", "@depth")


def test_names_are_binances() -> None:
    assert streams.trade("BTCUSDT") == "btcusdt@trade"
    assert streams.ticker("BTCUSDT") == "btcusdt@ticker"
    assert streams.mini_ticker("ETHUSDT") == "ethusdt@miniTicker"
    assert streams.kline("BTCUSDT", "1h") == "btcusdt@kline_1h"
    assert streams.partial_depth("BTCUSDT", 20) == "btcusdt@depth20@100ms"
    assert streams.partial_depth("BTCUSDT", 5, fast=False) == "btcusdt@depth5"
    assert streams.user_channel(7) == "user:7"


def test_the_ws_catalogue_is_built_from_the_same_names() -> None:
    catalog = StreamCatalog(["BTCUSDT"], ["1m"])
    for name in [*streams.symbol_streams("BTCUSDT", ["1m"]), streams.MINI_TICKER_ARR, "user"]:
        assert name in catalog
    assert "btcusdt@kline_1h" not in catalog


def test_a_raw_frame_is_exactly_the_event_and_source_stays_beside_it() -> None:
    event = {"e": "trade", "E": 1, "s": "BTCUSDT", "p": "1.00000000"}
    frame = streams.market_frame("btcusdt@trade", event, "replay")
    assert json.loads(frame) == {"stream": "btcusdt@trade", "data": event, "source": "replay"}
    assert json.loads(streams.raw_payload(frame.decode())) == event
    assert json.loads(streams.user_frame(event)) == {"stream": "user", "data": event}


def _code_strings(tree: ast.AST) -> list[str]:
    """String constants and f-string pieces that are not docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_other_backend_module_spells_a_stream_name() -> None:
    offenders = []
    for path in BACKEND.rglob("*.py"):
        if path.name == "streams.py" and path.parent == BACKEND:
            continue
        for text in _code_strings(ast.parse(path.read_text(), str(path))):
            if any(s in text for s in _STREAM_SUFFIXES):
                offenders.append(f"{path.relative_to(BACKEND)}: {text!r}")
    assert offenders == []
