"""Processes for bench/fanout.py's scale-out case: a private redis-server and API processes
(`python -m backend.serve`, as deployed) on its bus, all on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.redis_proc import RedisProcess, free_port  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class ApiProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path


@dataclass
class Cluster:
    redis: RedisProcess
    prefix: str
    apis: list[ApiProcess]

    @property
    def pids(self) -> list[int]:
        assert self.redis.proc is not None
        return [self.redis.proc.pid, *(a.proc.pid for a in self.apis)]


def _api_env(
    database_url: str, redis_url: str, prefix: str, port: int, clients: int
) -> dict[str, str]:
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
        WEB_DIST_DIR=str(ROOT / "var" / "no-dist"),
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
        LOG_ACCESS="false",
        RATE_LIMIT_ENABLED="false",
        WS_MAX_CONNS_PER_IP=str(clients),  # every client comes from 127.0.0.1
    )
    return env


@contextmanager
def _api(env: dict[str, str], port: int, workdir: Path) -> Iterator[ApiProcess]:
    log = workdir / f"api-{port}.log"
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
        yield ApiProcess(proc, port, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_live(api: ApiProcess, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and api.proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{api.port}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    tail = api.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"API process on port {api.port} did not start:\n{tail}")


@contextmanager
def cluster(database_url: str, processes: int, clients: int, workdir: Path) -> Iterator[Cluster]:
    """A private redis-server and `processes` API processes on its bus."""
    redis = RedisProcess(workdir)
    redis.start()
    prefix = f"bench:{os.getpid()}:"
    try:
        with ExitStack() as stack:
            apis = []
            for _ in range(processes):
                port = free_port()
                env = _api_env(database_url, redis.url, prefix, port, clients)
                apis.append(stack.enter_context(_api(env, port, workdir)))
            for api in apis:
                _wait_live(api)
            yield Cluster(redis, prefix, apis)
    finally:
        redis.stop()
