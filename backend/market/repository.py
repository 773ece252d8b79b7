"""SQL for the market tables. The dialect-specific paths (ON CONFLICT on PostgreSQL and SQLite,
COPY on PostgreSQL) sit behind `insert_candles`; callers never see which one ran."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.integrations.binance.schemas import Kline
from backend.market.models import Candle, Symbol

CANDLE_COLUMNS = (
    "symbol", "interval", "open_time", "close_time", "open", "high", "low", "close", "volume",
    "quote_volume", "trades", "taker_buy_base", "taker_buy_quote", "source",
)  # fmt: skip
CANDLES = cast(Table, Candle.__table__)
_COPY_THRESHOLD = 2000  # below this many rows a multi-row INSERT beats COPY's round trips


def candle_row(k: Kline, source: str) -> dict[str, Any]:
    return {
        "symbol": k.symbol,
        "interval": k.interval,
        "open_time": k.open_time,
        "close_time": k.close_time,
        "open": k.open,
        "high": k.high,
        "low": k.low,
        "close": k.close,
        "volume": k.volume,
        "quote_volume": k.quote_volume,
        "trades": k.trades,
        "taker_buy_base": k.taker_buy_base,
        "taker_buy_quote": k.taker_buy_quote,
        "source": source,
    }


def candle_to_kline(c: Candle) -> Kline:
    return Kline(
        symbol=c.symbol,
        interval=c.interval,
        open_time=c.open_time,
        close_time=c.close_time,
        open=c.open,
        high=c.high,
        low=c.low,
        close=c.close,
        volume=c.volume,
        quote_volume=c.quote_volume,
        trades=c.trades,
        taker_buy_base=c.taker_buy_base,
        taker_buy_quote=c.taker_buy_quote,
        closed=True,
    )


class CandleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_candles(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert closed candles; rows whose (symbol, interval, open_time) exist are skipped.
        Returns how many rows were new. PostgreSQL bulk loads use COPY into a temp table."""
        if not rows:
            return 0
        dialect = _dialect(self.session)
        if dialect == "postgresql":
            if len(rows) >= _COPY_THRESHOLD:
                return await self._copy_insert(rows)
            stmt = postgresql.insert(CANDLES).on_conflict_do_nothing(
                index_elements=["symbol", "interval", "open_time"]
            )
            result = await self.session.execute(stmt.returning(CANDLES.c.open_time), list(rows))
            return len(result.all())
        # Core executemany of one cached statement (no ORM bulk path, no RETURNING: both cost
        # far more than the insert on SQLite); rowcount counts only the rows really inserted.
        sqlite_stmt = sqlite.insert(CANDLES).on_conflict_do_nothing(
            index_elements=["symbol", "interval", "open_time"]
        )
        conn = await self.session.connection()
        result = await conn.execute(sqlite_stmt, list(rows))
        return max(0, result.rowcount)

    async def _copy_insert(self, rows: Sequence[dict[str, Any]]) -> int:
        conn = await self.session.connection()
        # Through SQLAlchemy first, so the session's transaction is open on this connection
        # before the raw COPY (else asyncpg autocommits and ON COMMIT DELETE ROWS empties it).
        await conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS _candles_in "
            "(LIKE candles INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        await conn.exec_driver_sql("TRUNCATE _candles_in")
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg.Connection
        await driver.copy_records_to_table(
            "_candles_in",
            records=[tuple(r[c] for c in CANDLE_COLUMNS) for r in rows],
            columns=list(CANDLE_COLUMNS),
        )
        cols = ", ".join(f'"{c}"' for c in CANDLE_COLUMNS)
        status: str = await driver.execute(
            f"INSERT INTO candles ({cols}) SELECT {cols} FROM _candles_in "  # noqa: S608 - fixed names
            "ON CONFLICT (symbol, interval, open_time) DO NOTHING"
        )
        return int(status.rsplit(" ", 1)[-1])

    async def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_time: int | None,
        end_time: int | None,
        limit: int,
    ) -> list[Candle]:
        """Binance's window rule: start only/both -> oldest from start; else newest up to end."""
        stmt = select(Candle).where(Candle.symbol == symbol, Candle.interval == interval)
        if start_time is not None:
            stmt = stmt.where(Candle.open_time >= start_time)
        if end_time is not None:
            stmt = stmt.where(Candle.open_time <= end_time)
        if start_time is not None:
            rows = await self.session.scalars(stmt.order_by(Candle.open_time).limit(limit))
            return list(rows)
        rows = await self.session.scalars(stmt.order_by(Candle.open_time.desc()).limit(limit))
        return list(reversed(list(rows)))

    async def last_open_time(
        self, symbol: str, interval: str, *, source: str | None = None
    ) -> int | None:
        stmt = select(func.max(Candle.open_time)).where(
            Candle.symbol == symbol, Candle.interval == interval
        )
        if source is not None:
            stmt = stmt.where(Candle.source == source)
        value = await self.session.scalar(stmt)
        return int(value) if value is not None else None

    async def count(self, symbol: str, interval: str) -> int:
        stmt = select(func.count()).where(Candle.symbol == symbol, Candle.interval == interval)
        return int(await self.session.scalar(stmt) or 0)


class SymbolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = _dialect(self.session)
        ins: Any = postgresql.insert(Symbol) if dialect == "postgresql" else sqlite.insert(Symbol)
        stmt = ins.values(list(rows))
        updates = {c: stmt.excluded[c] for c in rows[0] if c != "symbol"}
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["symbol"], set_=updates)
        )

    async def all(self, symbols: Sequence[str] | None = None) -> list[Symbol]:
        stmt = select(Symbol).order_by(Symbol.symbol)
        if symbols is not None:
            stmt = stmt.where(Symbol.symbol.in_(list(symbols)))
        return list(await self.session.scalars(stmt))

    async def get(self, symbol: str) -> Symbol | None:
        return await self.session.get(Symbol, symbol)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
