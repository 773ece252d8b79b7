"""Admin endpoints (role admin only). Admin metrics and tasks may join this router later."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from backend.admin import service
from backend.admin.schemas import AdminUserOut, AdminUserUpdate, UserPage
from backend.deps import AdminUser, RequireRole, TxDep
from backend.fields import PageNumber, RowId, SearchText
from backend.security import Role

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[RequireRole(Role.ADMIN)])


@router.get("/users")
async def list_users(
    tx: TxDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    q: Annotated[SearchText | None, Query(description="in email or username")] = None,
    role: Role | None = None,
    active: Annotated[
        bool | None, Query(description="true: active only; false: blocked only")
    ] = None,
) -> UserPage:
    return await service.list_users(
        tx, q=q, role=role, active=active, page=page, page_size=page_size, now=datetime.now(UTC)
    )


@router.patch("/users/{user_id}")
async def update_user(
    user_id: RowId, body: AdminUserUpdate, admin: AdminUser, tx: TxDep
) -> AdminUserOut:
    return await service.update_user(
        tx, admin, user_id, role=body.role, is_active=body.is_active, now=datetime.now(UTC)
    )


@router.post("/users/{user_id}/unlock")
async def unlock_user(user_id: RowId, admin: AdminUser, tx: TxDep) -> AdminUserOut:
    return await service.unlock_user(tx, admin, user_id)
