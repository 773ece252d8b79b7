"""Accounts: registration, profile, password change, admin changes, the first admin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backend.audit import service as audit
from backend.db import Tx
from backend.errors import AppError, BadRequest, Conflict
from backend.logging import security_event
from backend.metrics import REGISTRATIONS
from backend.security import Passwords, Role
from backend.users.changes import Actor, user_changed
from backend.users.models import User
from backend.users.password_policy import password_problems
from backend.users.repository import UserRepository


class WeakPassword(AppError):
    status = 422
    code = "weak_password"
    message = "The password does not meet the password policy"


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email already exists"


class UsernameTaken(Conflict):
    code = "username_taken"
    message = "This username is taken"


class WrongPassword(BadRequest):
    keeps_writes = True  # raised before any change: only its audit entry is committed
    code = "wrong_password"
    message = "The current password is not correct"


class LastAdmin(Conflict):
    code = "last_admin"
    message = "This is the last active admin: promote another account first"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, *, username: str, email: str) -> None:
    problems = password_problems(password, username=username, email=email)
    if problems:
        raise WeakPassword(details={"reasons": problems})


async def _ensure_free(
    repo: UserRepository, *, email: str | None, username: str | None, me: int | None
) -> None:
    if email is not None:
        found = await repo.by_email(email)
        if found is not None and found.id != me:
            raise EmailTaken()
    if username is not None:
        found = await repo.by_username_key(username.lower())
        if found is not None and found.id != me:
            raise UsernameTaken()


async def register(
    tx: Tx,
    passwords: Passwords,
    *,
    email: str,
    username: str,
    password: str,
    now: datetime,
    role: Role = Role.TRADER,
) -> User:
    """A new active account; the role is trader unless a trusted caller (CLI) says otherwise."""
    email = normalize_email(email)
    check_password(password, username=username, email=email)
    repo = UserRepository(tx.session)
    await _ensure_free(repo, email=email, username=username, me=None)
    user = await repo.add(
        User(
            email=email,
            username=username,
            username_key=username.lower(),
            password_hash=await passwords.hash(password),
            role=role,
            is_active=True,
            token_version=0,
            created_at=now,
            updated_at=now,
        )
    )
    security_event("auth.registered", user_id=user.id, role=role.value)
    audit.record_for_user(tx, "auth.registered", user.id, details={"role": role.value}, at=now)
    user_changed(tx, user.id)  # ids are not reused, but nothing may stay cached under one

    async def count() -> None:
        REGISTRATIONS.inc()

    tx.on_commit(count)
    return user


async def get_user(tx: Tx, user_id: int, *, for_update: bool = False) -> User | None:
    return await UserRepository(tx.session).get(user_id, for_update=for_update)


async def find_for_login(tx: Tx, identifier: str) -> User | None:
    """The account named by a username or an email (usernames cannot contain '@')."""
    repo = UserRepository(tx.session)
    key = identifier.strip().lower()
    return await (repo.by_email(key) if "@" in key else repo.by_username_key(key))


async def update_profile(
    tx: Tx,
    passwords: Passwords,
    user: User,
    *,
    email: str | None,
    username: str | None,
    current_password: str | None,
    now: datetime,
) -> User:
    """A new email needs the current password (a stolen session must not take the account over
    through a password reset to an address of the thief's)."""
    repo = UserRepository(tx.session)
    email = normalize_email(email) if email is not None else None
    if email is not None and email != user.email:
        valid = current_password is not None and await _password_ok(
            passwords, user, current_password
        )
        if not valid:
            security_event("user.email_change_refused", user_id=user.id)
            audit.record_for_user(tx, "user.email_change_refused", user.id, at=now)
            raise WrongPassword()
    await _ensure_free(repo, email=email, username=username, me=user.id)
    if email is not None and email != user.email:
        security_event("user.email_changed", user_id=user.id)
        audit.record_for_user(tx, "user.email_changed", user.id, at=now)
        user.email = email
    if username is not None:
        user.username = username
        user.username_key = username.lower()
    user.updated_at = now
    await tx.session.flush()
    user_changed(tx, user.id)
    return user


async def _password_ok(passwords: Passwords, user: User, password: str) -> bool:
    valid, _ = await passwords.verify_and_update(password, user.password_hash)
    return valid


async def change_password(
    tx: Tx, passwords: Passwords, user: User, *, current: str, new: str, now: datetime
) -> None:
    """New password; every session of the user ends (refresh tokens and access tokens)."""
    if not await _password_ok(passwords, user, current):
        security_event("user.password_change_failed", user_id=user.id)
        audit.record_for_user(tx, "user.password_change_failed", user.id, at=now)
        raise WrongPassword()
    check_password(new, username=user.username, email=user.email)
    user.password_hash = await passwords.hash(new)
    await end_all_sessions(tx, user, now=now)
    security_event("user.password_changed", user_id=user.id)
    audit.record_for_user(tx, "user.password_changed", user.id, at=now)


async def end_all_sessions(tx: Tx, user: User, *, now: datetime) -> None:
    """Bump the token version: every access token and every login (refresh-token family, see
    backend/auth/sessions.py) issued before stops working."""
    user.token_version += 1
    user.updated_at = now
    await tx.session.flush()
    user_changed(tx, user.id)  # token_version moved: cached principals must not outlive it


async def record_login(tx: Tx, user: User, *, new_hash: str | None, now: datetime) -> None:
    if new_hash is not None:  # bcrypt or outdated Argon2 parameters: upgrade in place
        user.password_hash = new_hash
    user.last_login_at = now
    await tx.session.flush()


async def list_users(
    tx: Tx,
    *,
    q: str | None,
    role: Role | None,
    active: bool | None = None,
    page: int,
    page_size: int,
) -> tuple[Sequence[User], int]:
    return await UserRepository(tx.session).page(
        q=q, role=role, active=active, offset=(page - 1) * page_size, limit=page_size
    )


async def _admin_leaves(tx: Tx, user: User, *, stays_admin: bool) -> bool:
    """Whether the change takes an active admin away; if so, takes the admin-changes lock
    (held to the commit) before the change is written, so two admins demoting each other at
    once run one after the other and the second sees the first's result."""
    if stays_admin or user.role != Role.ADMIN or not user.is_active:
        return False
    await UserRepository(tx.session).lock_admin_changes()
    return True


async def _check_an_admin_is_left(tx: Tx) -> None:
    # Counted after the change is flushed (SQLite: after this writer got the write lock).
    if await UserRepository(tx.session).count_active_admins() == 0:
        raise LastAdmin()


async def set_role(tx: Tx, user: User, role: Role, *, by: Actor, now: datetime) -> None:
    if role == user.role:
        return
    leaves = await _admin_leaves(tx, user, stays_admin=role == Role.ADMIN)
    old = user.role
    user.role = role
    user.updated_at = now
    await tx.session.flush()
    if leaves:
        await _check_an_admin_is_left(tx)
    security_event("user.role_changed", user_id=user.id, by=by.id, old=old.value, new=role.value)
    details = {"old": old.value, "new": role.value}
    audit.record_for_user(tx, "user.role_changed", user.id, by=by.id, details=details, at=now)
    user_changed(tx, user.id)


async def set_active(tx: Tx, user: User, active: bool, *, by: Actor, now: datetime) -> None:
    """Blocking ends every session at once (the token version moves on and the principal
    caches are evicted, see auth/principals.py); unblocking does not bring them back."""
    if active == user.is_active:
        return
    leaves = await _admin_leaves(tx, user, stays_admin=active)
    user.is_active = active
    if not active:
        await end_all_sessions(tx, user, now=now)
    user.updated_at = now
    await tx.session.flush()
    if leaves:
        await _check_an_admin_is_left(tx)
    action = "user.blocked" if not active else "user.unblocked"
    security_event(action, user_id=user.id, by=by.id)
    audit.record_for_user(tx, action, user.id, by=by.id, at=now)
    user_changed(tx, user.id)


async def ensure_admin(
    tx: Tx, passwords: Passwords, *, email: str, username: str, password: str, now: datetime
) -> User | None:
    """The first admin (ADMIN_EMAIL at start-up): created only while no active admin exists.

    Never promotes or reactivates an existing account: whoever holds that email now (say,
    someone who registered the address after the admin changed theirs) stays what they are.
    Returns the new admin, or None when an admin already exists.
    """
    if await UserRepository(tx.session).count_active_admins() > 0:
        return None
    return await register(
        tx, passwords, email=email, username=username, password=password, now=now, role=Role.ADMIN
    )


async def create_admin(
    tx: Tx, passwords: Passwords, *, email: str, username: str, password: str, now: datetime
) -> tuple[User, bool]:
    """The CLI's admin: (user, created). Idempotent for an account that already is an active
    admin with that email; any other holder of the email or username is refused (EmailTaken,
    UsernameTaken), never promoted."""
    existing = await UserRepository(tx.session).by_email(normalize_email(email))
    if existing is not None and existing.role == Role.ADMIN and existing.is_active:
        return existing, False
    user = await register(
        tx, passwords, email=email, username=username, password=password, now=now, role=Role.ADMIN
    )
    return user, True
