"""The web app's order-ticket tests run on `frontend/src/features/trading/testing/real-symbols.json`:
the `/api/v1/market/symbols` entries of the real Binance sample, made by the server's own parse
(market/filters.py) and schema (SymbolOut). This test fails when that parse or shape changes and
the fixture was not regenerated:
`UPDATE_WEB_FIXTURES=1 .venv/bin/python -m pytest tests/market/test_web_rules_fixture.py`."""

from __future__ import annotations

import json
import os

from backend.market.filters import SymbolRules
from backend.market.schemas import SymbolOut
from tests.conftest import ROOT, SHARED

FIXTURE = ROOT / "frontend" / "src" / "features" / "trading" / "testing" / "real-symbols.json"
SAMPLE = SHARED / "binance" / "samples" / "rest_exchangeInfo_real.json"


def served() -> str:
    raw = json.loads(SAMPLE.read_text())["symbols"]
    out = {
        s["symbol"]: SymbolOut.of(SymbolRules.from_exchange_info(s), "binance").model_dump(
            mode="json"
        )
        for s in raw
    }
    return json.dumps(out, indent=2) + "\n"


def test_web_fixture_is_what_the_api_serves_for_the_real_sample() -> None:
    want = served()
    if os.environ.get("UPDATE_WEB_FIXTURES"):
        FIXTURE.write_text(want)
    assert FIXTURE.is_file() and FIXTURE.read_text() == want, (
        "frontend/src/features/trading/testing/real-symbols.json is stale: see this module's doc"
    )
