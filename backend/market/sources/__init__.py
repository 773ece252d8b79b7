"""Market sources: each feeds a Pipeline until cancelled (`binance` live, `replay` recorded)."""

from __future__ import annotations

from typing import Protocol

from backend.market.pipeline import Pipeline


class MarketSource(Protocol):
    name: str

    async def run(self, sink: Pipeline) -> None: ...
