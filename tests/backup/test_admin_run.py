"""The backup as an admin runs it from the tasks page: listed with its daily schedule, run now
(202), recorded as a successful run whose output names the file, and idempotent that day."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from backend.backup import files
from backend.backup.tasks import BACKUP_JOB
from tests.admin_app import admin_bearer, open_admin_app
from tests.conftest import asgi_client

TASKS = "/api/v1/admin/tasks"


async def run_once(c: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await c.post(f"{TASKS}/{BACKUP_JOB}/run", headers=headers)
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]

    async def finished() -> dict[str, Any]:
        while True:
            run: dict[str, Any] = (await c.get(f"{TASKS}/runs/{run_id}", headers=headers)).json()
            if run["outcome"] not in ("queued", "running"):
                return run
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(finished(), 60)


async def test_admin_runs_the_daily_backup_once_a_day(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    async with open_admin_app(db_url, tmp_path, backup_dir=folder) as app, asgi_client(app) as c:
        headers = await admin_bearer(c)
        listed = (await c.get(TASKS, headers=headers)).json()
        (task,) = [t for t in listed["items"] if t["name"] == BACKUP_JOB]
        assert task["schedule"]["cron"] == "41 1 * * *"
        assert task["description"].startswith("Backs up the database")
        first = await run_once(c, headers)
        second = await run_once(c, headers)
    assert first["outcome"] == "succeeded", first
    assert second["outcome"] == "succeeded", second
    (made,) = list(folder.iterdir())
    assert made.name in first["summary"] and made.name in second["summary"]
    assert '"created": true' in first["summary"] and '"created": false' in second["summary"]
    kind = files.Kind.SQLITE if db_url.startswith("sqlite") else files.Kind.POSTGRES
    assert files.kind_of_file(made) is kind
