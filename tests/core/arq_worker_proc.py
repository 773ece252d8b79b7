"""A real arq worker process for the kill test: `python -m tests.core.arq_worker_proc URL QUEUE DIR`.

Its one job writes a start marker, sleeps, then appends a completion line to a file."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from arq.connections import RedisSettings
from arq.worker import Worker

from backend.jobs import JobContext, JobSpec, arq_function


async def slow_write(ctx: JobContext, *, name: str) -> str:
    out = Path(ctx["dir"])
    (out / f"started-{ctx['job_try']}").write_text(name)
    await asyncio.sleep(float(ctx["sleep"]))
    with (out / "done.txt").open("a") as f:
        f.write(name + "\n")
    return name


def main() -> None:
    url, queue, workdir, sleep = sys.argv[1:5]
    worker = Worker(
        functions=[arq_function(JobSpec("test.slow_write", slow_write, timeout_s=3, max_tries=3))],
        redis_settings=RedisSettings.from_dsn(url),
        queue_name=queue,
        poll_delay=0.05,
        ctx={"dir": workdir, "sleep": sleep},
        # a killed worker's job becomes visible again once its in-progress lock expires
        expires_extra_ms=60_000,
    )
    worker.run()


if __name__ == "__main__":
    main()
