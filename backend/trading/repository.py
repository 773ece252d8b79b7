"""SQL for trading. Balances change only through conditional updates (never read-modify-write).

PostgreSQL: `UPDATE ... SET free = free + :df ... WHERE free >= :need ...` (persist.py);
a concurrent writer waits on the row lock and then re-checks the condition on the new value, so
two requests can never spend the same balance. Every writer of an account first takes its row
lock (`serialize_writers`, FOR NO KEY UPDATE): the writes of one account then never interleave,
so a batch that changes several balance rows in one statement cannot deadlock with another.
(Orders of one account serialized on its balance rows anyway: nearly every order touches the
quote asset.) Different accounts run in parallel.
SQLite: Money is a string column there, so SQL cannot compare it numerically. SQLite serializes
writers instead: every trading write path first calls `AccountRepository.serialize_writers`,
an UPDATE that takes the database write lock (the `BEGIN IMMEDIATE` equivalent: pysqlite begins
the transaction at the first DML, and no other connection can write until we commit). After that
the read-check-write below cannot interleave with another writer, in this process or another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, Select, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from backend.trading.models import (
    OPEN_STATUSES,
    Balance,
    EquitySnapshot,
    Mark,
    Order,
    Trade,
    TradingAccount,
)
from backend.trading.rules import STOP_TYPES

ZERO = Decimal(0)
Pair = tuple[Decimal, Decimal]  # (free, locked)
Pair2 = tuple[int, int]  # (account id, period)
_NUM = Numeric(36, 18, asdecimal=True)


def _is_pg(session: AsyncSession) -> bool:
    bind = session.bind
    assert bind is not None
    return bind.dialect.name == "postgresql"


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]  # dialect insert factories
    return pg_insert if _is_pg(session) else sqlite_insert


# Hot-path statements built once (bench/orders.py): constructing and cache-keying a statement
# costs more CPU than executing it; values travel as bind parameters.
_LOCK_SELECT = select(TradingAccount.id, TradingAccount.period).where(
    TradingAccount.user_id == bindparam("uid")
)
_LOCK_WRITER = _LOCK_SELECT.with_for_update(key_share=True)  # FOR NO KEY UPDATE
_LOCK_EXCLUSIVE = _LOCK_SELECT.with_for_update()
_LOCK_SQLITE = (
    update(TradingAccount)
    .where(TradingAccount.user_id == bindparam("uid"))
    .values(lock_seq=TradingAccount.lock_seq + 1)
    .returning(TradingAccount.id, TradingAccount.period)
)
_COUNT_OPEN = (
    select(Order.type, func.count())
    .where(
        Order.user_id == bindparam("uid"),
        Order.symbol == bindparam("symbol"),
        Order.status.in_(OPEN_STATUSES),
    )
    .group_by(Order.type)
)


@dataclass(frozen=True, slots=True)
class OrderLock:
    """What placing an order reads under the account lock."""

    account_id: int
    period: int
    open_orders: int
    open_algo_orders: int


# PostgreSQL: the account lock and the MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS counts in one trip.
_LOCK_FOR_ORDER_PG = """
SELECT a.id, a.period, c.n, c.algo
FROM trading_accounts a CROSS JOIN LATERAL (
  SELECT count(*) AS n, count(*) FILTER (WHERE o.type = ANY($3::text[])) AS algo
  FROM orders o
  WHERE o.user_id = a.user_id AND o.symbol = $2 AND o.status = ANY($4::text[])
) c
WHERE a.user_id = $1
FOR NO KEY UPDATE OF a
"""
_STOP_TYPE_NAMES = sorted(t.value for t in STOP_TYPES)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_for_user(self, user_id: int) -> TradingAccount | None:
        stmt = select(TradingAccount).where(TradingAccount.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def create_if_missing(self, user_id: int, now: datetime) -> bool:
        """Insert the account row; False when it already existed (a concurrent first request)."""
        stmt = (
            _insert(self.session)(TradingAccount)
            .values(user_id=user_id, period=1, period_started_at=now, lock_seq=0, created_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult for DML

    async def serialize_writers(self, account_id: int, *, exclusive: bool = False) -> int:
        """Order this transaction against a reset (PG: row lock) or all writers (SQLite).

        PostgreSQL: FOR NO KEY UPDATE serializes the account's writers (the module docstring
        says why); a reset (`exclusive`) takes FOR UPDATE.
        SQLite: an UPDATE takes the database write lock for the rest of the transaction.
        Returns the account's current period, read under that lock.
        """
        if _is_pg(self.session):
            stmt = select(TradingAccount.period).where(TradingAccount.id == account_id)
            stmt = stmt.with_for_update(key_share=not exclusive)
            return int((await self.session.execute(stmt)).scalar_one())
        await self.session.execute(
            update(TradingAccount)
            .where(TradingAccount.id == account_id)
            .values(lock_seq=TradingAccount.lock_seq + 1)
        )
        stmt2 = select(TradingAccount.period).where(TradingAccount.id == account_id)
        return int((await self.session.execute(stmt2)).scalar_one())

    async def lock_for_user(self, user_id: int, *, exclusive: bool = False) -> Pair2 | None:
        """`serialize_writers` by user in one round trip: (account id, period), or None."""
        stmt: Executable = _LOCK_SQLITE
        if _is_pg(self.session):
            stmt = _LOCK_EXCLUSIVE if exclusive else _LOCK_WRITER
        row = (await self.session.execute(stmt, {"uid": user_id})).first()
        return None if row is None else (int(row[0]), int(row[1]))

    async def lock_for_order(self, user_id: int, symbol: str) -> OrderLock | None:
        """`lock_for_user` plus the user's open order counts on `symbol`; None: no account."""
        if _is_pg(self.session):
            conn = await self.session.connection()
            row = (
                await conn.exec_driver_sql(
                    _LOCK_FOR_ORDER_PG, (user_id, symbol, _STOP_TYPE_NAMES, list(OPEN_STATUSES))
                )
            ).first()
            return None if row is None else OrderLock(*(int(v) for v in row))
        locked = await self.lock_for_user(user_id)
        if locked is None:
            return None
        open_n, algo_n = await OrderRepository(self.session).count_open(user_id, symbol)
        return OrderLock(locked[0], locked[1], open_n, algo_n)

    async def start_period(self, account_id: int, period: int, now: datetime) -> None:
        await self.session.execute(
            update(TradingAccount)
            .where(TradingAccount.id == account_id)
            .values(period=period, period_started_at=now)
        )

    async def all_accounts(self) -> Sequence[TradingAccount]:
        return (await self.session.execute(select(TradingAccount))).scalars().all()


class BalanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_account(self, account_id: int) -> Sequence[Balance]:
        stmt = select(Balance).where(Balance.account_id == account_id).order_by(Balance.asset)
        return (await self.session.execute(stmt)).scalars().all()

    async def reset(self, account_id: int, asset: str, amount: Decimal) -> None:
        rows = await self.for_account(account_id)
        for row in rows:
            await self.session.delete(row)
        await self.session.flush()
        self.session.add(Balance(account_id=account_id, asset=asset, free=amount, locked=ZERO))
        await self.session.flush()


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: int, *, owner_id: int) -> Order | None:
        stmt = select(Order).where(Order.id == order_id, Order.user_id == owner_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def owner_of(self, order_id: int) -> int | None:
        stmt = select(Order.user_id).where(Order.id == order_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_for_update(self, order_id: int, *, owner_id: int | None = None) -> Order | None:
        stmt = select(Order).where(Order.id == order_id)
        if owner_id is not None:
            stmt = stmt.where(Order.user_id == owner_id)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_client_id(self, user_id: int, client_order_id: str) -> Order | None:
        stmt = select(Order).where(
            Order.user_id == user_id, Order.client_order_id == client_order_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def insert_unique(self, order: Order, *, may_exist: bool) -> bool:
        """Insert; False when (user, client_order_id) already exists. Only a client-chosen id
        (`may_exist`) pays for the savepoint; a generated 22-character id cannot collide."""
        if not may_exist:
            self.session.add(order)
            await self.session.flush()
            return True
        try:
            async with self.session.begin_nested():
                self.session.add(order)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def count_open(self, user_id: int, symbol: str) -> tuple[int, int]:
        """(open orders, open stop orders) of the user on the symbol, for MAX_NUM_* filters."""
        params = {"uid": user_id, "symbol": symbol}
        rows = (await self.session.execute(_COUNT_OPEN, params)).all()
        total = sum(int(n) for _, n in rows)
        algo = sum(int(n) for t, n in rows if t in {s.value for s in STOP_TYPES})
        return total, algo

    def _listing(self, user_id: int) -> Select[Order]:
        return select(Order).where(Order.user_id == user_id)

    async def list_for_user(
        self,
        user_id: int,
        *,
        symbol: str | None,
        statuses: Sequence[str] | None,
        exclude: Sequence[str] | None,
        limit: int,
    ) -> Sequence[Order]:
        stmt = self._listing(user_id)
        if symbol:
            stmt = stmt.where(Order.symbol == symbol)
        if statuses is not None:
            stmt = stmt.where(Order.status.in_(statuses))
        if exclude is not None:
            stmt = stmt.where(Order.status.not_in(exclude))
        stmt = stmt.order_by(Order.id.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def open_for_user(self, user_id: int) -> Sequence[Order]:
        stmt = (
            self._listing(user_id)
            .where(Order.status.in_(OPEN_STATUSES))
            .order_by(Order.id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def all_open(self) -> Sequence[Order]:
        stmt = select(Order).where(Order.status.in_(OPEN_STATUSES)).order_by(Order.id)
        return (await self.session.execute(stmt)).scalars().all()


class TradeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, order_id: int, source_trade_id: str) -> bool:
        stmt = select(Trade.id).where(
            Trade.order_id == order_id, Trade.source_trade_id == source_trade_id
        )
        return (await self.session.execute(stmt)).first() is not None

    async def list_for_user(
        self, user_id: int, *, symbol: str | None, period: int | None, limit: int
    ) -> Sequence[Trade]:
        stmt = select(Trade).where(Trade.user_id == user_id)
        if symbol:
            stmt = stmt.where(Trade.symbol == symbol)
        if period is not None:
            stmt = stmt.where(Trade.period == period)
        stmt = stmt.order_by(Trade.id.desc()).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def for_period(self, user_id: int, period: int) -> Sequence[Trade]:
        stmt = (
            select(Trade).where(Trade.user_id == user_id, Trade.period == period).order_by(Trade.id)
        )
        return (await self.session.execute(stmt)).scalars().all()


class MarkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, symbol: str, price: Decimal, now: datetime) -> None:
        stmt = _insert(self.session)(Mark).values(symbol=symbol, price=price, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["symbol"], set_={"price": price, "updated_at": now}
        )
        await self.session.execute(stmt)

    async def all_prices(self) -> dict[str, Decimal]:
        rows = (await self.session.execute(select(Mark.symbol, Mark.price))).all()
        return {str(s): p for s, p in rows}


class EquityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, user_id: int, period: int, equity: Decimal, at: datetime) -> None:
        self.session.add(EquitySnapshot(user_id=user_id, period=period, equity=equity, at=at))
        await self.session.flush()

    async def users_with_snapshot_at(self, at: datetime) -> set[int]:
        stmt = select(EquitySnapshot.user_id).where(EquitySnapshot.at == at)
        return set((await self.session.execute(stmt)).scalars().all())

    async def history(self, user_id: int, period: int, limit: int) -> Sequence[EquitySnapshot]:
        stmt = (
            select(EquitySnapshot)
            .where(EquitySnapshot.user_id == user_id, EquitySnapshot.period == period)
            .order_by(EquitySnapshot.at.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.execute(stmt)).scalars().all()))
