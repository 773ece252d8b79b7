"""Login lockout, stored in the database so every API replica agrees.

Policy (README "Login lockout"):

- Per (account, client address): LOCKOUT_THRESHOLD failures within LOCKOUT_WINDOW_S from one
  address lock that pair for LOCKOUT_DURATION_S; while locked, that address gets 429
  `account_locked` even with the right password. Other addresses are not affected, so nobody
  can lock the owner out of their own account.
- Account-wide backstop (a distributed attack, one guess from each of many addresses): past
  LOCKOUT_ACCOUNT_THRESHOLD failures within the window, each further failure makes the whole
  account wait 1, 2, 4, ... s (at most LOCKOUT_ACCOUNT_DELAY_MAX_S). An attempt during the wait
  gets 429 `login_slowed` with a Retry-After of those few seconds, and no password check. This
  slows guessing to about one guess per LOCKOUT_ACCOUNT_DELAY_MAX_S; the owner may meet such a
  wait during an attack too, but is never locked out.
- Attempts on one account take a transaction-long lock first (`LoginAttemptRepository.
  serialize`), then read the locks, check the password and count the failure, then commit: a
  burst of parallel attempts is checked one at a time, so no more than the threshold of
  password checks happen.

Subjects: the account is `u:<user id>` (its username and email count together) or `n:<hash>`
for a name that matches no account; a pair is `<account>@<hash of the address>`. Unknown names
lock exactly like real ones, so a lockout never tells an attacker that an account exists (and
typed-in names and addresses are not stored in subjects).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.audit import service as audit
from backend.auth.repository import PAIR_SEP, LoginAttemptRepository
from backend.config import Settings
from backend.db import Tx
from backend.logging import security_event
from backend.metrics import LOCKOUTS


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt is refused before its password is checked, and until when."""

    until: datetime
    account_wide: bool  # the backstop's slow-down, not this address's lock


def user_subject(user_id: int) -> str:
    return f"u:{user_id}"


def name_subject(identifier: str) -> str:
    return "n:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:40]


def pair_subject(account: str, ip: str | None) -> str:
    """The (account, client address) pair: at most 59 characters."""
    return account + PAIR_SEP + hashlib.sha256((ip or "-").encode()).hexdigest()[:16]


def backstop_delay_s(settings: Settings, account_failures: int) -> int:
    """Seconds the account waits after its `account_failures`-th failure in the window (pure)."""
    excess = account_failures - settings.lockout_account_threshold
    if excess <= 0:
        return 0
    return min(1 << min(excess - 1, 30), settings.lockout_account_delay_max_s)


async def serialize(
    tx: Tx, settings: Settings, account: str, *, ip: str | None, now: datetime
) -> None:
    """Hold the account's login lock until `tx` ends (call first, before any read)."""
    repo = LoginAttemptRepository(tx.session)
    await repo.serialize(account)
    # Old failures go here; on SQLite this first write also takes the database's write lock.
    window_start = now - timedelta(seconds=settings.lockout_window_s)
    await repo.delete_failures(pair_subject(account, ip), before=window_start)


async def refusal(tx: Tx, account: str, pair: str, now: datetime) -> Refusal | None:
    """The lock of this address or the account's slow-down, when one is on now."""
    locks = await LoginAttemptRepository(tx.session).locks_for((pair, account))
    pair_until, account_until = locks.get(pair), locks.get(account)
    if pair_until is not None and pair_until > now:
        return Refusal(pair_until, account_wide=False)
    if account_until is not None and account_until > now:
        return Refusal(account_until, account_wide=True)
    return None


def _audit(
    tx: Tx, action: str, account: str, ip: str | None, details: dict[str, object], now: datetime
) -> None:
    """The audit entry of a lock: its target is the user (u:<id>) or the hashed unknown name."""
    known = account.startswith("u:") and account[2:].isdigit()
    audit.record(
        tx,
        action,
        target_type=audit.USER if known else "account",
        target_id=account[2:] if known else account,
        client_address=ip,
        details=details,
        at=now,
    )


async def record_failure(
    tx: Tx, settings: Settings, account: str, *, ip: str | None, now: datetime
) -> Refusal | None:
    """Count one failed login; returns the pair's lock when this failure locks the address."""
    repo = LoginAttemptRepository(tx.session)
    pair = pair_subject(account, ip)
    window_start = now - timedelta(seconds=settings.lockout_window_s)
    await repo.delete_failures(account, before=window_start)  # keeps the table small
    await repo.add_failure(pair, ip, now)
    await repo.add_failure(account, ip, now)
    delay = backstop_delay_s(settings, await repo.count_failures_since(account, window_start))
    if delay:
        await repo.set_lock(account, now + timedelta(seconds=delay), now)
        security_event("auth.slowdown", subject=account, ip=ip, delay_s=delay)
        _audit(tx, "auth.slowdown", account, ip, {"delay_s": delay}, now)
    if await repo.count_failures_since(pair, window_start) < settings.lockout_threshold:
        return None
    until = now + timedelta(seconds=settings.lockout_duration_s)
    await repo.set_lock(pair, until, now)
    await repo.delete_failures(pair)  # after the lock ends this address's count starts again
    LOCKOUTS.inc()
    security_event("auth.lockout", subject=pair, ip=ip, until=until.isoformat())
    _audit(tx, "auth.lockout", account, ip, {"until": until.isoformat()}, now)
    return Refusal(until, account_wide=False)


async def clear(tx: Tx, subject: str) -> None:
    """Forget the failures and locks of a pair (a good login from that address), or of an
    account and all its pairs (an admin's unlock)."""
    repo = LoginAttemptRepository(tx.session)
    account = PAIR_SEP not in subject
    await repo.delete_failures(subject, with_pairs=account)
    await repo.delete_locks(subject, with_pairs=account)


async def locks_for_users(tx: Tx, user_ids: list[int], now: datetime) -> dict[int, datetime]:
    """By user id, the latest end of any active lock or slow-down of theirs, for admin listings."""
    locks = await LoginAttemptRepository(tx.session).locks_with_pairs(
        [user_subject(i) for i in user_ids]
    )
    found: dict[int, datetime] = {}
    for subject, until in locks.items():
        user_id = int(subject.partition(PAIR_SEP)[0][2:])
        if until > now and (user_id not in found or until > found[user_id]):
            found[user_id] = until
    return found
