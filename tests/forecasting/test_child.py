"""The child process that runs the torch work: results and errors come back, and a cancelled
job (timeout, shutdown) ends the child at once instead of leaving it computing."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from backend.forecasting.child import in_child


def _pid_then_sleep(path: Path) -> None:
    path.write_text(str(os.getpid()))
    time.sleep(600)


def _fail() -> None:
    raise ValueError("from the child")


def _pid() -> int:
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers: read its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def test_result_and_error_come_back() -> None:
    assert await in_child(_pid) != os.getpid()
    with pytest.raises(ValueError, match="from the child"):
        await in_child(_fail)


async def test_cancel_terminates_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    task = asyncio.create_task(in_child(_pid_then_sleep, marker))
    while not marker.exists() or not marker.read_text():
        await asyncio.sleep(0.05)
    pid = int(marker.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while _alive(pid):  # without the terminate it sleeps 600 s (the suite's timeout fails it)
        await asyncio.sleep(0.05)
