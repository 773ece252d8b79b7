"""Annotated dependencies built from lifespan state (app.state), so tests override, not patch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from backend.bus import Bus
from backend.config import Settings
from backend.db import Tx, transaction
from backend.jobs import Jobs


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_tx(request: Request) -> AsyncIterator[Tx]:
    # One transaction per request: commit once after the handler, roll back on any exception.
    async with transaction(request.app.state.sessionmaker) as tx:
        yield tx


def get_bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


def get_jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the commit finishes before the response is sent (FastAPI >= 0.121), so a
# failed commit can never be reported as success.
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]
BusDep = Annotated[Bus, Depends(get_bus)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
