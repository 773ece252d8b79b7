"""Wire shapes of `/api/v1/admin/tasks*`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backend.fields import UtcDatetime


class TaskRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task: str
    trigger: str = Field(description="cron | manual | job (queued by code)")
    triggered_by: int | None = Field(description="the admin's user id for a manual run")
    job_id: str | None
    request_id: str | None = Field(description="X-Request-ID of the request that queued it")
    attempt: int
    outcome: str = Field(description="queued | running | succeeded | failed | skipped")
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    summary: str | None = Field(description="the job's return value, as short JSON")
    error: str | None


class ScheduleOut(BaseModel):
    cron: str = Field(description="minute hour day month weekday (UTC)")
    seconds: list[int]
    minutes: list[int] | None = Field(description="null: every minute")
    hours: list[int] | None = Field(description="null: every hour")
    words: str


class TaskOut(BaseModel):
    name: str
    description: str
    schedule: ScheduleOut
    next_run_at: UtcDatetime
    running: bool
    last_runs: list[TaskRunOut]


class TaskList(BaseModel):
    items: list[TaskOut]


class RunQueued(BaseModel):
    run_id: int
