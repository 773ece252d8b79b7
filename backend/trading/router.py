"""Demo trading API (`/api/v1`): account, orders, trades, portfolio. Thin: parse, call, shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from backend.db import transaction
from backend.deps import BusDep, CurrentUser, SessionmakerDep, TxDep, runtime_of
from backend.fields import PeriodNumber, RowId, Symbol
from backend.trading import account, history, orders
from backend.trading.engine import TradingEngine
from backend.trading.schemas import (
    AccountOut,
    BalanceOut,
    EquityPointOut,
    OrderCreate,
    OrderOut,
    OrderStatusFilter,
    PortfolioOut,
    PositionOut,
    TradeOut,
)

router = APIRouter(tags=["trading"])


async def get_engine(request: Request) -> TradingEngine:
    return runtime_of(request).trading


EngineDep = Annotated[TradingEngine, Depends(get_engine)]


def _now() -> datetime:
    return datetime.now(UTC)


def _account_out(view: account.AccountView) -> AccountOut:
    return AccountOut(
        period=view.period,
        period_started_at=view.period_started_at,
        balances=[BalanceOut.model_validate(b) for b in view.balances],
        equity=view.equity,
        equity_asset=view.quote_asset,
    )


@router.get("/account")
async def get_account(user: CurrentUser, tx: TxDep, engine: EngineDep) -> AccountOut:
    return _account_out(await account.get_account(tx, engine, user.id, _now()))


@router.post("/account/reset")
async def reset_account(user: CurrentUser, tx: TxDep, bus: BusDep, engine: EngineDep) -> AccountOut:
    return _account_out(await account.reset_account(tx, bus, engine, user.id, _now()))


@router.post("/orders", status_code=status.HTTP_201_CREATED)
async def place_order(
    body: OrderCreate, user: CurrentUser, db: SessionmakerDep, bus: BusDep, engine: EngineDep
) -> OrderOut:
    cmd = orders.PlaceOrder(**dict(body))  # raw values: model_dump would stringify Decimals
    async with transaction(db) as tx:  # committed before the response (deps.SessionmakerDep)
        order = await orders.place_order(tx, bus, engine, user.id, cmd, _now())
    return OrderOut.model_validate(order)


@router.get("/orders")
async def list_orders(
    user: CurrentUser,
    tx: TxDep,
    symbol: Symbol | None = None,
    status: OrderStatusFilter = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[OrderOut]:
    rows = await history.list_orders(tx, user.id, symbol=symbol, status=status, limit=limit)
    return [OrderOut.model_validate(o) for o in rows]


@router.get("/orders/{order_id}")
async def get_order(order_id: RowId, user: CurrentUser, tx: TxDep) -> OrderOut:
    return OrderOut.model_validate(await history.get_order(tx, user.id, order_id))


@router.delete("/orders/{order_id}")
async def cancel_order(
    order_id: RowId, user: CurrentUser, db: SessionmakerDep, bus: BusDep, engine: EngineDep
) -> OrderOut:
    async with transaction(db) as tx:
        order = await orders.cancel_order(tx, bus, engine, user.id, order_id, _now())
    return OrderOut.model_validate(order)


@router.get("/trades")
async def list_trades(
    user: CurrentUser,
    tx: TxDep,
    symbol: Symbol | None = None,
    period: PeriodNumber | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[TradeOut]:
    rows = await history.list_trades(tx, user.id, symbol=symbol, period=period, limit=limit)
    return [TradeOut.model_validate(t) for t in rows]


@router.get("/portfolio")
async def get_portfolio(user: CurrentUser, tx: TxDep, engine: EngineDep) -> PortfolioOut:
    view = await history.get_portfolio(tx, engine, user.id, _now())
    positions = [
        PositionOut(
            symbol=v.position.symbol,
            asset=v.position.asset,
            quantity=v.position.quantity,
            average_cost=v.position.average_cost,
            cost_basis=v.position.cost,
            last_price=v.last_price,
            market_value=v.market_value,
            unrealized_pnl=v.unrealized_pnl,
            realized_pnl=v.position.realized_pnl,
            allocation=view.allocation.get(v.position.asset),
        )
        for v in view.valued
    ]
    return PortfolioOut(
        period=view.period,
        equity=view.equity,
        cash=view.cash,
        realized_pnl=sum((v.position.realized_pnl for v in view.valued), start=0),
        unrealized_pnl=sum((v.unrealized_pnl or 0 for v in view.valued), start=0),
        positions=positions,
        allocation=view.allocation,
    )


@router.get("/portfolio/equity")
async def equity_history(
    user: CurrentUser,
    tx: TxDep,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[EquityPointOut]:
    rows = await history.equity_history(tx, engine, user.id, _now(), limit)
    return [EquityPointOut.model_validate(r) for r in rows]
