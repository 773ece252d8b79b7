"""Login, refresh rotation with reuse detection, logout, sign-out everywhere.

Failed logins look the same whether or not the account exists: same status and body, a real
password-hash verification either way (a dummy hash for unknown names), and the same lockout
(backend/auth/lockout.py: per account and client address, with an account-wide slow-down).
"""

from __future__ import annotations

from datetime import datetime

from backend.audit import service as audit
from backend.auth import lockout, sessions
from backend.auth.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    LoginSlowed,
    RefreshTokenReused,
)
from backend.auth.lockout import Refusal
from backend.auth.repository import RefreshTokenRepository
from backend.auth.sessions import TokenPair
from backend.config import Settings
from backend.db import Tx
from backend.logging import security_event
from backend.metrics import LOGINS, REFRESH_REUSE
from backend.security import Passwords, TokenExpired, TokenInvalid, hash_refresh_token
from backend.users import service as users_service
from backend.users.models import User


def _refused(refusal: Refusal, now: datetime) -> AccountLocked | LoginSlowed:
    retry = int((refusal.until - now).total_seconds()) + 1
    return (
        LoginSlowed(retry_after_s=retry)
        if refusal.account_wide
        else AccountLocked(retry_after_s=retry)
    )


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
    """Tokens for a correct username/email + password; counts failures toward the lockout.

    The account's login lock is taken before anything is read and held until the transaction
    ends (the failure is committed with it), so parallel attempts are checked one at a time.
    """
    user = await users_service.find_for_login(tx, identifier)
    account = lockout.user_subject(user.id) if user else lockout.name_subject(identifier)
    pair = lockout.pair_subject(account, ip)
    await lockout.serialize(tx, settings, account, ip=ip, now=now)
    refusal = await lockout.refusal(tx, account, pair, now)
    if refusal is not None:  # refused even with the right password, and without checking it
        LOGINS.labels(outcome="slowed" if refusal.account_wide else "locked").inc()
        raise _refused(refusal, now)
    if user is None:
        await passwords.verify_dummy(password)
        valid, new_hash = False, None
    else:
        valid, new_hash = await passwords.verify_and_update(password, user.password_hash)
    if not valid:
        LOGINS.labels(outcome="failure").inc()
        security_event("auth.login_failed", subject=account, ip=ip)
        audit.record(
            tx,
            "auth.login_failed",
            target_type=audit.USER if user else "account",
            target_id=user.id if user else account,
            client_address=ip,
            at=now,
        )
        locked = await lockout.record_failure(tx, settings, account, ip=ip, now=now)
        if locked is not None:
            raise _refused(locked, now)
        raise InvalidCredentials()
    assert user is not None
    if not user.is_active:
        LOGINS.labels(outcome="disabled").inc()
        security_event("auth.login_disabled", user_id=user.id, ip=ip)
        audit.record_for_user(tx, "auth.login_disabled", user.id, client_address=ip, at=now)
        raise AccountDisabled()
    await lockout.clear(tx, pair)
    await users_service.record_login(tx, user, new_hash=new_hash, now=now)
    LOGINS.labels(outcome="success").inc()
    security_event("auth.login_succeeded", user_id=user.id, ip=ip)
    audit.record_for_user(tx, "auth.login_succeeded", user.id, client_address=ip, at=now)
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
        details = {"family": row.family_id}
        audit.record_for_user(tx, "auth.refresh_reuse", row.user_id, details=details, at=now)
        raise RefreshTokenReused()
    if row.expires_at <= now or row.family_expires_at <= now:
        raise TokenExpired("The refresh token has expired")
    user = await users_service.get_user(tx, row.user_id)
    if user is None or not user.is_active or user.token_version != row.token_version:
        raise TokenInvalid()
    row.used_at = now
    await tx.session.flush()
    return await sessions.issue(tx, settings, user, now=now, parent=row)


async def logout(tx: Tx, *, refresh_token: str, now: datetime) -> None:
    """Revoke the login the token belongs to; unknown or spent tokens are a silent no-op."""
    repo = RefreshTokenRepository(tx.session)
    row = await repo.by_hash_for_update(hash_refresh_token(refresh_token))
    if row is not None:
        await repo.revoke_family(row.family_id, now)


async def logout_all(tx: Tx, user: User, *, now: datetime) -> None:
    """Sign out everywhere: every refresh token and every access token of the user stop working
    (the token version moves on, so access tokens die at once, not at their expiry)."""
    await users_service.end_all_sessions(tx, user, now=now)
    await sessions.revoke_all_for_user(tx, user.id, now)
    security_event("auth.logout_all", user_id=user.id)
    audit.record_for_user(tx, "auth.logout_all", user.id, at=now)
