"""Admin work on scheduled tasks: the list with schedules and last runs, run now, one run."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.audit import service as audit
from backend.auth.principals import Principal
from backend.db import Tx
from backend.errors import Conflict, NotFound, Unavailable
from backend.jobs import Jobs
from backend.tasks_admin import repository as repo
from backend.tasks_admin.catalog import Task, cron_expression, schedule_words
from backend.tasks_admin.models import FAILED, MANUAL, QUEUED, RUNNING, TaskRun
from backend.tasks_admin.recorder import ABANDON_GRACE, manual_job_id
from backend.tasks_admin.schemas import ScheduleOut, TaskList, TaskOut, TaskRunOut

LAST_RUNS = 5
QUEUED_STALE = timedelta(minutes=10)


class TaskNotFound(NotFound):
    code = "task_not_found"
    message = "No such scheduled task"


class RunNotFound(NotFound):
    code = "task_run_not_found"
    message = "No such task run"


class TaskAlreadyRunning(Conflict):
    code = "task_running"
    message = "This task is running now; try again when it has finished"


class JobQueueUnavailable(Unavailable):
    code = "jobs_unavailable"
    message = "The job queue is unavailable (Redis down); try again shortly"


def _schedule(task: Task) -> ScheduleOut:
    cron = task.cron
    return ScheduleOut(
        cron=cron_expression(cron),
        seconds=sorted(cron.second),
        minutes=sorted(cron.minute) if cron.minute is not None else None,
        hours=sorted(cron.hour) if cron.hour is not None else None,
        words=schedule_words(cron),
    )


async def list_tasks(tx: Tx, tasks: dict[str, Task], now: datetime) -> TaskList:
    recent = await repo.recent_for_tasks(tx.session, list(tasks), LAST_RUNS)
    items = []
    for name, task in sorted(tasks.items()):
        runs = recent.get(name, [])
        items.append(
            TaskOut(
                name=name,
                description=task.description,
                schedule=_schedule(task),
                next_run_at=task.next_run(now),
                running=any(r.outcome == RUNNING for r in runs),
                last_runs=[TaskRunOut.model_validate(r) for r in runs],
            )
        )
    return TaskList(items=items)


async def run_now(
    tx: Tx,
    jobs: Jobs,
    tasks: dict[str, Task],
    name: str,
    *,
    admin: Principal,
    request_id: str | None,
    now: datetime,
) -> int:
    """Queue a manual run (after the commit); its `task_runs` row exists from now on."""
    if name not in tasks:
        raise TaskNotFound(details={"task": name})
    # Redis down: say so now. A run accepted here could never be queued and, left `queued`,
    # would block the task until QUEUED_STALE (tests/faults/test_redis_outage.py).
    if not await jobs.ping():
        raise JobQueueUnavailable(details={"task": name}, headers={"Retry-After": "5"})
    # a run left behind by a dead process, or a queued one nobody picked up, does not block
    job = tasks[name].job
    timeout_s = job.timeout_s if job is not None else 3600.0
    await repo.fail_abandoned(
        tx.session, name, now - timedelta(seconds=timeout_s) - ABANDON_GRACE, now
    )
    await repo.fail_stale_queued(tx.session, name, now - QUEUED_STALE, now)
    recent = await repo.recent_for_tasks(tx.session, [name], 1)
    if any(r.outcome in (RUNNING, QUEUED) for r in recent[name]):
        raise TaskAlreadyRunning(details={"task": name, "run_id": recent[name][0].id})
    run = await repo.add(
        tx.session,
        TaskRun(
            task=name,
            trigger=MANUAL,
            triggered_by=admin.id,
            request_id=request_id,
            attempt=0,
            outcome=QUEUED,
            created_at=now,
        ),
    )
    job_id = manual_job_id(run.id)
    run.job_id = job_id
    await tx.session.flush()
    audit.record(
        tx,
        "task.run_requested",
        actor_id=admin.id,
        target_type="task",
        target_id=name,
        details={"run_id": run.id},
        at=now,
    )

    async def enqueue() -> None:
        try:
            await jobs.enqueue(name, job_id=job_id)
        except Exception:
            # the queue went away after the check: end the run at once instead of leaving it
            # `queued` (the admin sees why and may run it again)
            await repo.set_fields(
                tx.session, run.id, only_if=(QUEUED,), outcome=FAILED, finished_at=now,
                error="not queued: the job queue was unavailable",
            )  # fmt: skip
            await tx.session.commit()
            raise

    tx.on_commit(enqueue)
    return run.id


async def get_run(tx: Tx, run_id: int) -> TaskRunOut:
    run = await repo.get(tx.session, run_id)
    if run is None:
        raise RunNotFound(details={"run_id": run_id})
    return TaskRunOut.model_validate(run)
