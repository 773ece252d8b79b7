"""SQL for trading. Balances change only through conditional updates (never read-modify-write).

PostgreSQL: `UPDATE ... SET free = free + :df ... WHERE free + :df >= 0 AND locked + :dl >= 0`;
a concurrent writer waits on the row lock and then re-checks the condition on the new value, so
two requests can never spend the same balance.
SQLite: Money is a string column there, so SQL cannot compare it numerically. SQLite serializes
writers instead: every trading write path first calls `AccountRepository.serialize_writers`,
an UPDATE that takes the database write lock (the `BEGIN IMMEDIATE` equivalent: pysqlite begins
the transaction at the first DML, and no other connection can write until we commit). After that
the read-check-write below cannot interleave with another writer, in this process or another.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, Select, bindparam, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import ReturningUpdate

from backend.trading import ledger
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
_LOCK_SHARE = _LOCK_SELECT.with_for_update(read=True)
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


def _balance_update() -> ReturningUpdate[Decimal, Decimal]:
    # Money's Python-side impl is a string type; coerce so `+` is numeric, not `||`.
    free, locked = type_coerce(Balance.free, _NUM), type_coerce(Balance.locked, _NUM)
    df, dl = bindparam("df", type_=_NUM), bindparam("dl", type_=_NUM)
    zero = bindparam("zero", ZERO, type_=_NUM)
    return (
        update(Balance)
        .where(
            Balance.account_id == bindparam("aid"),
            Balance.asset == bindparam("b_asset"),
            free + df >= zero,
            locked + dl >= zero,
        )
        .values(free=free + df, locked=locked + dl)
        .returning(Balance.free, Balance.locked)
    )


_APPLY_PG = _balance_update()


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

        PostgreSQL: FOR SHARE lets orders and fills of one account run in parallel (balances
        are guarded by conditional updates) while a reset (`exclusive`) waits for them.
        SQLite: an UPDATE takes the database write lock for the rest of the transaction.
        Returns the account's current period, read under that lock.
        """
        if _is_pg(self.session):
            stmt = select(TradingAccount.period).where(TradingAccount.id == account_id)
            stmt = stmt.with_for_update() if exclusive else stmt.with_for_update(read=True)
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
            stmt = _LOCK_EXCLUSIVE if exclusive else _LOCK_SHARE
        row = (await self.session.execute(stmt, {"uid": user_id})).first()
        return None if row is None else (int(row[0]), int(row[1]))

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

    async def apply(self, account_id: int, m: ledger.Movement) -> Pair | None:
        """Add signed deltas to (free, locked) and return the new pair; None, changing nothing,
        if either would go below zero."""
        if _is_pg(self.session):
            return await self._apply_pg(account_id, m)
        return await self._apply_sqlite(account_id, m)

    async def _apply_pg(self, account_id: int, m: ledger.Movement) -> Pair | None:
        params = {"aid": account_id, "b_asset": m.asset, "df": m.free, "dl": m.locked}
        hit = (await self.session.execute(_APPLY_PG, params)).first()
        if hit is not None:
            return hit[0], hit[1]
        if m.free < ZERO or m.locked < ZERO:
            return None  # no row, or the row would go negative: nothing to spend
        ins = pg_insert(Balance).values(
            account_id=account_id, asset=m.asset, free=m.free, locked=m.locked
        )
        free, locked = type_coerce(Balance.free, _NUM), type_coerce(Balance.locked, _NUM)
        upsert = ins.on_conflict_do_update(
            index_elements=["account_id", "asset"],
            set_={"free": free + m.free, "locked": locked + m.locked},
        ).returning(Balance.free, Balance.locked)
        row = (await self.session.execute(upsert)).one()
        return row[0], row[1]

    async def _apply_sqlite(self, account_id: int, m: ledger.Movement) -> Pair | None:
        # Safe only under serialize_writers (see the module docstring).
        stmt = select(Balance).where(Balance.account_id == account_id, Balance.asset == m.asset)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        current = (row.free, row.locked) if row is not None else (ZERO, ZERO)
        new = ledger.apply(current, m)
        if new is None:
            return None
        if row is None:
            self.session.add(
                Balance(account_id=account_id, asset=m.asset, free=new[0], locked=new[1])
            )
        else:
            await self.session.execute(
                update(Balance).where(Balance.id == row.id).values(free=new[0], locked=new[1])
            )
        await self.session.flush()
        return new

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

    async def add(self, trade: Trade) -> None:
        self.session.add(trade)
        await self.session.flush()

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

    async def history(self, user_id: int, period: int, limit: int) -> Sequence[EquitySnapshot]:
        stmt = (
            select(EquitySnapshot)
            .where(EquitySnapshot.user_id == user_id, EquitySnapshot.period == period)
            .order_by(EquitySnapshot.at.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.execute(stmt)).scalars().all()))
