"""Alembic environment: async engine, URL from Settings (or -x url=...), batch mode on SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Connection

from alembic import context
from backend.all_models import metadata
from backend.config import Settings
from backend.db import make_engine

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.attributes.get("url")
    return str(url) if url else Settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = make_engine(_url(), pool_size=1)
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
    await engine.dispose()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:  # handed in by tests that already hold a connection
        _configure(connection)
    else:
        asyncio.run(_run_online())


run()
