"""Kill -9 an arq worker in the middle of a job: the job is not lost and completes exactly once
on the next worker (arq re-delivers it once the dead worker's in-progress lock expires)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from backend.jobs import ArqJobs
from tests.conftest import REDIS_URL, ROOT


def _spawn(queue: str, workdir: Path, sleep: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.arq_worker_proc",
            REDIS_URL,
            queue,
            str(workdir),
            str(sleep),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_for(path: Path, timeout: float) -> None:
    async def loop() -> None:
        while not path.exists():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def test_job_survives_a_killed_worker(tmp_path: Path) -> None:
    queue = f"test:{uuid.uuid4().hex[:8]}:jobs"
    jobs = ArqJobs(REDIS_URL, queue_name=queue)
    await jobs.start()
    first = _spawn(queue, tmp_path, sleep=30)
    second: subprocess.Popen[bytes] | None = None
    try:
        job_id = await jobs.enqueue("test.slow_write", name="order-42")
        assert job_id
        await _wait_for(tmp_path / "started-1", 20)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert (await jobs.info(job_id)).state in ("queued", "in_progress")

        second = _spawn(queue, tmp_path, sleep=0.1)

        # the lock of the dead worker lasts the job timeout (3 s) plus a margin
        async def finished() -> None:
            while (await jobs.info(job_id)).state != "complete":
                await asyncio.sleep(0.1)

        await asyncio.wait_for(finished(), 30)
        assert (tmp_path / "done.txt").read_text().splitlines() == ["order-42"]
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        await jobs.close()
