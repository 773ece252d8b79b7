"""Readiness: what this process needs to serve requests, plus what it only reports.

`required` checks (the database) decide the status code: a pod that fails one cannot serve
requests and is taken out of the load balancer. `info` checks (the bus, the market feed) are
reported in the same body, never failing it: a quiet market feed or a Redis outage must not
take login and trading down on every replica (a Redis outage degrades rate limits to local
counters; the bus carries nothing until Redis is back, so live `/ws` frames pause everywhere
while REST keeps answering; the feed's state is `starting`, `up` or `down`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.bus import Bus

Check = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    checks: dict[str, dict[str, Any]]


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> tuple[bool, dict[str, Any]]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True, {"dialect": engine.dialect.name}

    return check


def bus_check(bus: Bus) -> Check:
    async def check() -> tuple[bool, dict[str, Any]]:
        return await bus.ping(), {"kind": bus.name}

    return check


async def readiness(
    required: dict[str, Check], info: dict[str, Check] | None = None, *, timeout_s: float = 2.0
) -> Readiness:
    """Every check concurrently; ready iff every required one is ok. Each entry says
    `required: true|false`."""

    async def run(check: Check) -> dict[str, Any]:
        try:
            ok, details = await asyncio.wait_for(check(), timeout_s)
        except TimeoutError:
            return {"ok": False, "error": "timeout"}
        except Exception as exc:
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": ok, **details}

    info = info or {}
    names = [*required, *info]
    results = await asyncio.gather(*(run(required.get(n) or info[n]) for n in names))
    by_name = {n: {**r, "required": n in required} for n, r in zip(names, results, strict=True)}
    return Readiness(all(by_name[n]["ok"] for n in required), by_name)
