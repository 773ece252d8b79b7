"""Admin work on accounts: list/search, role and block changes, unlock."""

from __future__ import annotations

from datetime import datetime

from backend.admin.schemas import AdminUserOut, UserPage
from backend.auth import lockout
from backend.auth.principals import Principal
from backend.db import Tx
from backend.errors import BadRequest, NotFound
from backend.logging import security_event
from backend.security import Role
from backend.users import service as users_service
from backend.users.models import User


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "No such user"


class CannotChangeSelf(BadRequest):
    code = "cannot_change_self"
    message = "Admins cannot demote or block themselves"


def _out(user: User, locked_until: datetime | None) -> AdminUserOut:
    out = AdminUserOut.model_validate(user)
    out.locked_until = locked_until
    return out


async def _get(tx: Tx, user_id: int) -> User:
    user = await users_service.get_user(tx, user_id, for_update=True)
    if user is None:
        raise UserNotFound()
    return user


async def list_users(
    tx: Tx,
    *,
    q: str | None,
    role: Role | None,
    active: bool | None = None,
    page: int,
    page_size: int,
    now: datetime,
) -> UserPage:
    users, total = await users_service.list_users(
        tx, q=q, role=role, active=active, page=page, page_size=page_size
    )
    locks = await lockout.locks_for_users(tx, [u.id for u in users], now)
    items = [_out(u, locks.get(u.id)) for u in users]
    return UserPage(items=items, total=total, page=page, page_size=page_size)


async def update_user(
    tx: Tx,
    admin: Principal,
    user_id: int,
    *,
    role: Role | None,
    is_active: bool | None,
    now: datetime,
) -> AdminUserOut:
    """Role and/or active flag; an admin cannot demote or block their own account."""
    user = await _get(tx, user_id)
    if user.id == admin.id and ((role is not None and role != user.role) or is_active is False):
        raise CannotChangeSelf()
    if role is not None:
        await users_service.set_role(tx, user, role, by=admin, now=now)
    if is_active is not None:
        await users_service.set_active(tx, user, is_active, by=admin, now=now)
    locks = await lockout.locks_for_users(tx, [user.id], now)
    return _out(user, locks.get(user.id))


async def unlock_user(tx: Tx, admin: Principal, user_id: int) -> AdminUserOut:
    user = await _get(tx, user_id)
    await lockout.clear(tx, lockout.user_subject(user.id))
    security_event("auth.unlocked", user_id=user.id, by=admin.id)
    return _out(user, None)
