"""A webhook receiver on 127.0.0.1 (aiohttp): records every request; a script of answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    # per request, in order: an HTTP status, or "hang" (never answers); then 200
    script: list[int | str] = field(default_factory=list)
    # held while a request is being answered (lets a test make two senders overlap)
    delay: asyncio.Event | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # seconds each answer takes (keeps a request in flight while other senders look for work)
    pause_s: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(dict(request.headers), await request.read()))
        self.arrived.set()
        step = self.script.pop(0) if self.script else 200
        if step == "hang":
            await asyncio.Event().wait()
        if self.delay is not None:
            await self.delay.wait()
        if self.pause_s:
            await asyncio.sleep(self.pause_s)
        headers = {"Retry-After": "0"} if step == 429 else {}
        return web.Response(status=int(step), headers=headers)

    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.requests]


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield rec
    finally:
        await runner.cleanup()
