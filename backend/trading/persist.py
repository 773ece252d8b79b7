"""Writes one execution `Batch`: the order row, its trades and the balance changes, atomically.

PostgreSQL: one statement. Data-modifying CTEs insert (or reference) the order, insert the
trades, and apply one conditional change per asset
(`UPDATE ... WHERE free >= :need_free AND locked >= :need_locked`, see `ledger.Change`); a
balance row that does not exist yet is created only by a change that needs nothing. The caller
compares the balances returned with the changes asked: if any is missing nothing may be kept, and
it raises so the transaction rolls back. A concurrent writer of the same balance waits on its row
lock and the condition is re-checked on the committed value, so two orders can never spend the
same money. Sent with `exec_driver_sql` (no ORM flush, no statement compilation): this is the
order-placement hot path that bench/orders.py measures.

SQLite: the same writes one by one; balances by read-check-write, which is safe there because
every trading writer first takes the database write lock (`AccountRepository`'s docstring).

A new order with a client order id that the user already used is not written at all
(`Written.order_id is None`): the caller returns the first order instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.trading import ledger
from backend.trading.execution import Batch
from backend.trading.models import Balance, Order, Trade

Pair = tuple[Decimal, Decimal]  # (free, locked)

_ORDER_COLUMNS = tuple(c.key for c in Order.__table__.columns if c.key != "id")
_TRADE_COLUMNS = tuple(c.key for c in Trade.__table__.columns if c.key != "id")


@dataclass(frozen=True, slots=True)
class Written:
    """`order_id` None: the client order id was taken, nothing written. `balances` None: a
    change was refused (insufficient funds); the caller must roll the transaction back."""

    order_id: int | None
    balances: dict[str, Pair] | None


async def write_batch(
    session: AsyncSession, account_id: int, batch: Batch, *, new_order: bool
) -> Written:
    """Write the batch; a `new_order` is inserted, an existing one must be flushed already."""
    changes = ledger.combine(batch.movements)
    bind = session.bind
    assert bind is not None
    if bind.dialect.name == "postgresql":
        written = await _write_pg(session, account_id, batch, changes, new_order)
    else:
        written = await _write_sqlite(session, account_id, batch, changes, new_order)
    if written.order_id is not None:
        if new_order:
            batch.order.id = written.order_id
        for trade in batch.trades:
            trade.order_id = written.order_id
    return written


# --- PostgreSQL ----------------------------------------------------------------------------------

# $1 account, $2 user, $3 period, $4 symbol, $5 side, $6 now, $7-$13 trades, $14-$18 changes,
# then the order: $19 its id (existing) or $19.. its columns (new).
_TAIL = """
t AS (
  INSERT INTO trades (order_id, user_id, period, symbol, side, price, qty, quote_qty, fee,
                      fee_asset, is_maker, source_trade_id, created_at)
  SELECT o.id, $2, $3, $4, $5, x.price, x.qty, x.quote_qty, x.fee, x.fee_asset, x.is_maker,
         x.source, $6
  FROM o, unnest($7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::text[],
                 $12::boolean[], $13::text[]) WITH ORDINALITY
          AS x(price, qty, quote_qty, fee, fee_asset, is_maker, source, n)
  ORDER BY x.n
  RETURNING id
), v AS (
  SELECT c.* FROM unnest($14::text[], $15::numeric[], $16::numeric[], $17::numeric[],
                         $18::numeric[]) AS c(asset, df, dl, nf, nl)
  WHERE EXISTS (SELECT 1 FROM o)
), u AS (
  UPDATE trading_balances b SET free = b.free + v.df, locked = b.locked + v.dl
  FROM v
  WHERE b.account_id = $1 AND b.asset = v.asset AND b.free >= v.nf AND b.locked >= v.nl
  RETURNING b.asset, b.free, b.locked
), i AS (
  INSERT INTO trading_balances AS b (account_id, asset, free, locked)
  SELECT $1, v.asset, v.df, v.dl FROM v
  WHERE v.nf = 0 AND v.nl = 0 AND NOT EXISTS (
    SELECT 1 FROM trading_balances e WHERE e.account_id = $1 AND e.asset = v.asset)
  ON CONFLICT (account_id, asset)
  DO UPDATE SET free = b.free + EXCLUDED.free, locked = b.locked + EXCLUDED.locked
  RETURNING b.asset, b.free, b.locked
)
SELECT (SELECT id FROM o), (SELECT array_agg(id ORDER BY id) FROM t),
       w.assets, w.frees, w.lockeds
FROM (SELECT array_agg(asset ORDER BY asset) AS assets, array_agg(free ORDER BY asset) AS frees,
             array_agg(locked ORDER BY asset) AS lockeds
      FROM (SELECT * FROM u UNION ALL SELECT * FROM i) z) w
"""
# Column names from the model; every value is a parameter.
_NEW_ORDER_PG = (
    "WITH o AS (INSERT INTO orders ("  # noqa: S608
    + ", ".join(_ORDER_COLUMNS)
    + ") VALUES ("
    + ", ".join(f"${n}" for n in range(19, 19 + len(_ORDER_COLUMNS)))
    + ") ON CONFLICT (user_id, client_order_id) DO NOTHING RETURNING id),"
    + _TAIL
)
_EXISTING_ORDER_PG = "WITH o AS (SELECT $19::integer AS id)," + _TAIL


async def _write_pg(
    session: AsyncSession,
    account_id: int,
    batch: Batch,
    changes: list[ledger.Change],
    new_order: bool,
) -> Written:
    order, trades = batch.order, batch.trades
    params: list[object] = [
        account_id,
        order.user_id,
        order.period,
        order.symbol,
        order.side,
        batch.now,
        [t.price for t in trades],
        [t.qty for t in trades],
        [t.quote_qty for t in trades],
        [t.fee for t in trades],
        [t.fee_asset for t in trades],
        [t.is_maker for t in trades],
        [t.source_trade_id for t in trades],
        [c.asset for c in changes],
        [c.free for c in changes],
        [c.locked for c in changes],
        [c.need_free for c in changes],
        [c.need_locked for c in changes],
    ]
    if new_order:
        params.extend(getattr(order, key) for key in _ORDER_COLUMNS)
        sql = _NEW_ORDER_PG
    else:
        params.append(order.id)
        sql = _EXISTING_ORDER_PG
    conn = await session.connection()
    result = await conn.exec_driver_sql(sql, tuple(params))
    row: tuple[Any, ...] = tuple(result.one())
    order_id, trade_ids, assets, frees, lockeds = row
    if order_id is None:
        return Written(None, None)
    for trade, trade_id in zip(trades, trade_ids or (), strict=True):
        trade.id = trade_id
    got = dict(zip(assets or (), zip(frees or (), lockeds or (), strict=True), strict=True))
    return Written(order_id, got if len(got) == len(changes) else None)


# --- SQLite --------------------------------------------------------------------------------------


async def _write_sqlite(
    session: AsyncSession,
    account_id: int,
    batch: Batch,
    changes: list[ledger.Change],
    new_order: bool,
) -> Written:
    order = batch.order
    order_id: int | None = order.id
    if new_order:
        values = {key: getattr(order, key) for key in _ORDER_COLUMNS}
        stmt = (
            sqlite_insert(Order)
            .values(values)
            .on_conflict_do_nothing(index_elements=["user_id", "client_order_id"])
            .returning(Order.id)
        )
        order_id = (await session.execute(stmt)).scalar_one_or_none()
        if order_id is None:
            return Written(None, None)
    for trade in batch.trades:
        values = {key: getattr(trade, key) for key in _TRADE_COLUMNS}
        values["order_id"] = order_id
        trade.id = (
            await session.execute(insert(Trade).values(values).returning(Trade.id))
        ).scalar_one()
    balances: dict[str, Pair] = {}
    for change in changes:
        new = await _apply_sqlite(session, account_id, change)
        if new is None:
            return Written(order_id, None)
        balances[change.asset] = new
    return Written(order_id, balances)


async def _apply_sqlite(session: AsyncSession, account_id: int, c: ledger.Change) -> Pair | None:
    # Safe only under the database write lock (see the module docstring).
    stmt = select(Balance.id, Balance.free, Balance.locked).where(
        Balance.account_id == account_id, Balance.asset == c.asset
    )
    row = (await session.execute(stmt)).first()
    new = ledger.apply_change((row[1], row[2]) if row is not None else (Decimal(0), Decimal(0)), c)
    if new is None:
        return None
    if row is None:
        await session.execute(
            insert(Balance).values(account_id=account_id, asset=c.asset, free=new[0], locked=new[1])
        )
    else:
        await session.execute(
            update(Balance).where(Balance.id == row[0]).values(free=new[0], locked=new[1])
        )
    return new
