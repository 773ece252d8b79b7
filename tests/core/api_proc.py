"""`python -m backend.serve` (the API as deployed) as a child process on a free loopback port:
the slow `/ws` clients fault test and bench/fanout.py's scale-out case both run API processes
that follow the market from a Redis bus (no ingestor of their own)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class ApiProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def bus_follower_env(
    database_url: str, redis_url: str, prefix: str, port: int, **overrides: str
) -> dict[str, str]:
    """The environment of an API process on the Redis bus that follows the market from it:
    jobs inline, no worker child, no ingestor, no web build, logs on stdout at WARNING, rate
    limits off (every client comes from 127.0.0.1); `overrides` adds or replaces settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test",
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REDIS_PREFIX=prefix,
        JOBS_INLINE="true",
        SERVE_WORKER="no",
        RUN_INGESTOR="no",
        MARKET_SOURCE="replay",
        MARKET_HISTORY_IMPORT="no",
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
        RATE_LIMIT_ENABLED="false",
    )
    env.update(overrides)
    return env


@contextmanager
def running(
    env: dict[str, str], log: Path, *, stop_grace_s: float | None = None
) -> Iterator[ApiProcess]:
    """The process started (not waited for: see `wait_live`) and, at the end, stopped: SIGTERM
    and up to `stop_grace_s` for a clean exit, else (or with None) SIGKILL to its group."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield ApiProcess(proc, int(env["PORT"]), log)
    finally:
        if proc.poll() is None:
            if stop_grace_s is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(stop_grace_s)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def wait_live(api: ApiProcess, timeout_s: float = 60.0) -> None:
    """Until `/health/live` answers 200; raises with the log's tail if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and api.proc.poll() is None:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(api.http + "/health/live", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"API process on port {api.port} did not start:\n{api.tail()}")
