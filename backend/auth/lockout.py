"""Account lockout, stored in the database so every API replica agrees.

A subject is `u:<user id>` for an account (its username and email count together) or
`n:<hash>` for a name that matches no account: unknown names lock exactly like real ones, so a
lockout never tells an attacker that an account exists (and typed-in secrets are not stored).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from backend.auth.repository import LoginAttemptRepository
from backend.config import Settings
from backend.db import Tx
from backend.logging import security_event
from backend.metrics import LOCKOUTS


def user_subject(user_id: int) -> str:
    return f"u:{user_id}"


def name_subject(identifier: str) -> str:
    return "n:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:40]


async def locked_until(tx: Tx, subject: str, now: datetime) -> datetime | None:
    """When the subject's lock ends, or None when it is not locked now."""
    until = await LoginAttemptRepository(tx.session).lock_until(subject)
    return until if until is not None and until > now else None


async def record_failure(
    tx: Tx, settings: Settings, subject: str, *, ip: str | None, now: datetime
) -> datetime | None:
    """Count one failed login; returns the lock's end when this failure locks the subject.

    For accounts the caller holds the user row FOR UPDATE, so replicas count one at a time.
    """
    repo = LoginAttemptRepository(tx.session)
    window_start = now - timedelta(seconds=settings.lockout_window_s)
    await repo.delete_failures(subject, before=window_start)  # keeps the table small
    await repo.add_failure(subject, ip, now)
    failures = await repo.count_failures_since(subject, window_start)
    if failures < settings.lockout_threshold:
        return None
    until = now + timedelta(seconds=settings.lockout_duration_s)
    await repo.set_lock(subject, until, now)
    await repo.delete_failures(subject)  # after the lock ends the count starts again
    LOCKOUTS.inc()
    security_event("auth.lockout", subject=subject, ip=ip, until=until.isoformat())
    return until


async def clear(tx: Tx, subject: str) -> None:
    """Forget the subject's failures and lock (after a good login, or an admin's unlock)."""
    repo = LoginAttemptRepository(tx.session)
    await repo.delete_failures(subject)
    await repo.delete_lock(subject)


async def locks_for_users(tx: Tx, user_ids: list[int], now: datetime) -> dict[int, datetime]:
    """Active lock ends by user id, for admin listings."""
    locks = await LoginAttemptRepository(tx.session).locks_for(user_subject(i) for i in user_ids)
    return {int(s[2:]): until for s, until in locks.items() if until > now}
