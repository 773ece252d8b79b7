"""Admin observability endpoints (admin role only): logs, dashboard summary, health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backend.deps import RequireRole, RuntimeDep, TxDep
from backend.fields import SearchText
from backend.observability import service
from backend.observability.logs import LogSource
from backend.observability.schemas import HealthOut, LogPage, MetricsSummary
from backend.security import Role

router = APIRouter(prefix="/admin", tags=["admin-system"], dependencies=[RequireRole(Role.ADMIN)])

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


@router.get("/logs")
async def read_logs(
    rt: RuntimeDep,
    source: Annotated[
        list[LogSource] | None, Query(description="repeatable; default api and worker")
    ] = None,
    level: Annotated[LogLevel | None, Query(description="this level and above")] = None,
    q: Annotated[SearchText | None, Query(description="text in the message or a field")] = None,
    request_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._:-]{1,128}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LogPage:
    return await service.read_logs(
        rt.settings, sources=source, level=level, q=q, request_id=request_id, limit=limit
    )


@router.get("/metrics/summary")
async def metrics_summary(tx: TxDep, rt: RuntimeDep) -> MetricsSummary:
    return await service.metrics_summary(tx, rt, datetime.now(UTC))


@router.get("/health")
async def system_health(tx: TxDep, rt: RuntimeDep) -> HealthOut:
    return await service.system_health(tx, rt, datetime.now(UTC))
