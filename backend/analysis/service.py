"""Indicators over stored candles (exact to TA-Lib over the whole history), the comparison of
coins, and `latest_value` for other domains (alerts). Routers call these; SQL lives in
analysis/repository.py, formulas in registry.py and compare.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import numpy as np

from backend.analysis import compare as cmp
from backend.analysis.cache import IndicatorCache, Window
from backend.analysis.registry import Bars, InvalidIndicator, Spec, parse_spec, periods_per_year
from backend.analysis.repository import AnalysisRepository, Row
from backend.config import Settings
from backend.db import Tx
from backend.errors import AppError
from backend.integrations.binance.schemas import INTERVAL_MS, Kline
from backend.market.state import MarketState

MAX_INDICATORS = 10
BENCHMARK = "BTCUSDT"
Series = dict[str, list[str | None]]


class AnalysisError(AppError):
    status: ClassVar[int] = 422


class UnknownSymbol(AnalysisError):
    code = "unknown_symbol"
    message = "Symbol not available"


class UnknownInterval(AnalysisError):
    code = "interval_not_available"
    message = "Interval not stored"


class InsufficientHistory(AnalysisError):
    code = "insufficient_history"
    message = "Too little stored history"


class TooManyIndicators(AnalysisError):
    code = "too_many_indicators"
    message = "Too many indicators"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    symbol: str
    interval: str
    open_times: list[int]
    forming: bool
    series: dict[str, Series]


@dataclass(frozen=True, slots=True)
class CompareRow:
    symbol: str
    first_close: float
    last_close: float
    figures: cmp.Figures


@dataclass(frozen=True, slots=True)
class CompareResult:
    interval: str
    benchmark: str | None
    open_times: list[int]
    rows: list[CompareRow]
    correlation: list[list[float | None]]
    normalised: dict[str, list[str]]


def fmt(x: float) -> str:
    """A float as the shortest decimal string that reads back to it, never in exponent form."""
    text = repr(x)
    if "e" in text:
        text = np.format_float_positional(x, unique=True, trim="-")
    return text


def fmt_series(values: np.ndarray) -> list[str | None]:
    return [None if v != v else fmt(v) for v in values.tolist()]  # v != v: NaN


def check_market(settings: Settings, symbol: str, interval: str) -> str:
    symbol = symbol.upper()
    if symbol not in settings.market_symbols:
        raise UnknownSymbol(details={"symbol": symbol, "available": list(settings.market_symbols)})
    if interval not in settings.market_intervals or interval not in INTERVAL_MS:
        raise UnknownInterval(
            details={"interval": interval, "available": list(settings.market_intervals)}
        )
    return symbol


def parse_specs(text: str) -> list[Spec]:
    items = [t for t in (s.strip() for s in text.split(",")) if t]
    if not items:
        raise InvalidIndicator("No indicator given", details={"indicators": text})
    if len(items) > MAX_INDICATORS:
        raise TooManyIndicators(
            f"At most {MAX_INDICATORS} indicators per request", details={"max": MAX_INDICATORS}
        )
    specs: dict[str, Spec] = {}
    for item in items:
        spec = parse_spec(item)
        specs.setdefault(spec.key, spec)
    return list(specs.values())


def _warmup(specs: list[Spec]) -> int | None:
    needs = [s.warmup() for s in specs]
    return None if any(n is None for n in needs) else max(n for n in needs if n is not None)


def _bars(rows: list[Row], interval_ms: int) -> Bars:
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    arr = [np.array([float(x) for x in c], dtype=np.float64) for c in cols[1:]]
    return Bars(arr[0], arr[1], arr[2], arr[3], arr[4], interval_ms)


def _row(k: Kline) -> Row:
    return (k.open_time, k.open, k.high, k.low, k.close, k.volume)


def _usable(k: Kline | None, *, after: int | None, start: int | None, end: int) -> bool:
    return (
        k is not None
        and (after is None or k.open_time > after)
        and (start is None or k.open_time >= start)
        and k.open_time <= end
    )


async def _load(
    repo: AnalysisRepository,
    state: MarketState,
    *,
    symbol: str,
    interval: str,
    start: int | None,
    end: int,
    limit: int,
    warm: int | None,
    now: int,
) -> tuple[list[Row], int]:
    """Warm-up + window rows of closed candles (the live recent-closed one included), and the
    window's length."""
    if start is None:
        take = None if warm is None else limit + warm
        rows = await repo.newest(symbol, interval, end=end, now_ms=now, limit=take)
    else:
        window = await repo.oldest_from(
            symbol, interval, start=start, end=end, now_ms=now, limit=limit
        )
        before = await repo.newest(symbol, interval, end=None, before=start, now_ms=now, limit=warm)
        rows = before + window
    recent = state.recent_closed.get((symbol, interval))
    if recent is not None and recent.close_time < now:
        last = rows[-1][0] if rows else None
        if _usable(recent, after=last, start=start, end=end):
            rows.append(_row(recent))
    in_window = sum(1 for r in rows if start is None or r[0] >= start)
    if start is not None and in_window > limit:
        rows = rows[: len(rows) - (in_window - limit)]
        in_window = limit
    return rows, min(in_window, limit)


async def indicators(
    tx: Tx,
    state: MarketState,
    settings: Settings,
    cache: IndicatorCache,
    *,
    symbol: str,
    interval: str,
    specs_text: str,
    limit: int,
    start_time: int | None = None,
    end_time: int | None = None,
    include_forming: bool = False,
) -> IndicatorResult:
    symbol = check_market(settings, symbol, interval)
    specs = parse_specs(specs_text)
    warm = _warmup(specs)
    now = state.now_ms()
    end = now if end_time is None else min(end_time, now)
    repo = AnalysisRepository(tx.session)
    first, last = await repo.bounds(symbol, interval, end=end, now_ms=now)
    recent = state.recent_closed.get((symbol, interval))
    if (
        recent is not None
        and recent.close_time < now
        and _usable(recent, after=last, start=start_time, end=end)
    ):
        last = recent.open_time
    key = (symbol, interval, start_time, end_time, limit, warm, first, last)
    window = cache.get(key)
    if window is None:
        rows, n = await _load(
            repo, state, symbol=symbol, interval=interval, start=start_time, end=end,
            limit=limit, warm=warm, now=now,
        )  # fmt: skip
        bars = _bars(rows, INTERVAL_MS[interval])
        window = Window([r[0] for r in rows[len(rows) - n :]] if n else [], bars)
        cache.put(key, window)
    bars = window.arrays
    n = len(window.open_times)
    for spec in specs:
        if spec.key not in window.outputs:
            out = spec.compute(bars)
            window.outputs[spec.key] = {
                k: fmt_series(v[len(v) - n :]) if n else [] for k, v in out.items()
            }
    open_times = list(window.open_times)
    series = {s.key: {k: list(v) for k, v in window.outputs[s.key].items()} for s in specs}
    forming = state.forming.get((symbol, interval)) if include_forming else None
    full_window = start_time is not None and n >= limit
    has_forming = (
        forming is not None
        and not full_window
        and _usable(
            forming, after=open_times[-1] if open_times else last, start=start_time, end=end
        )
    )
    if has_forming and forming is not None:
        live = _bars_with(bars, forming)
        drop = 1 if n >= limit else 0
        open_times = [*open_times[drop:], forming.open_time]
        for spec in specs:
            out = spec.compute(live)
            for name, values in series[spec.key].items():
                v = float(out[name][-1])
                series[spec.key][name] = [*values[drop:], None if v != v else fmt(v)]
    candles = len(bars.close) + (1 if has_forming else 0)
    _require_values(specs, series, candles, symbol, interval, state.history_import.state)
    return IndicatorResult(symbol, interval, open_times, has_forming, series)


def _bars_with(bars: Bars, k: Kline) -> Bars:
    def add(a: np.ndarray, x: Decimal) -> np.ndarray:
        return np.append(a, float(x))

    return Bars(
        add(bars.open, k.open), add(bars.high, k.high), add(bars.low, k.low),
        add(bars.close, k.close), add(bars.volume, k.volume), bars.interval_ms,
    )  # fmt: skip


def _require_values(
    specs: list[Spec],
    series: dict[str, Series],
    candles: int,
    symbol: str,
    interval: str,
    history_import: str,
) -> None:
    """A window where an indicator has no value at all is too little history, said as such:
    how many candles were there, and whether the recorded history's import is still running."""
    for spec in specs:
        if all(all(v is None for v in values) for values in series[spec.key].values()):
            raise InsufficientHistory(
                f"Too little stored history of {symbol} {interval} for {spec.key}"
                + (" (the history import is still running)" if history_import == "running" else ""),
                details={
                    "indicator": spec.key,
                    "candles": candles,
                    "history_import": history_import,
                },
            )


async def latest_value(
    tx: Tx,
    symbol: str,
    interval: str,
    name: str,
    params: dict[str, int | float | Decimal] | None = None,
    *,
    output: str | None = None,
    now_ms: int | None = None,
) -> Decimal | None:
    """The indicator's value at the last stored closed candle (exact as the API's), e.g.
    `latest_value(tx, "BTCUSDT", "1h", "rsi", {"period": 14})`; None without enough history."""
    from backend.analysis.registry import INDICATORS

    indicator = INDICATORS.get(name)
    if indicator is None:
        raise InvalidIndicator(f"Unknown indicator {name!r}")
    given = params or {}
    text = ":".join([name] + [str(given.get(p.name, p.default)) for p in indicator.params])
    spec = parse_spec(text)
    warm = spec.warmup()
    rows = await AnalysisRepository(tx.session).newest(
        symbol, interval, end=None, now_ms=now_ms, limit=None if warm is None else warm + 1
    )
    if not rows:
        return None
    out = spec.compute(_bars(rows, INTERVAL_MS[interval]))
    value = float(out[output or indicator.outputs[0]][-1])
    return None if value != value else Decimal(fmt(value))


async def compare(
    tx: Tx,
    state: MarketState,
    settings: Settings,
    *,
    symbols: list[str],
    interval: str,
    limit: int,
    end_time: int | None = None,
) -> CompareResult:
    names = list(dict.fromkeys(check_market(settings, s, interval) for s in symbols))
    if len(names) < 2:
        raise AnalysisError("Give at least two symbols", code="invalid_symbols")
    now = state.now_ms()
    end = now if end_time is None else min(end_time, now)
    bench = BENCHMARK if BENCHMARK in settings.market_symbols else None
    repo = AnalysisRepository(tx.session)
    closes: dict[str, dict[int, float]] = {}
    for name in names + ([bench] if bench and bench not in names else []):
        # twice the window: a gap in one symbol still leaves `limit` common candles
        rows = await repo.newest(name, interval, end=end, now_ms=now, limit=2 * limit)
        closes[name] = {r[0]: float(r[4]) for r in rows}
    common = sorted(set.intersection(*(set(c) for c in closes.values())))[-limit:]
    if len(common) < 3:
        raise InsufficientHistory(
            "Too little common stored history to compare (3 candles at least)",
            details={"common_candles": len(common), "symbols": names, "interval": interval},
        )
    arrays = {s: np.array([closes[s][t] for t in common]) for s in closes}
    per_year = periods_per_year(INTERVAL_MS[interval])
    rows_out = [
        CompareRow(
            s, float(arrays[s][0]), float(arrays[s][-1]),
            cmp.figures(arrays[s], arrays[bench] if bench else None, per_year),
        )
        for s in names
    ]  # fmt: skip
    corr = cmp.correlation([arrays[s] for s in names])
    matrix = [[None if v != v else float(v) for v in row] for row in corr.tolist()]
    normalised = {s: [fmt(float(v)) for v in cmp.normalised(arrays[s])] for s in names}
    return CompareResult(interval, bench, common, rows_out, matrix, normalised)
