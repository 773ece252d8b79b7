"""/api/v1/admin/tasks*: admins only; the list with schedules; a manual run recorded from queued
to its outcome with the request id of the request that queued it; a run already going refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.db import transaction
from backend.runtime import Runtime
from backend.tasks_admin.models import RUNNING, TaskRun
from tests.auth.helpers import bearer, error_code, signup

TASKS = "/api/v1/admin/tasks"


async def _wait_run(
    ac: httpx.AsyncClient, headers: dict[str, str], run_id: int, timeout: float = 20
) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            run: dict[str, Any] = (await ac.get(f"{TASKS}/runs/{run_id}", headers=headers)).json()
            if run["outcome"] not in ("queued", "running"):
                return run
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(loop(), timeout)


async def test_authorization_matrix(ac: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    trader = await signup(ac, "trader1")
    analyst = await signup(ac, "analyst1")
    promoted = await ac.patch(
        f"/api/v1/admin/users/{analyst['user']['id']}",
        json={"role": "analyst"},
        headers=admin_headers,
    )
    assert promoted.status_code == 200
    calls = (("GET", TASKS), ("POST", f"{TASKS}/auth.prune/run"), ("GET", f"{TASKS}/runs/1"))
    for method, path in calls:
        assert (await ac.request(method, path)).status_code == 401, (method, path)
        for grant in (trader, analyst):
            resp = await ac.request(method, path, headers=bearer(grant["access_token"]))
            assert resp.status_code == 403, (grant["user"]["username"], method, path)
            assert error_code(resp) == "insufficient_role"
    listed = await ac.get(TASKS, headers=admin_headers)
    assert listed.status_code == 200
    queued = await ac.post(f"{TASKS}/auth.prune/run", headers=admin_headers)
    assert queued.status_code == 202
    run = await ac.get(f"{TASKS}/runs/{queued.json()['run_id']}", headers=admin_headers)
    assert run.status_code == 200


async def test_list_names_every_cron_with_schedule_and_next_run(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from backend.worker import CRONS

    items = {t["name"]: t for t in (await ac.get(TASKS, headers=admin_headers)).json()["items"]}
    assert set(items) == {c.job for c in CRONS}
    prune = items["auth.prune"]
    assert prune["schedule"]["cron"] == "17 * * * *"
    assert prune["schedule"]["words"] == "every hour at minute 17"
    # no run asked for: none but a cron firing that fell into this test (hourly, at :17)
    assert prune["description"] and all(r["trigger"] == "cron" for r in prune["last_runs"])
    next_at = datetime.fromisoformat(prune["next_run_at"])
    assert next_at > datetime.now(UTC) and next_at.minute == 17 and next_at.second == 0
    retrain = items["forecast.retrain_all"]["schedule"]
    assert retrain["words"] == "daily at 02:30 UTC" and retrain["cron"] == "30 2 * * *"


async def test_manual_run_is_recorded_with_outcome_and_request_id(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "X-Request-ID": "req-tasks-0001"}
    queued = await ac.post(f"{TASKS}/auth.prune/run", headers=headers)
    assert queued.status_code == 202, queued.text
    run = await _wait_run(ac, admin_headers, queued.json()["run_id"])
    assert run["outcome"] == "succeeded", run
    assert run["task"] == "auth.prune" and run["trigger"] == "manual"
    assert run["request_id"] == "req-tasks-0001"
    assert run["job_id"].startswith(f"task-run:{run['id']}:") and run["attempt"] == 1
    assert run["started_at"] and run["finished_at"] and run["finished_at"] >= run["started_at"]
    assert run["summary"] and "tokens" in run["summary"]  # auth.prune's counts
    me = (await ac.get("/api/v1/users/me", headers=admin_headers)).json()
    assert run["triggered_by"] == me["id"]
    listed = (await ac.get(TASKS, headers=admin_headers)).json()["items"]
    prune = next(t for t in listed if t["name"] == "auth.prune")
    assert [r["id"] for r in prune["last_runs"] if r["trigger"] == "manual"] == [run["id"]]
    audit = (
        await ac.get(
            "/api/v1/admin/audit", params={"action": "task.run_requested"}, headers=admin_headers
        )
    ).json()["items"]
    assert [(e["actor_id"], e["target_type"], e["target_id"], e["request_id"]) for e in audit] == [
        (me["id"], "task", "auth.prune", "req-tasks-0001")
    ]
    assert audit[0]["details"] == {"run_id": run["id"]}


async def test_a_running_task_is_not_started_again(
    admin_app: FastAPI, ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    rt: Runtime = admin_app.state.runtime
    async with transaction(rt.sessionmaker) as tx:
        now = datetime.now(UTC)
        tx.session.add(
            TaskRun(
                task="auth.prune",
                trigger="cron",
                job_id="cron:auth.prune:1",
                attempt=1,
                outcome=RUNNING,
                created_at=now,
                started_at=now,
            )
        )
    refused = await ac.post(f"{TASKS}/auth.prune/run", headers=admin_headers)
    assert refused.status_code == 409 and error_code(refused) == "task_running"
    listed = (await ac.get(TASKS, headers=admin_headers)).json()["items"]
    assert next(t for t in listed if t["name"] == "auth.prune")["running"] is True


async def test_unknown_task_and_run_are_404(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await ac.post(f"{TASKS}/no.such_task/run", headers=admin_headers)
    assert resp.status_code == 404 and error_code(resp) == "task_not_found"
    resp = await ac.get(f"{TASKS}/runs/999999", headers=admin_headers)
    assert resp.status_code == 404 and error_code(resp) == "task_run_not_found"
    resp = await ac.post(f"{TASKS}/Bad Name/run", headers=admin_headers)
    assert resp.status_code == 422


async def test_runs_left_behind_do_not_block_a_manual_run(
    admin_app: FastAPI, ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """A `running` row older than the job's timeout (its process died) and a `queued` one nobody
    picked up are closed as failed when an admin asks for a run; the run then goes ahead."""
    rt: Runtime = admin_app.state.runtime
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    async with transaction(rt.sessionmaker) as tx:
        tx.session.add_all(
            [
                TaskRun(task="auth.prune", trigger="cron", job_id="cron:auth.prune:1", attempt=1,
                        outcome=RUNNING, created_at=long_ago, started_at=long_ago),
                TaskRun(task="auth.prune", trigger="manual", job_id="task-run:x", attempt=0,
                        outcome="queued", created_at=long_ago),
            ]
        )  # fmt: skip
    queued = await ac.post(f"{TASKS}/auth.prune/run", headers=admin_headers)
    assert queued.status_code == 202, queued.text
    run = await _wait_run(ac, admin_headers, queued.json()["run_id"])
    assert run["outcome"] == "succeeded"
    async with rt.sessionmaker() as s:
        old = (
            (
                await s.execute(
                    select(TaskRun).where(TaskRun.task == "auth.prune", TaskRun.id < run["id"])
                )
            )
            .scalars()
            .all()
        )
    assert sorted((r.outcome, (r.error or "").split(":")[0]) for r in old) == [
        ("failed", "abandoned"),
        ("failed", "never started"),
    ]
