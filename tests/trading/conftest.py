"""Real symbol rules from ../shared/binance/samples (Binance mainnet exchangeInfo snapshot)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.trading.rules import SymbolRules, rules_by_symbol
from tests.conftest import SHARED

SAMPLES = SHARED / "binance" / "samples"


def exchange_info() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "rest_exchangeInfo_real.json").read_text())
    return data


def real_rules() -> dict[str, SymbolRules]:
    return rules_by_symbol(exchange_info()["symbols"])


@pytest.fixture(scope="session")
def rules() -> dict[str, SymbolRules]:
    return real_rules()


def sample_error(name: str) -> tuple[int, str]:
    body = json.loads((SAMPLES / f"rest_error_{name}.json").read_text())
    return int(body["code"]), str(body["msg"])
