"""Readiness: every dependency the API needs, checked concurrently with a short timeout."""

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


async def readiness(checks: dict[str, Check], *, timeout_s: float = 2.0) -> Readiness:
    async def run(check: Check) -> dict[str, Any]:
        try:
            ok, info = await asyncio.wait_for(check(), timeout_s)
        except TimeoutError:
            return {"ok": False, "error": "timeout"}
        except Exception as exc:
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": ok, **info}

    names = list(checks)
    results = await asyncio.gather(*(run(checks[n]) for n in names))
    by_name = dict(zip(names, results, strict=True))
    return Readiness(all(r["ok"] for r in results), by_name)
