"""Symbol rules in and out of store: exchangeInfo objects -> parsed rules -> `symbols` rows; the
bundled snapshot for replay and as the fallback before any source has written the table.

Every row is written from the one parse (filters.SymbolRules.from_exchange_info): the flat
columns (0 = off, Binance's own convention for filter parameters) are that object's values, and
`raw` keeps the exchangeInfo object as sent, from which each process parses the same rules back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from backend.integrations.binance.schemas import ExchangeInfo, SymbolInfo, parse_exchange_info
from backend.market.filters import ZERO, SymbolRules

SNAPSHOT = "exchange_info_snapshot.json"
SNAPSHOT_ORIGIN = "snapshot"


def load_snapshot() -> ExchangeInfo:
    """The bundled exchangeInfo (read on call, never at import)."""
    text = resources.files("backend.market").joinpath(SNAPSHOT).read_text(encoding="utf-8")
    return parse_exchange_info(json.loads(text))


def snapshot_raw(wanted: Sequence[str]) -> list[Mapping[str, Any]]:
    """The bundled exchangeInfo objects of `wanted` (those it has), in `wanted`'s order."""
    return [dict(i.raw) for i in pick(load_snapshot().symbols, wanted)]


def symbol_row(
    rules: SymbolRules, raw: Mapping[str, Any], origin: str, now: datetime | None = None
) -> dict[str, Any]:
    """The `symbols` row of one parsed symbol (`raw`: the exchangeInfo object it came from)."""
    price, lot, market_lot = rules.price_filter, rules.lot_size, rules.market_lot_size
    percent, notional = rules.percent_price, rules.notional
    return {
        "symbol": rules.symbol,
        "status": rules.status,
        "base_asset": rules.base_asset,
        "quote_asset": rules.quote_asset,
        "base_asset_precision": rules.base_asset_precision,
        "quote_asset_precision": rules.quote_asset_precision,
        "tick_size": price.tick_size if price else ZERO,
        "min_price": price.min_price if price else ZERO,
        "max_price": price.max_price if price else ZERO,
        "step_size": lot.step_size if lot else ZERO,
        "min_qty": lot.min_qty if lot else ZERO,
        "max_qty": lot.max_qty if lot else ZERO,
        "market_min_qty": market_lot.min_qty if market_lot else ZERO,
        "market_max_qty": market_lot.max_qty if market_lot else ZERO,
        "market_step_size": market_lot.step_size if market_lot else ZERO,
        "min_notional": notional.min_notional if notional else ZERO,
        "max_notional": notional.max_notional if notional else ZERO,
        "apply_min_to_market": notional.apply_min_to_market if notional else False,
        "apply_max_to_market": notional.apply_max_to_market if notional else False,
        "bid_multiplier_up": percent.bid_up if percent else ZERO,
        "bid_multiplier_down": percent.bid_down if percent else ZERO,
        "ask_multiplier_up": percent.ask_up if percent else ZERO,
        "ask_multiplier_down": percent.ask_down if percent else ZERO,
        "avg_price_mins": percent.avg_price_mins if percent else 0,
        "max_num_orders": rules.max_num_orders or 0,
        "max_num_algo_orders": rules.max_num_algo_orders or 0,
        "order_types": sorted(rules.order_types),
        "filters": [dict(f) for f in raw.get("filters", ())],
        "raw": dict(raw),
        "source": origin,
        "updated_at": now or datetime.now(UTC),
    }


def pick(infos: Sequence[SymbolInfo], wanted: Sequence[str]) -> list[SymbolInfo]:
    by_name = {i.symbol: i for i in infos}
    return [by_name[s] for s in wanted if s in by_name]


def tick_size(info: SymbolInfo) -> Decimal:
    return SymbolRules.from_exchange_info(info.raw).tick_size
