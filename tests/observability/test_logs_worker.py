"""One request id followed from the API into the job it enqueued, run by a real arq worker
process writing its own log file: `GET /admin/logs?request_id=` finds both files' lines; and
the worker's own Prometheus endpoint (WORKER_METRICS_PORT) counts the job."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.core.redis_proc import RedisProcess, free_port
from tests.observability.helpers import LOGS, admin_app, admin_headers, asgi_client

ROOT = Path(__file__).resolve().parents[2]
JOB = "observability.health_check"


def _start_worker(
    db_url: str, redis_url: str, redis_prefix: str, log_dir: Path, metrics_port: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENV": "test",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": redis_prefix,
        "LOG_TO_FILE": "true",
        "LOG_DIR": str(log_dir),
        "LOG_LEVEL": "INFO",
        "MARKET_SOURCE": "replay",
        "MARKET_HISTORY_IMPORT": "no",
        "RUN_INGESTOR": "no",
        "WORKER_METRICS_PORT": str(metrics_port),
    }
    env.pop("MARKET_REPLAY_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "backend.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _lines(ac: httpx.AsyncClient, headers: dict[str, str], rid: str) -> list[dict]:  # type: ignore[type-arg]
    resp = await ac.get(LOGS, params={"request_id": rid}, headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["lines"])


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_a_request_id_is_followed_into_the_worker_log(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    log_dir = tmp_path / "log"
    # a private Redis: arq keeps job ids and results under global keys (`arq:job:<id>`), and a
    # manual run's id (`task-run:<run id>`) repeats in every fresh test database
    redis = RedisProcess(tmp_path)
    redis.start()
    metrics_port = free_port()
    worker = _start_worker(db_url, redis.url, redis_prefix, log_dir, metrics_port)
    try:
        async with admin_app(
            db_url, tmp_path, redis_url=redis.url, redis_prefix=redis_prefix,
            log_to_file=True, log_dir=log_dir, log_level="INFO", log_access=True,
            jobs_inline=False, rate_limit_enabled=False,
        ) as app, asgi_client(app) as ac:  # fmt: skip
            admin = await admin_headers(ac)
            rid = "follow-me-7f3a"
            queued = await ac.post(
                f"/api/v1/admin/tasks/{JOB}/run",
                headers={**admin, "X-Request-ID": rid},
            )
            assert queued.status_code == 202, queued.text
            lines: list[dict] = []  # type: ignore[type-arg]
            for _ in range(120):  # the worker starts, then runs the job (bounded wait)
                lines = await _lines(ac, admin, rid)
                if any(x["source"] == "worker" and x["fields"].get("job") == JOB for x in lines):
                    break
                await asyncio.sleep(0.5)
            # the worker's own /metrics (WORKER_METRICS_PORT): the job it ran is counted there
            async with httpx.AsyncClient() as scrape:
                metrics = (await scrape.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()
    sources = {(x["source"], x["process"]) for x in lines}
    assert ("api", "api") in sources, lines
    assert ("worker", "worker") in sources, lines
    assert all(x["request_id"] == rid for x in lines)
    api_access = [x for x in lines if x["source"] == "api" and x["message"] == "http.access"]
    assert api_access and api_access[0]["fields"]["path"].endswith("/run")
    worker_lines = [x for x in lines if x["source"] == "worker"]
    # the job's own lines (it ran, or was skipped while a cron firing of it ran: either way the
    # worker logged it under this request id, with the job's name bound)
    assert any(x["fields"].get("job") == JOB for x in worker_lines), worker_lines
    assert api_access[0]["time"] <= worker_lines[-1]["time"]  # newest last, across the files
    counted = [
        line
        for line in metrics.splitlines()
        if f'job="{JOB}"' in line
        and line.startswith(("cd_job_duration_seconds_count", "cd_job_skipped_total"))
    ]
    assert counted and all(float(line.rsplit(" ", 1)[1]) >= 1 for line in counted), counted
