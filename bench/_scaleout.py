"""Processes for bench/fanout.py's scale-out case: a private redis-server and API processes
(`python -m backend.serve`, as deployed) on its bus, all on loopback."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.api_proc import ApiProcess, bus_follower_env, running, wait_live  # noqa: E402
from tests.core.redis_proc import RedisProcess, free_port  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class Cluster:
    redis: RedisProcess
    prefix: str
    apis: list[ApiProcess]

    @property
    def pids(self) -> list[int]:
        assert self.redis.proc is not None
        return [self.redis.proc.pid, *(a.proc.pid for a in self.apis)]


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
                env = bus_follower_env(
                    database_url, redis.url, prefix, port,
                    WEB_DIST_DIR=str(ROOT / "var" / "no-dist"), LOG_ACCESS="false",
                    WS_MAX_CONNS_PER_IP=str(clients),  # every client comes from 127.0.0.1
                )  # fmt: skip
                log = workdir / f"api-{port}.log"
                apis.append(stack.enter_context(running(env, log, stop_grace_s=15)))
            for api in apis:
                wait_live(api, timeout_s=90.0)
            yield Cluster(redis, prefix, apis)
    finally:
        redis.stop()
