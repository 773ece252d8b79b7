"""`/api/v1/analysis`: the indicator catalog, indicators over stored candles (trader and above),
and the comparison of coins (analyst and admin). README "Analysis"."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Query, Request

from backend.analysis import service
from backend.analysis.cache import IndicatorCache
from backend.analysis.registry import INDICATORS, Indicator
from backend.analysis.schemas import (
    CatalogOut,
    CompareOut,
    CompareSymbolOut,
    CorrelationOut,
    IndicatorInfo,
    IndicatorsOut,
    ParamOut,
)
from backend.deps import RequireRole, SettingsDep, TxDep, runtime_of
from backend.fields import EpochMs, Interval
from backend.market.state import MarketState
from backend.runtime import Runtime
from backend.security import Role

router = APIRouter(prefix="/analysis", tags=["analysis"])
_caches: WeakKeyDictionary[Runtime, IndicatorCache] = WeakKeyDictionary()


def indicator_cache(runtime: Runtime) -> IndicatorCache:
    """The runtime's indicator cache (one per process; created on first use)."""
    cache = _caches.get(runtime)
    if cache is None:
        cache = _caches[runtime] = IndicatorCache()
    return cache


async def get_state(request: Request) -> MarketState:
    return runtime_of(request).market


async def get_cache(request: Request) -> IndicatorCache:
    return indicator_cache(runtime_of(request))


StateDep = Annotated[MarketState, Depends(get_state)]
CacheDep = Annotated[IndicatorCache, Depends(get_cache)]
SymbolParam = Annotated[str, Query(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9]+$")]


def _d(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _info(i: Indicator) -> IndicatorInfo:
    params = [ParamOut(name=p.name, default=_d(p.default), min=_d(p.minimum), max=_d(p.maximum),
                       integer=p.integer, description=p.description) for p in i.params]  # fmt: skip
    default_spec = ":".join([i.name] + [_d(p.default) for p in i.params])
    return IndicatorInfo(
        name=i.name, title=i.title, placement=i.placement, params=params,
        outputs=list(i.outputs), default_spec=default_spec, description=i.description,
    )  # fmt: skip


@router.get("/indicators/catalog", dependencies=[RequireRole(Role.TRADER)])
async def indicator_catalog() -> CatalogOut:
    """Every indicator: its parameters (ranges, defaults), outputs, overlay or panel."""
    return CatalogOut(
        max_indicators=service.MAX_INDICATORS, indicators=[_info(i) for i in INDICATORS.values()]
    )


@router.get("/indicators", dependencies=[RequireRole(Role.TRADER)])
async def get_indicators(
    tx: TxDep,
    settings: SettingsDep,
    state: StateDep,
    cache: CacheDep,
    symbol: SymbolParam,
    interval: Interval,
    indicators: Annotated[
        str,
        Query(max_length=400, description="comma-separated specs `name:p1:p2`, e.g. rsi:14,macd"),
    ],
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    start_time: Annotated[EpochMs | None, Query(description="epoch ms, inclusive")] = None,
    end_time: Annotated[EpochMs | None, Query(description="epoch ms, inclusive")] = None,
    include_forming: bool = False,
) -> IndicatorsOut:
    """Indicator values per candle, equal (1e-6 relative) to TA-Lib run over the whole stored
    history; null where a value does not exist. 422 `insufficient_history` when a requested
    indicator has no value in the window."""
    r = await service.indicators(
        tx, state, settings, cache, symbol=symbol, interval=interval, specs_text=indicators,
        limit=limit, start_time=start_time, end_time=end_time, include_forming=include_forming,
    )  # fmt: skip
    return IndicatorsOut(
        symbol=r.symbol, interval=r.interval, open_times=r.open_times, forming=r.forming,
        series=r.series,
    )  # fmt: skip


def _opt(v: float | None) -> str | None:
    return None if v is None else service.fmt(v)


@router.get("/compare", dependencies=[RequireRole(Role.ANALYST)])
async def compare_symbols(
    tx: TxDep,
    settings: SettingsDep,
    state: StateDep,
    symbols: Annotated[str, Query(max_length=220, description="2 to 10 comma-separated symbols")],
    interval: Interval = "1d",
    limit: Annotated[int, Query(ge=3, le=1000)] = 90,
    end_time: Annotated[EpochMs | None, Query(description="epoch ms, inclusive")] = None,
) -> CompareOut:
    """Risk figures per symbol, the correlation of log returns, performance from 100, over the
    closed candles every symbol has (beta to BTCUSDT)."""
    names = [s.strip() for s in symbols.split(",") if s.strip()]
    if len(names) > 10:
        raise service.AnalysisError("At most 10 symbols", code="too_many_symbols")
    r = await service.compare(
        tx, state, settings, symbols=names, interval=interval, limit=limit, end_time=end_time
    )
    rows = [
        CompareSymbolOut(
            symbol=x.symbol, first_close=service.fmt(x.first_close),
            last_close=service.fmt(x.last_close),
            total_return=service.fmt(x.figures.total_return),
            volatility=service.fmt(x.figures.volatility),
            max_drawdown=service.fmt(x.figures.max_drawdown),
            sharpe=_opt(x.figures.sharpe), beta=_opt(x.figures.beta),
        )
        for x in r.rows
    ]  # fmt: skip
    matrix = [[_opt(v) for v in row] for row in r.correlation]
    return CompareOut(
        interval=r.interval, benchmark=r.benchmark, open_times=r.open_times, symbols=rows,
        correlation=CorrelationOut(symbols=[x.symbol for x in r.rows], matrix=matrix),
        normalised=r.normalised,
    )  # fmt: skip
