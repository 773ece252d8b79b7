"""What the fault tests run beside the app: a real worker process (`python -m backend.worker`,
its output kept for the failure message), steady authenticated traffic, and a browser-like
`/stream` client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import ROOT


class WorkerProcess:
    """`python -m backend.worker` with the given environment (on top of this one's, without
    its DATABASE_*/REDIS_* variables); stdout and stderr go to a file in `workdir`."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.log = workdir / "worker.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
        self.env = {**base, "ENV": "test", "LOG_TO_FILE": "false", **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "backend.worker"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)


async def until(
    cond: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 30.0, every_s: float = 0.05
) -> float:
    """Wait (bounded) until `cond` holds; returns the seconds it took. Fails naming `what`."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            while not await cond():
                await asyncio.sleep(every_s)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}") from None
    return round(time.monotonic() - started, 2)


@dataclass
class Traffic:
    """Authenticated GETs one after another (a signed-in user browsing), every status kept with
    the monotonic time it came back."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    paths: tuple[str, ...]
    answers: list[tuple[float, int]] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            for path in self.paths:
                r = await self.client.get(path, headers=self.headers)
                self.answers.append((time.monotonic(), r.status_code))
                await asyncio.sleep(0.05)

    def between(self, start: float, end: float) -> list[int]:
        return [status for at, status in self.answers if start <= at < end]


@dataclass
class StreamClient:
    """What the web app's ws client does on `/stream`: subscribe, read every frame, and probe
    with LIST_SUBSCRIPTIONS when the stream is quiet (its heartbeat: no answer = a dead socket,
    which it would replace). Records each market frame's arrival time."""

    url: str
    streams: list[str]
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    replies: list[tuple[float, Any]] = field(default_factory=list)
    ws: ClientConnection | None = None

    async def open(self) -> None:
        self.ws = await connect(self.url, compression=None, open_timeout=10).__aenter__()
        await self.ws.send(json.dumps({"method": "SUBSCRIBE", "params": self.streams, "id": 1}))
        assert json.loads(await asyncio.wait_for(self.ws.recv(), 10)) == {"result": None, "id": 1}

    async def run(self) -> None:
        assert self.ws is not None
        next_id = 2
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), 1.0)
            except TimeoutError:  # quiet: the heartbeat probe
                await self.ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": next_id}))
                next_id += 1
                continue
            msg = json.loads(raw)
            if "stream" in msg:
                self.frames.append((time.monotonic(), msg))
            else:
                self.replies.append((time.monotonic(), msg))

    def frames_after(self, t: float) -> int:
        return sum(1 for at, _ in self.frames if at >= t)

    def replies_between(self, start: float, end: float) -> list[Any]:
        return [msg for at, msg in self.replies if start <= at < end]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
