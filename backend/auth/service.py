"""Login, refresh rotation with reuse detection, logout.

Failed logins look the same whether or not the account exists: same status and body, a real
password-hash verification either way (a dummy hash for unknown names), and the same lockout.
"""

from __future__ import annotations

from datetime import datetime

from backend.auth import lockout, sessions
from backend.auth.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    RefreshTokenReused,
)
from backend.auth.repository import RefreshTokenRepository
from backend.auth.sessions import TokenPair
from backend.config import Settings
from backend.db import Tx
from backend.logging import security_event
from backend.metrics import LOGINS, REFRESH_REUSE
from backend.security import Passwords, TokenExpired, TokenInvalid, hash_refresh_token
from backend.users import service as users_service


def _locked(until: datetime, now: datetime) -> AccountLocked:
    retry = int((until - now).total_seconds()) + 1
    return AccountLocked(retry_after_s=retry)


async def login(
    tx: Tx,
    settings: Settings,
    passwords: Passwords,
    *,
    identifier: str,
    password: str,
    ip: str | None,
    now: datetime,
) -> TokenPair:
    """Tokens for a correct username/email + password; counts failures toward the lockout."""
    user = await users_service.find_for_login(tx, identifier)
    subject = lockout.user_subject(user.id) if user else lockout.name_subject(identifier)
    until = await lockout.locked_until(tx, subject, now)
    if until is not None:  # locked: refused even with the right password
        LOGINS.labels(outcome="locked").inc()
        raise _locked(until, now)
    if user is None:
        await passwords.verify_dummy(password)
        valid, new_hash = False, None
    else:
        valid, new_hash = await passwords.verify_and_update(password, user.password_hash)
    if not valid:
        if user is not None:
            await users_service.get_user(tx, user.id, for_update=True)  # serialize the count
        LOGINS.labels(outcome="failure").inc()
        security_event("auth.login_failed", subject=subject, ip=ip)
        locked = await lockout.record_failure(tx, settings, subject, ip=ip, now=now)
        if locked is not None:
            raise _locked(locked, now)
        raise InvalidCredentials()
    assert user is not None
    if not user.is_active:
        LOGINS.labels(outcome="disabled").inc()
        security_event("auth.login_disabled", user_id=user.id, ip=ip)
        raise AccountDisabled()
    await lockout.clear(tx, subject)
    await users_service.record_login(tx, user, new_hash=new_hash, now=now)
    LOGINS.labels(outcome="success").inc()
    return await sessions.issue(tx, settings, user, now=now)


async def refresh(tx: Tx, settings: Settings, *, refresh_token: str, now: datetime) -> TokenPair:
    """Spend the refresh token and issue its successor; a spent one revokes its family."""
    repo = RefreshTokenRepository(tx.session)
    row = await repo.by_hash_for_update(hash_refresh_token(refresh_token))
    if row is None or row.revoked_at is not None:
        raise TokenInvalid()
    if row.used_at is not None:
        await repo.revoke_family(row.family_id, now)
        REFRESH_REUSE.inc()
        security_event("auth.refresh_reuse", user_id=row.user_id, family=row.family_id)
        raise RefreshTokenReused()
    if row.expires_at <= now:
        raise TokenExpired("The refresh token has expired")
    user = await users_service.get_user(tx, row.user_id)
    if user is None or not user.is_active:
        raise TokenInvalid()
    row.used_at = now
    await tx.session.flush()
    return await sessions.issue(tx, settings, user, now=now, family_id=row.family_id)


async def logout(tx: Tx, *, refresh_token: str, now: datetime) -> None:
    """Revoke the login the token belongs to; unknown or spent tokens are a silent no-op."""
    repo = RefreshTokenRepository(tx.session)
    row = await repo.by_hash_for_update(hash_refresh_token(refresh_token))
    if row is not None:
        await repo.revoke_family(row.family_id, now)
