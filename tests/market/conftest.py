"""Fixtures of the market tests: a session factory on the test database, and the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus, MemoryBus, RedisBus
from backend.db import make_engine, make_sessionmaker
from tests.conftest import REDIS_URL


@pytest.fixture
async def sm(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url, pool_size=2)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[Bus]:
    b: Bus = MemoryBus() if request.param == "memory" else RedisBus(REDIS_URL, prefix=redis_prefix)
    await b.start()
    yield b
    await b.close()
