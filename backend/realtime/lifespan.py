"""The realtime domain's part: the /ws hub's lifetime (its bus channels are let go at shutdown).

The hub itself is built with the runtime (runtime.py); the bus is opened before the parts and
closed after them, so it is still open when the hub lets go of its channels.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.runtime import Runtime


@asynccontextmanager
async def stream_hub(rt: Runtime) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await rt.hub.close()
