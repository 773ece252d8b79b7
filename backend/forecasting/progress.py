"""Training progress: the child process appends one JSON line per epoch to a file; the parent
follows the file, stores the last line on the job row and publishes it on the owner's stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.forecasting import service
from backend.forecasting.models import ForecastJob

POLL_S = 0.25


def _read_lines(path: Path) -> list[str]:
    # a few hundred bytes per epoch, local disk: cheaper than a thread hop
    return path.read_text().splitlines() if path.is_file() else []


async def _forward(
    path: Path, sm: async_sessionmaker[AsyncSession], bus: Bus, job: ForecastJob, seen: list[int]
) -> None:
    lines = _read_lines(path)
    complete = [ln for ln in lines if ln.endswith("}")]
    for line in complete[seen[0] :]:
        row: dict[str, Any] = json.loads(line)
        await service.set_state(sm, job.id, progress=row)
        await service.publish(bus, job, {"state": "running", **row})
    seen[0] = max(seen[0], len(complete))


@asynccontextmanager
async def follow(
    path: Path, sm: async_sessionmaker[AsyncSession], bus: Bus, job: ForecastJob
) -> AsyncIterator[None]:
    seen = [0]

    async def loop() -> None:
        while True:
            await _forward(path, sm, bus, job, seen)
            await asyncio.sleep(POLL_S)

    task = asyncio.create_task(loop(), name=f"forecast-progress-{job.id}")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await _forward(path, sm, bus, job, seen)  # the last epochs
