"""Admin endpoints (role admin only): users, a user's page, revoking sessions, the audit log.
Admin metrics and tasks may join this router later."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from backend.admin import service
from backend.admin.schemas import AdminUserDetail, AdminUserOut, AdminUserUpdate, UserPage
from backend.audit.schemas import AuditPage
from backend.deps import AdminUser, RequireRole, RuntimeDep, TxDep
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


@router.get("/users/{user_id}")
async def get_user(user_id: RowId, tx: TxDep, rt: RuntimeDep) -> AdminUserDetail:
    """Profile, demo account summary, alerts, Telegram link and recent security events."""
    return await service.user_detail(tx, rt.trading, user_id, now=datetime.now(UTC))


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


@router.post("/users/{user_id}/revoke-sessions")
async def revoke_sessions(user_id: RowId, admin: AdminUser, tx: TxDep) -> AdminUserOut:
    """Signs the user out everywhere: refresh tokens revoked, access tokens and open /ws user
    streams ended at once."""
    return await service.revoke_sessions(tx, admin, user_id, now=datetime.now(UTC))


@router.get("/audit")
async def list_audit(
    tx: TxDep,
    actor: Annotated[SearchText | None, Query(description="user id or username")] = None,
    action: Annotated[
        SearchText | None, Query(description='exact, or a prefix: "auth" for auth.*')
    ] = None,
    target: Annotated[SearchText | None, Query(description='"user:7", or an id')] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """The audit log, newest first; `next_cursor` gives the following (older) page. Read-only:
    entries cannot be changed or deleted through the API."""
    return await service.audit_page(
        tx, actor=actor, action=action, target=target, since=since, cursor=cursor, limit=limit
    )
