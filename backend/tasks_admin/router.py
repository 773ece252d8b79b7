"""`/api/v1/admin/tasks*`: the scheduled tasks, run one now, one run (admin role only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, status

from backend.deps import AdminUser, JobsDep, RequireRole, TxDep
from backend.errors import ErrorOut
from backend.fields import RowId
from backend.logging import current_request_id
from backend.security import Role
from backend.tasks_admin import service
from backend.tasks_admin.catalog import catalog
from backend.tasks_admin.schemas import RunQueued, TaskList, TaskRunOut

router = APIRouter(prefix="/admin/tasks", tags=["admin"], dependencies=[RequireRole(Role.ADMIN)])

TaskName = Annotated[str, Path(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$", max_length=64)]


@router.get("")
async def list_tasks(tx: TxDep) -> TaskList:
    return await service.list_tasks(tx, catalog(), datetime.now(UTC))


@router.post(
    "/{name}/run",
    status_code=status.HTTP_202_ACCEPTED,
    responses={409: {"model": ErrorOut, "description": "The task is running already"}},
)
async def run_task(name: TaskName, admin: AdminUser, tx: TxDep, jobs: JobsDep) -> RunQueued:
    run_id = await service.run_now(
        tx,
        jobs,
        catalog(),
        name,
        admin=admin,
        request_id=current_request_id(),
        now=datetime.now(UTC),
    )
    return RunQueued(run_id=run_id)


@router.get("/runs/{run_id}")
async def get_run(run_id: RowId, tx: TxDep) -> TaskRunOut:
    return await service.get_run(tx, run_id)
