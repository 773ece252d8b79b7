"""One process's symbol rules (`Runtime.symbols`): the object `/api/v1/market/symbols` serves and
the trading engine enforces (its `rules`), so the two can never differ.

Every process (API replica, worker) fills its book the same way, in the `symbol_rules` part:
1. at start, from the `symbols` table, which the ingesting process writes from the exchangeInfo
   its source gave (live Binance REST, or the bundled snapshot under replay); a configured symbol
   the table lacks takes the bundled snapshot's rules;
2. then from `market:symbols` on the bus: each exchangeInfo the ingestor takes (at start and every
   MARKET_RULES_REFRESH_S) is stored and, after the commit, published there with the raw objects;
   each book parses them with the same parser and swaps the symbol's rules in one assignment.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import transaction
from backend.market.filters import SymbolRules
from backend.market.repository import SymbolRepository
from backend.market.symbols import SNAPSHOT_ORIGIN, snapshot_raw
from backend.runtime import Runtime

RULES_CHANNEL = "market:symbols"


def rules_message(raw_symbols: Sequence[Mapping[str, Any]], origin: str) -> bytes:
    """The `market:symbols` payload: the exchangeInfo objects as taken, and where from."""
    return json.dumps({"source": origin, "symbols": [dict(s) for s in raw_symbols]}).encode()


class SymbolBook(Mapping[str, SymbolRules]):
    """The parsed rules of the configured symbols (iteration follows MARKET_SYMBOLS' order)."""

    def __init__(self, symbols: Sequence[str]) -> None:
        self.symbols = tuple(symbols)
        self._rules: dict[str, SymbolRules] = {}
        self._origin: dict[str, str] = {}
        self._version: dict[str, int] = {}  # per symbol, bumped by each change
        self.version = 0  # bumped by every change

    def __getitem__(self, symbol: str) -> SymbolRules:
        return self._rules[symbol]

    def __iter__(self) -> Iterator[str]:
        return (s for s in self.symbols if s in self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def origin(self, symbol: str) -> str:
        """Where the symbol's rules came from: `binance` (live exchangeInfo) or `snapshot`."""
        return self._origin.get(symbol, SNAPSHOT_ORIGIN)

    def apply(self, raw_symbols: Sequence[Mapping[str, Any]], origin: str) -> int:
        """Parse exchangeInfo objects and take those of configured symbols; returns how many.
        All or nothing: one object that does not parse leaves every symbol's rules as they were."""
        parsed = {
            name: SymbolRules.from_exchange_info(raw)
            for raw in raw_symbols
            if (name := str(raw.get("symbol", ""))) in self.symbols
        }
        if parsed:
            self.version += 1
        for name, rules in parsed.items():  # no await in here: no reader sees half a message
            self._rules[name] = rules
            self._origin[name] = origin
            self._version[name] = self.version
        return len(parsed)

    def on_message(self, _channel: str, data: bytes) -> None:
        try:
            msg = json.loads(data)
            taken = self.apply(msg["symbols"], str(msg["source"]))
        except (ValueError, KeyError, TypeError, ArithmeticError):
            logger.opt(exception=True).error("market.rules.bad_message")
            return
        logger.bind(symbols=taken, source=msg["source"]).info("market.rules.updated")

    async def load(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """The bundled snapshot, then whatever the ingestor stored (call after subscribing)."""
        self.apply(snapshot_raw(self.symbols), SNAPSHOT_ORIGIN)
        before = dict(self._version)
        async with transaction(sessionmaker) as tx:
            rows = await SymbolRepository(tx.session).all(self.symbols)
        # a `market:symbols` message that came while reading is newer than the rows it covers
        fresh = [r for r in rows if self._version.get(r.symbol) == before.get(r.symbol)]
        for origin in {r.source for r in fresh}:
            self.apply([r.raw for r in fresh if r.source == origin], origin)


@asynccontextmanager
async def symbol_rules(rt: Runtime) -> AsyncIterator[None]:
    """The part (every process, before the trading parts): follow `market:symbols`, then load."""
    sub = await rt.bus.subscribe(RULES_CHANNEL, rt.symbols.on_message)
    try:
        await rt.symbols.load(rt.sessionmaker)
    except Exception:
        # the snapshot's rules stand until the ingestor's next `market:symbols` message
        logger.opt(exception=True).error("market.rules.load_failed")
    try:
        yield
    finally:
        await sub.close()
