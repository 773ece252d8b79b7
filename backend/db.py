"""Database plumbing: engine factory, declarative Base, Money/UtcDateTime types, Tx unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from loguru import logger
from sqlalchemy import MetaData, Numeric, String, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Money(TypeDecorator[Decimal]):
    """Exact decimal: NUMERIC(36, 18) on PostgreSQL; a canonical string on SQLite.

    SQLite has no decimal type (SQLAlchemy would round-trip through float), so there the value is
    stored as text. Never use SQL arithmetic or SUM on Money in code that must run on SQLite.
    """

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(36, 18, asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"Money needs Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise ValueError("Money must be finite")
        if dialect.name == "postgresql":
            return value
        return format(value.normalize(), "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes only: refuses naive values on write, attaches UTC on read (SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, connect_timeout_s: float = 10.0
) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    # A fixed pool (no overflow): a burst waits for a connection instead of opening and closing
    # extra ones (a PostgreSQL backend fork each), and a deployment's connection count is
    # replicas x pool size. No pre-ping (a round trip on every checkout): a connection found dead
    # fails its one request (503) and SQLAlchemy then recycles the whole pool; pool_recycle
    # retires idle connections before a proxy or firewall silently drops them.
    # connect_timeout_s: a server that takes the TCP connection and never answers (hung, or a
    # blackholed route) fails the request after this long (asyncpg's own default is 60 s).
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args={"timeout": connect_timeout_s},
    )
    _name_unreachable(engine)
    return engine


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    import asyncpg  # type: ignore[import-untyped]  # the PostgreSQL driver, untyped; only here

    return (
        OSError,  # refused, reset, no route, DNS, connect timeout (TimeoutError is an OSError)
        asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
        asyncpg.TooManyConnectionsError,
        asyncpg.PostgresConnectionError,  # SQLSTATE class 08: the connection failed
    )


def _name_unreachable(engine: AsyncEngine) -> None:
    """A database that cannot be reached is an OperationalError, like a connection lost later.

    asyncpg's own connect errors (OSError, CannotConnectNowError, ...) reach the caller
    unwrapped, where the request would end as a 500; wrapped, errors.py answers 503
    `database_unavailable` with Retry-After, as it does for a lost connection.
    """
    unreachable = _unreachable_errors()

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            # OSError arrives bare; asyncpg's errors inside the dialect's generic DBAPIError.
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, unreachable):
                cause = cause.__cause__
            if cause is None:
                raise
            raise OperationalError("connect", None, cause) from exc


def _tune_sqlite(engine: AsyncEngine) -> None:
    # WAL lets readers run beside the single writer; busy_timeout waits for the write lock
    # instead of failing at once; foreign keys are off by default in SQLite.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


Hook = Callable[[], Awaitable[Any]]


class Tx:
    """One unit of work: a session plus hooks that run only after a successful commit."""

    __slots__ = ("_hooks", "session")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._hooks: list[Hook] = []

    def on_commit(self, hook: Hook) -> None:
        self._hooks.append(hook)

    async def commit(self) -> None:
        await self.session.commit()
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception:
                # The data is committed; a failed side effect (bus down) must not turn the
                # request into an error. Durable effects use an outbox instead.
                logger.opt(exception=True).warning("tx.after_commit_failed")

    async def rollback(self) -> None:
        self._hooks.clear()
        await self.session.rollback()


@asynccontextmanager
async def transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Tx]:
    """Commit once (then run on_commit hooks) on success or on an error marked `keeps_writes`;
    roll back on any other exception.

    `keeps_writes` (a class attribute of an AppError) marks an error raised after writes that
    must survive it: a counted failed login, a lockout, a revoked refresh-token family.
    """
    async with sessionmaker() as session:
        tx = Tx(session)
        try:
            yield tx
        except Exception as exc:
            if not getattr(exc, "keeps_writes", False):
                await tx.rollback()
                raise
            await tx.commit()
            raise
        except BaseException:
            await tx.rollback()
            raise
        await tx.commit()
