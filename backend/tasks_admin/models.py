"""`task_runs`: one row per run of a scheduled task (cron firing or manual run).

At most one run per task is `running` at a time: a partial unique index on `task` where
`outcome = 'running'` makes the database refuse a second one, whichever process tries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
OUTCOMES = (QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED)

CRON = "cron"
MANUAL = "manual"

_RUNNING_ONLY = text("outcome = 'running'")


class TaskRun(Base):
    __tablename__ = "task_runs"
    __table_args__ = (
        Index("ix_task_runs_task_id", "task", "id"),
        Index("ix_task_runs_job_id", "job_id"),
        Index(
            "uq_task_runs_one_running",
            "task",
            unique=True,
            postgresql_where=_RUNNING_ONLY,
            sqlite_where=_RUNNING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(8))  # cron | manual
    triggered_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the admin's id
    job_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
