"""Stopping a background task for sure.

`task.cancel()` then `await task` can wait for ever: a cancellation may be swallowed below us
(on Python 3.11, `asyncio.wait_for` does when its awaitable finishes in the same loop turn), and
the task then goes on. Parts stop their tasks with `cancel_and_wait`, which cancels again while
the task runs. tests/faults/test_redis_outage.py found both a lease holder still renewing after
its part stopped and the market feed still reading Binance 65 s after its ingestor lease was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from loguru import logger


async def cancel_and_wait(task: asyncio.Task[Any], *, every_s: float = 1.0) -> None:
    """Cancel `task` until it has ended (a second try after `every_s`, logged); its exception,
    if any, is dropped (the task logs its own failures)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=every_s)
        if not task.done():
            logger.bind(task=task.get_name()).warning("task.cancel_repeated")
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
