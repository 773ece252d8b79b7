"""Symbol trading rules: exchangeInfo objects -> `symbols` rows; the bundled snapshot for replay.

Missing filters come out as zero ("off", Binance's own convention for filter parameters), so the
trading engine reads one shape whichever symbol and source it gets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from backend.integrations.binance.schemas import ExchangeInfo, SymbolInfo, parse_exchange_info

SNAPSHOT = "exchange_info_snapshot.json"


def load_snapshot() -> ExchangeInfo:
    """The bundled exchangeInfo (read on call, never at import)."""
    text = resources.files("backend.market").joinpath(SNAPSHOT).read_text(encoding="utf-8")
    return parse_exchange_info(json.loads(text))


def _d(f: Mapping[str, object] | None, key: str) -> Decimal:
    value = f.get(key) if f is not None else None
    return (
        Decimal(value)
        if isinstance(value, str | int) and not isinstance(value, bool)
        else Decimal(0)
    )


def _i(f: Mapping[str, object] | None, key: str) -> int:
    value = f.get(key) if f is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _b(f: Mapping[str, object] | None, key: str) -> bool:
    return bool(f.get(key)) if f is not None else False


def symbol_row(info: SymbolInfo, origin: str, now: datetime | None = None) -> dict[str, Any]:
    price = info.filter("PRICE_FILTER")
    lot = info.filter("LOT_SIZE")
    market_lot = info.filter("MARKET_LOT_SIZE")
    notional = info.filter("NOTIONAL")
    min_notional = info.filter("MIN_NOTIONAL")
    by_side = info.filter("PERCENT_PRICE_BY_SIDE")
    percent = info.filter("PERCENT_PRICE")
    if by_side is not None:
        multipliers = {
            "bid_multiplier_up": _d(by_side, "bidMultiplierUp"),
            "bid_multiplier_down": _d(by_side, "bidMultiplierDown"),
            "ask_multiplier_up": _d(by_side, "askMultiplierUp"),
            "ask_multiplier_down": _d(by_side, "askMultiplierDown"),
        }
        avg_mins = _i(by_side, "avgPriceMins")
    else:  # the older symmetric PERCENT_PRICE filter
        up, down = _d(percent, "multiplierUp"), _d(percent, "multiplierDown")
        multipliers = {
            "bid_multiplier_up": up,
            "bid_multiplier_down": down,
            "ask_multiplier_up": up,
            "ask_multiplier_down": down,
        }
        avg_mins = _i(percent, "avgPriceMins")
    notional_src = notional if notional is not None else min_notional
    return {
        "symbol": info.symbol,
        "status": info.status,
        "base_asset": info.base_asset,
        "quote_asset": info.quote_asset,
        "base_asset_precision": info.base_asset_precision,
        "quote_asset_precision": info.quote_asset_precision,
        "tick_size": _d(price, "tickSize"),
        "min_price": _d(price, "minPrice"),
        "max_price": _d(price, "maxPrice"),
        "step_size": _d(lot, "stepSize"),
        "min_qty": _d(lot, "minQty"),
        "max_qty": _d(lot, "maxQty"),
        "market_min_qty": _d(market_lot, "minQty"),
        "market_max_qty": _d(market_lot, "maxQty"),
        "market_step_size": _d(market_lot, "stepSize"),
        "min_notional": _d(notional_src, "minNotional"),
        "max_notional": _d(notional, "maxNotional"),
        "apply_min_to_market": _b(notional, "applyMinToMarket")
        if notional is not None
        else _b(min_notional, "applyToMarket"),
        "apply_max_to_market": _b(notional, "applyMaxToMarket"),
        **multipliers,
        "avg_price_mins": avg_mins or _i(notional_src, "avgPriceMins"),
        "max_num_orders": _i(info.filter("MAX_NUM_ORDERS"), "maxNumOrders"),
        "max_num_algo_orders": _i(info.filter("MAX_NUM_ALGO_ORDERS"), "maxNumAlgoOrders"),
        "order_types": list(info.order_types),
        "filters": [dict(f) for f in info.filters],
        "raw": dict(info.raw),
        "source": origin,
        "updated_at": now or datetime.now(UTC),
    }


def pick(infos: Sequence[SymbolInfo], wanted: Sequence[str]) -> list[SymbolInfo]:
    by_name = {i.symbol: i for i in infos}
    return [by_name[s] for s in wanted if s in by_name]


def tick_size(info: SymbolInfo) -> Decimal:
    return _d(info.filter("PRICE_FILTER"), "tickSize")
