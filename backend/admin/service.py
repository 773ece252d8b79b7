"""Admin work on accounts: list/search, a user's page, role and block changes, unlock, revoking
every session, and reading the audit log. Every change is audited (backend/audit)."""

from __future__ import annotations

from datetime import datetime

from backend.admin.schemas import (
    AdminAccountOut,
    AdminAlertsOut,
    AdminBalanceOut,
    AdminUserDetail,
    AdminUserOut,
    UserPage,
)
from backend.alerts.repository import AlertRepository
from backend.audit import service as audit
from backend.audit.repository import AuditFilter
from backend.audit.schemas import AuditPage
from backend.auth import lockout, sessions
from backend.auth.principals import Principal
from backend.db import Tx
from backend.errors import BadRequest, NotFound
from backend.logging import security_event
from backend.security import Role
from backend.telegram import service as telegram_service
from backend.trading.account import equity_of
from backend.trading.engine import TradingEngine
from backend.trading.repository import AccountRepository, BalanceRepository
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
    audit.record_for_user(tx, "auth.unlocked", user.id, by=admin.id)
    return _out(user, None)


async def revoke_sessions(tx: Tx, admin: Principal, user_id: int, *, now: datetime) -> AdminUserOut:
    """Every login (refresh-token family) of the user is revoked and the token version moves
    on: access tokens are refused at once and open /ws user streams end (principal cache
    eviction, see backend/auth/principals.py), on every replica."""
    user = await _get(tx, user_id)
    await users_service.end_all_sessions(tx, user, now=now)
    await sessions.revoke_all_for_user(tx, user.id, now)
    security_event("user.sessions_revoked", user_id=user.id, by=admin.id)
    audit.record_for_user(tx, "user.sessions_revoked", user.id, by=admin.id, at=now)
    locks = await lockout.locks_for_users(tx, [user.id], now)
    return _out(user, locks.get(user.id))


async def _account(tx: Tx, engine: TradingEngine, user_id: int) -> AdminAccountOut | None:
    """Read-only: a user who never traded has no account (viewing does not open one)."""
    account = await AccountRepository(tx.session).get_for_user(user_id)
    if account is None:
        return None
    rows = list(await BalanceRepository(tx.session).for_account(account.id))
    return AdminAccountOut(
        period=account.period,
        period_started_at=account.period_started_at,
        balances=[AdminBalanceOut(asset=b.asset, free=b.free, locked=b.locked) for b in rows],
        equity=equity_of(engine, rows, engine.prices.last),
        equity_asset=engine.config.quote_asset,
    )


async def user_detail(
    tx: Tx, engine: TradingEngine, user_id: int, *, now: datetime
) -> AdminUserDetail:
    user = await users_service.get_user(tx, user_id)
    if user is None:
        raise UserNotFound()
    locks = await lockout.locks_for_users(tx, [user.id], now)
    alerts = AlertRepository(tx.session)
    return AdminUserDetail(
        user=_out(user, locks.get(user.id)),
        account=await _account(tx, engine, user.id),
        alerts=AdminAlertsOut(
            total=len(await alerts.of_user(user.id)), active=await alerts.count_active(user.id)
        ),
        telegram_linked=await telegram_service.is_linked(tx, user.id),
        recent_events=await audit.recent_for_user(tx, user.id),
    )


async def audit_page(
    tx: Tx,
    *,
    actor: str | None,
    action: str | None,
    target: str | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
) -> AuditPage:
    """`actor` is a user id or a username; an unknown username matches nothing."""
    actor_id: int | None = None
    if actor:
        if actor.isdigit():
            actor_id = int(actor)
        else:
            found = await users_service.find_for_login(tx, actor)
            if found is None:
                return AuditPage(items=[], next_cursor=None)
            actor_id = found.id
    target_type, target_id = audit.parse_target(target)
    flt = AuditFilter(
        actor_id=actor_id,
        action=action or None,
        target_type=target_type,
        target_id=target_id,
        since=since,
    )
    return await audit.page(tx, flt, cursor=cursor, limit=limit)
