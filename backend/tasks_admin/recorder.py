"""The `RunRecorder` of backend/jobs.py: every run of a scheduled task lands in `task_runs`.

* A cron firing (`cron:<task>:<epoch>`) or any other queued run of a task inserts a `running`
  row; a manual run (`task-run:<id>:<nonce>`, queued by the admin service) moves its `queued` row to
  `running`. Either way the partial unique index lets one run per task be `running`: a second
  one (another firing while a long run goes on, or the same job picked up by two processes)
  is recorded as `skipped` and its job does not run.
* A firing whose job id already has a `succeeded` run is not run again (a job delivered twice).
* A `running` row older than its job's timeout (plus a grace) belongs to a process that died:
  it is closed as failed, so it cannot block the task for ever.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import transaction
from backend.tasks_admin import repository as repo
from backend.tasks_admin.models import (
    CRON,
    FAILED,
    MANUAL,
    QUEUED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TaskRun,
)

MANUAL_PREFIX = "task-run:"
ABANDON_GRACE = timedelta(seconds=60)
ALREADY_RUNNING = "skipped: the task was already running"


def manual_job_id(run_id: int) -> str:
    """`task-run:<run id>:<nonce>`: arq keeps job and result keys by id outside our prefix, and a
    fresh or restored database hands out run ids again; without the nonce such a run would
    match an old job's key and never be queued."""
    return f"{MANUAL_PREFIX}{run_id}:{secrets.token_hex(6)}"


def manual_run_id(job_id: str) -> int | None:
    if not job_id.startswith(MANUAL_PREFIX):
        return None
    run_id = job_id[len(MANUAL_PREFIX) :].split(":", 1)[0]
    return int(run_id) if run_id.isdigit() else None


def trigger_of(job_id: str) -> str:
    if job_id.startswith(MANUAL_PREFIX):
        return MANUAL
    return CRON if job_id.startswith("cron:") else "job"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TaskRunRecorder:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        tasks: Iterable[str],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.tasks = frozenset(tasks)
        self.clock = clock

    def records(self, job: str) -> bool:
        return job in self.tasks

    async def begin(
        self, *, task: str, job_id: str, request_id: str | None, attempt: int, timeout_s: float
    ) -> int | None:
        now = self.clock()
        async with transaction(self.sessionmaker) as tx:
            stale = now - timedelta(seconds=timeout_s) - ABANDON_GRACE
            await repo.fail_abandoned(tx.session, task, stale, now)
            if job_id and await repo.has_outcome(tx.session, job_id, SUCCEEDED):
                return None  # this firing already ran (delivered twice)
        manual = manual_run_id(job_id)
        if manual is not None:
            return await self._begin_manual(manual, attempt, now)
        try:
            async with transaction(self.sessionmaker) as tx:
                run = await repo.add(
                    tx.session,
                    TaskRun(
                        task=task,
                        trigger=trigger_of(job_id),
                        job_id=job_id or None,
                        request_id=request_id,
                        attempt=attempt,
                        outcome=RUNNING,
                        created_at=now,
                        started_at=now,
                    ),
                )
                return run.id
        except IntegrityError:
            async with transaction(self.sessionmaker) as tx:
                await repo.add(
                    tx.session,
                    TaskRun(
                        task=task,
                        trigger=trigger_of(job_id),
                        job_id=job_id or None,
                        request_id=request_id,
                        attempt=attempt,
                        outcome=SKIPPED,
                        created_at=now,
                        finished_at=now,
                        error=ALREADY_RUNNING,
                    ),
                )
            return None

    async def _begin_manual(self, run_id: int, attempt: int, now: datetime) -> int | None:
        try:
            async with transaction(self.sessionmaker) as tx:
                moved = await repo.set_fields(
                    tx.session,
                    run_id,
                    only_if=(QUEUED, FAILED),
                    outcome=RUNNING,
                    attempt=attempt,
                    started_at=now,
                    finished_at=None,
                    error=None,
                )
            return run_id if moved else None
        except IntegrityError:
            async with transaction(self.sessionmaker) as tx:
                await repo.set_fields(
                    tx.session, run_id, outcome=SKIPPED, finished_at=now, error=ALREADY_RUNNING
                )
            return None

    async def finish(
        self, run_id: int, *, outcome: str, summary: str | None, error: str | None
    ) -> None:
        async with transaction(self.sessionmaker) as tx:
            await repo.set_fields(
                tx.session,
                run_id,
                only_if=(RUNNING,),
                outcome=outcome,
                finished_at=self.clock(),
                summary=summary,
                error=error,
            )
