"""SQL of `task_runs` (the recorder and the admin service pass values, never statements)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.tasks_admin.models import FAILED, QUEUED, RUNNING, TaskRun


async def add(session: AsyncSession, run: TaskRun) -> TaskRun:
    session.add(run)
    await session.flush()
    return run


async def get(session: AsyncSession, run_id: int) -> TaskRun | None:
    return await session.get(TaskRun, run_id)


async def set_fields(
    session: AsyncSession, run_id: int, *, only_if: Sequence[str] = (), **values: Any
) -> bool:
    """Update one run (when its outcome is one of `only_if`, if given); True if it was."""
    stmt = update(TaskRun).where(TaskRun.id == run_id).values(**values)
    if only_if:
        stmt = stmt.where(TaskRun.outcome.in_(only_if))
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


async def has_outcome(session: AsyncSession, job_id: str, outcome: str) -> bool:
    stmt = select(TaskRun.id).where(TaskRun.job_id == job_id, TaskRun.outcome == outcome)
    return (await session.execute(stmt.limit(1))).first() is not None


async def fail_abandoned(
    session: AsyncSession, task: str, started_before: datetime, now: datetime
) -> int:
    """A `running` run older than its job's timeout belongs to a process that died."""
    stmt = (
        update(TaskRun)
        .where(
            TaskRun.task == task,
            TaskRun.outcome == RUNNING,
            TaskRun.started_at < started_before,
        )
        .values(outcome=FAILED, finished_at=now, error="abandoned: the process running it ended")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(await session.execute(stmt), "rowcount", 0) or 0)


async def fail_stale_queued(
    session: AsyncSession, task: str, created_before: datetime, now: datetime
) -> int:
    """A manual run still `queued` long after it was asked for was never picked up (its
    enqueue failed, or the queue lost it)."""
    stmt = (
        update(TaskRun)
        .where(TaskRun.task == task, TaskRun.outcome == QUEUED, TaskRun.created_at < created_before)
        .values(outcome=FAILED, finished_at=now, error="never started: the job was not picked up")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(await session.execute(stmt), "rowcount", 0) or 0)


async def recent_for_tasks(
    session: AsyncSession, tasks: Sequence[str], per_task: int
) -> dict[str, list[TaskRun]]:
    """The newest `per_task` runs of each task, newest first (one index range per task: the
    every-minute tasks pile up rows, a window over all of them would read every one)."""
    out: dict[str, list[TaskRun]] = {}
    for task in tasks:
        stmt = select(TaskRun).where(TaskRun.task == task).order_by(TaskRun.id.desc())
        out[task] = list((await session.execute(stmt.limit(per_task))).scalars())
    return out


async def prune_finished(session: AsyncSession, finished_before: datetime) -> int:
    stmt = delete(TaskRun).where(
        TaskRun.finished_at.is_not(None), TaskRun.finished_at < finished_before
    )
    return int(getattr(await session.execute(stmt), "rowcount", 0) or 0)
