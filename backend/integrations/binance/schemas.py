"""Parsed Binance payloads: frozen slotted dataclasses, decimals as `Decimal`, times as epoch ms.

`parse_*` take the decoded JSON exactly as Binance sends it (PROTOCOL.md §1.4, §3) and raise
`ProtocolError` on a shape they cannot read. `to_binance()` writes the Binance form back, so an
event can be forwarded byte-compatible (str(Decimal) keeps the original text, e.g. "0.01000000").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from backend.integrations.binance.errors import ProtocolError

Json: TypeAlias = "dict[str, object]"

# Fixed-length intervals in ms; `1M` (calendar month) is handled by the callers that need it.
INTERVAL_MS: dict[str, int] = {
    "1s": 1_000,
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
}
INTERVALS: tuple[str, ...] = (*INTERVAL_MS, "1M")
# What the store can hold: BIGINT ids and times, NUMERIC(36, 18) money (18 integer digits). A
# value past these is no real Binance figure, and one such row would fail every later batch insert
# of the market pipeline (it keeps a failed batch for the next flush): refuse it here.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
DECIMAL_LIMIT = Decimal(10) ** 18
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?", re.ASCII)


def dec(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ProtocolError(f"expected a decimal string, got {type(value).__name__}")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        # Decimal() also takes " 1 ", any Unicode digit and "NaN": Binance sends none of them
        raise ProtocolError(f"bad decimal {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise ProtocolError(f"bad decimal {value!r}") from exc
    if not result.is_finite():
        raise ProtocolError(f"non-finite decimal {value!r}")
    if abs(result) >= DECIMAL_LIMIT:
        raise ProtocolError(f"decimal out of range {value!r}")
    return result


def num(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"expected an integer, got {value!r}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ProtocolError(f"integer out of range {value!r}")
    return value


def text(value: object) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"expected a string, got {value!r}")
    return value


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"expected a boolean, got {value!r}")
    return value


def obj(value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise ProtocolError(f"expected an object, got {type(value).__name__}")
    return value


def field(data: Mapping[str, object], key: str) -> object:
    try:
        return data[key]
    except KeyError as exc:
        raise ProtocolError(f"missing field {key!r}") from exc


@dataclass(frozen=True, slots=True)
class Kline:
    """One candle (REST row or the `k` of a kline event); identified by `open_time`."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal = Decimal(0)
    trades: int = 0
    taker_buy_base: Decimal = Decimal(0)
    taker_buy_quote: Decimal = Decimal(0)
    first_trade_id: int = -1
    last_trade_id: int = -1
    closed: bool = True

    def to_binance_k(self) -> Json:
        return {
            "t": self.open_time,
            "T": self.close_time,
            "s": self.symbol,
            "i": self.interval,
            "f": self.first_trade_id,
            "L": self.last_trade_id,
            "o": str(self.open),
            "c": str(self.close),
            "h": str(self.high),
            "l": str(self.low),
            "v": str(self.volume),
            "n": self.trades,
            "x": self.closed,
            "q": str(self.quote_volume),
            "V": str(self.taker_buy_base),
            "Q": str(self.taker_buy_quote),
            "B": "0",
        }

    def to_rest_row(self) -> list[object]:
        return [
            self.open_time,
            str(self.open),
            str(self.high),
            str(self.low),
            str(self.close),
            str(self.volume),
            self.close_time,
            str(self.quote_volume),
            self.trades,
            str(self.taker_buy_base),
            str(self.taker_buy_quote),
            "0",
        ]


def parse_rest_kline(
    symbol: str, interval: str, row: object, *, now_ms: int | None = None
) -> Kline:
    if not isinstance(row, list) or len(row) < 11:
        raise ProtocolError("kline row must be an array of 12 fields")
    close_time = num(row[6])
    return Kline(
        symbol=symbol,
        interval=interval,
        open_time=num(row[0]),
        open=dec(row[1]),
        high=dec(row[2]),
        low=dec(row[3]),
        close=dec(row[4]),
        volume=dec(row[5]),
        close_time=close_time,
        quote_volume=dec(row[7]),
        trades=num(row[8]),
        taker_buy_base=dec(row[9]),
        taker_buy_quote=dec(row[10]),
        # The newest REST row is usually still forming (PROTOCOL.md §3.5): its close is ahead.
        closed=now_ms is None or close_time < now_ms,
    )


@dataclass(frozen=True, slots=True)
class KlineEvent:
    event_time: int
    kline: Kline

    @property
    def symbol(self) -> str:
        return self.kline.symbol

    def to_binance(self) -> Json:
        return {
            "e": "kline",
            "E": self.event_time,
            "s": self.kline.symbol,
            "k": self.kline.to_binance_k(),
        }


def parse_kline_event(data: Mapping[str, object]) -> KlineEvent:
    k = obj(field(data, "k"))
    kline = Kline(
        symbol=text(field(k, "s")),
        interval=text(field(k, "i")),
        open_time=num(field(k, "t")),
        close_time=num(field(k, "T")),
        open=dec(field(k, "o")),
        high=dec(field(k, "h")),
        low=dec(field(k, "l")),
        close=dec(field(k, "c")),
        volume=dec(field(k, "v")),
        quote_volume=dec(k.get("q", "0")),
        trades=num(k.get("n", 0)),
        taker_buy_base=dec(k.get("V", "0")),
        taker_buy_quote=dec(k.get("Q", "0")),
        first_trade_id=num(k.get("f", -1)),
        last_trade_id=num(k.get("L", -1)),
        closed=flag(field(k, "x")),
    )
    _check_kline(kline)
    return KlineEvent(event_time=num(field(data, "E")), kline=kline)


def _check_kline(k: Kline) -> None:
    """A well-typed event can still describe no candle; stored, it would stay (and a far-future
    open time would make the candle builder drop every later real minute as a re-delivery)."""
    step = INTERVAL_MS.get(k.interval)
    if step is None and k.interval != "1M":
        raise ProtocolError(f"unknown interval {k.interval!r}")
    if k.open_time < 0 or k.close_time <= k.open_time:
        raise ProtocolError(f"bad kline times {k.open_time}..{k.close_time}")
    if step is not None and step <= INTERVAL_MS["1d"] and k.open_time % step:
        raise ProtocolError(f"kline open time {k.open_time} is not on a {k.interval} boundary")
    figures = (k.open, k.high, k.low, k.close, k.volume, k.quote_volume)
    if any(x < 0 for x in (*figures, k.taker_buy_base, k.taker_buy_quote)):
        raise ProtocolError("negative kline price or volume")


@dataclass(frozen=True, slots=True)
class TradeEvent:
    event_time: int
    symbol: str
    trade_id: int
    price: Decimal
    quantity: Decimal
    trade_time: int
    buyer_is_maker: bool

    def to_binance(self) -> Json:
        return {
            "e": "trade",
            "E": self.event_time,
            "s": self.symbol,
            "t": self.trade_id,
            "p": str(self.price),
            "q": str(self.quantity),
            "T": self.trade_time,
            "m": self.buyer_is_maker,
            "M": True,
        }


def parse_trade_event(data: Mapping[str, object]) -> TradeEvent:
    return TradeEvent(
        event_time=num(field(data, "E")),
        symbol=text(field(data, "s")),
        trade_id=num(field(data, "t")),
        price=dec(field(data, "p")),
        quantity=dec(field(data, "q")),
        trade_time=num(field(data, "T")),
        buyer_is_maker=flag(field(data, "m")),
    )


@dataclass(frozen=True, slots=True)
class Ticker:
    """Rolling 24 h statistics (`<symbol>@ticker` event or REST `/ticker/24hr` FULL)."""

    event_time: int
    symbol: str
    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal
    prev_close_price: Decimal
    last_price: Decimal
    last_qty: Decimal
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    first_id: int
    last_id: int
    count: int

    def to_binance(self) -> Json:
        return {
            "e": "24hrTicker",
            "E": self.event_time,
            "s": self.symbol,
            "p": str(self.price_change),
            "P": str(self.price_change_percent),
            "w": str(self.weighted_avg_price),
            "x": str(self.prev_close_price),
            "c": str(self.last_price),
            "Q": str(self.last_qty),
            "b": str(self.bid_price),
            "B": str(self.bid_qty),
            "a": str(self.ask_price),
            "A": str(self.ask_qty),
            "o": str(self.open_price),
            "h": str(self.high_price),
            "l": str(self.low_price),
            "v": str(self.volume),
            "q": str(self.quote_volume),
            "O": self.open_time,
            "C": self.close_time,
            "F": self.first_id,
            "L": self.last_id,
            "n": self.count,
        }

    def to_mini(self) -> MiniTicker:
        return MiniTicker(
            event_time=self.event_time,
            symbol=self.symbol,
            close=self.last_price,
            open=self.open_price,
            high=self.high_price,
            low=self.low_price,
            volume=self.volume,
            quote_volume=self.quote_volume,
        )


def parse_ticker_event(data: Mapping[str, object]) -> Ticker:
    g = data.get
    return Ticker(
        event_time=num(field(data, "E")),
        symbol=text(field(data, "s")),
        price_change=dec(field(data, "p")),
        price_change_percent=dec(field(data, "P")),
        weighted_avg_price=dec(g("w", "0")),
        prev_close_price=dec(g("x", "0")),
        last_price=dec(field(data, "c")),
        last_qty=dec(g("Q", "0")),
        bid_price=dec(g("b", "0")),
        bid_qty=dec(g("B", "0")),
        ask_price=dec(g("a", "0")),
        ask_qty=dec(g("A", "0")),
        open_price=dec(field(data, "o")),
        high_price=dec(field(data, "h")),
        low_price=dec(field(data, "l")),
        volume=dec(field(data, "v")),
        quote_volume=dec(field(data, "q")),
        open_time=num(g("O", 0)),
        close_time=num(g("C", 0)),
        first_id=num(g("F", -1)),
        last_id=num(g("L", -1)),
        count=num(g("n", 0)),
    )


def parse_rest_ticker(data: Mapping[str, object]) -> Ticker:
    g = data.get
    return Ticker(
        event_time=num(field(data, "closeTime")),
        symbol=text(field(data, "symbol")),
        price_change=dec(g("priceChange", "0")),
        price_change_percent=dec(g("priceChangePercent", "0")),
        weighted_avg_price=dec(g("weightedAvgPrice", "0")),
        prev_close_price=dec(g("prevClosePrice", "0")),
        last_price=dec(field(data, "lastPrice")),
        last_qty=dec(g("lastQty", "0")),
        bid_price=dec(g("bidPrice", "0")),
        bid_qty=dec(g("bidQty", "0")),
        ask_price=dec(g("askPrice", "0")),
        ask_qty=dec(g("askQty", "0")),
        open_price=dec(field(data, "openPrice")),
        high_price=dec(field(data, "highPrice")),
        low_price=dec(field(data, "lowPrice")),
        volume=dec(field(data, "volume")),
        quote_volume=dec(field(data, "quoteVolume")),
        open_time=num(field(data, "openTime")),
        close_time=num(field(data, "closeTime")),
        first_id=num(g("firstId", -1)),
        last_id=num(g("lastId", -1)),
        count=num(g("count", 0)),
    )


@dataclass(frozen=True, slots=True)
class MiniTicker:
    event_time: int
    symbol: str
    close: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal

    def to_binance(self) -> Json:
        return {
            "e": "24hrMiniTicker",
            "E": self.event_time,
            "s": self.symbol,
            "c": str(self.close),
            "o": str(self.open),
            "h": str(self.high),
            "l": str(self.low),
            "v": str(self.volume),
            "q": str(self.quote_volume),
        }


def parse_mini_ticker_event(data: Mapping[str, object]) -> MiniTicker:
    return MiniTicker(
        event_time=num(field(data, "E")),
        symbol=text(field(data, "s")),
        close=dec(field(data, "c")),
        open=dec(field(data, "o")),
        high=dec(field(data, "h")),
        low=dec(field(data, "l")),
        volume=dec(field(data, "v")),
        quote_volume=dec(field(data, "q")),
    )


@dataclass(frozen=True, slots=True)
class BookTicker:
    update_id: int
    symbol: str
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal


def parse_book_ticker(data: Mapping[str, object]) -> BookTicker:
    return BookTicker(
        update_id=num(field(data, "u")),
        symbol=text(field(data, "s")),
        bid_price=dec(field(data, "b")),
        bid_qty=dec(field(data, "B")),
        ask_price=dec(field(data, "a")),
        ask_qty=dec(field(data, "A")),
    )


Level: TypeAlias = "tuple[Decimal, Decimal]"


@dataclass(frozen=True, slots=True)
class Depth:
    """REST `/depth` snapshot or a partial-depth stream event (bids best first, asks best first)."""

    last_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    symbol: str = ""

    def to_binance(self) -> dict[str, object]:
        """The partial-depth payload as Binance sends it (no `e`, `E`, `s`)."""
        return {
            "lastUpdateId": self.last_update_id,
            "bids": levels_to_json(self.bids),
            "asks": levels_to_json(self.asks),
        }


def _levels(value: object) -> tuple[Level, ...]:
    if not isinstance(value, list):
        raise ProtocolError("depth side must be an array")
    out: list[Level] = []
    for level in value:
        if not isinstance(level, list) or len(level) < 2:
            raise ProtocolError("depth level must be [price, qty]")
        out.append((dec(level[0]), dec(level[1])))
    return tuple(out)


def parse_depth(data: Mapping[str, object], symbol: str = "") -> Depth:
    return Depth(
        last_update_id=num(field(data, "lastUpdateId")),
        bids=_levels(field(data, "bids")),
        asks=_levels(field(data, "asks")),
        symbol=symbol,
    )


@dataclass(frozen=True, slots=True)
class ServerShutdown:
    event_time: int


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """One exchangeInfo symbol; `raw` keeps the object as sent (all filters, feature flags)."""

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    base_asset_precision: int
    quote_asset_precision: int
    order_types: tuple[str, ...]
    filters: tuple[Mapping[str, object], ...]
    raw: Mapping[str, object]

    def filter(self, filter_type: str) -> Mapping[str, object] | None:
        for f in self.filters:
            if f.get("filterType") == filter_type:
                return f
        return None


def parse_symbol_info(data: Mapping[str, object]) -> SymbolInfo:
    filters = field(data, "filters")
    types = field(data, "orderTypes")
    if not isinstance(filters, list) or not isinstance(types, list):
        raise ProtocolError("symbol filters/orderTypes must be arrays")
    return SymbolInfo(
        symbol=text(field(data, "symbol")),
        status=text(field(data, "status")),
        base_asset=text(field(data, "baseAsset")),
        quote_asset=text(field(data, "quoteAsset")),
        base_asset_precision=num(data.get("baseAssetPrecision", 8)),
        quote_asset_precision=num(data.get("quoteAssetPrecision", data.get("quotePrecision", 8))),
        order_types=tuple(text(t) for t in types),
        filters=tuple(obj(f) for f in filters),
        raw=data,
    )


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate_limit_type: str
    interval: str
    interval_num: int
    limit: int


@dataclass(frozen=True, slots=True)
class ExchangeInfo:
    server_time: int
    rate_limits: tuple[RateLimit, ...]
    symbols: tuple[SymbolInfo, ...]

    def weight_limit_per_minute(self) -> int | None:
        for rl in self.rate_limits:
            if rl.rate_limit_type == "REQUEST_WEIGHT" and rl.interval == "MINUTE":
                return rl.limit // max(1, rl.interval_num)
        return None


def parse_exchange_info(data: Mapping[str, object]) -> ExchangeInfo:
    limits = data.get("rateLimits", [])
    symbols = field(data, "symbols")
    if not isinstance(limits, list) or not isinstance(symbols, list):
        raise ProtocolError("exchangeInfo rateLimits/symbols must be arrays")
    rate_limits = tuple(
        RateLimit(
            rate_limit_type=text(field(o, "rateLimitType")),
            interval=text(field(o, "interval")),
            interval_num=num(field(o, "intervalNum")),
            limit=num(field(o, "limit")),
        )
        for o in (obj(x) for x in limits)
        if o  # the docs' example carries `[{}]`
    )
    return ExchangeInfo(
        server_time=num(data.get("serverTime", 0)),
        rate_limits=rate_limits,
        symbols=tuple(parse_symbol_info(obj(s)) for s in symbols),
    )


def levels_to_json(levels: Sequence[Level]) -> list[list[str]]:
    return [[str(p), str(q)] for p, q in levels]
