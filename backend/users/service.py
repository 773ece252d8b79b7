"""Accounts: registration, profile, password change, admin changes, the first admin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backend.auth import sessions
from backend.auth.password_policy import password_problems
from backend.auth.principals import Principal, user_changed
from backend.db import Tx
from backend.errors import AppError, BadRequest, Conflict
from backend.logging import security_event
from backend.metrics import REGISTRATIONS
from backend.security import Passwords, Role
from backend.users.models import User
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
    code = "wrong_password"
    message = "The current password is not correct"


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
    tx: Tx, user: User, *, email: str | None, username: str | None, now: datetime
) -> User:
    repo = UserRepository(tx.session)
    email = normalize_email(email) if email is not None else None
    await _ensure_free(repo, email=email, username=username, me=user.id)
    if email is not None and email != user.email:
        security_event("user.email_changed", user_id=user.id)
        user.email = email
    if username is not None:
        user.username = username
        user.username_key = username.lower()
    user.updated_at = now
    await tx.session.flush()
    user_changed(tx, user.id)
    return user


async def change_password(
    tx: Tx, passwords: Passwords, user: User, *, current: str, new: str, now: datetime
) -> None:
    """New password; every session of the user ends (refresh tokens and access tokens)."""
    valid, _ = await passwords.verify_and_update(current, user.password_hash)
    if not valid:
        security_event("user.password_change_failed", user_id=user.id)
        raise WrongPassword()
    check_password(new, username=user.username, email=user.email)
    user.password_hash = await passwords.hash(new)
    user.token_version += 1
    user.updated_at = now
    await sessions.revoke_all_for_user(tx, user.id, now)
    await tx.session.flush()
    user_changed(tx, user.id)  # token_version moved: cached principals must not outlive it
    security_event("user.password_changed", user_id=user.id)


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


async def set_role(tx: Tx, user: User, role: Role, *, by: Principal, now: datetime) -> None:
    if role == user.role:
        return
    security_event(
        "user.role_changed", user_id=user.id, by=by.id, old=user.role.value, new=role.value
    )
    user.role = role
    user.updated_at = now
    await tx.session.flush()
    user_changed(tx, user.id)


async def set_active(tx: Tx, user: User, active: bool, *, by: Principal, now: datetime) -> None:
    """Blocking ends every session at once (the principal caches are evicted, see
    auth/principals.py) and revokes refresh tokens."""
    if active == user.is_active:
        return
    security_event("user.blocked" if not active else "user.unblocked", user_id=user.id, by=by.id)
    user.is_active = active
    user.updated_at = now
    if not active:
        await sessions.revoke_all_for_user(tx, user.id, now)
    await tx.session.flush()
    user_changed(tx, user.id)


async def ensure_admin(
    tx: Tx, passwords: Passwords, *, email: str, username: str, password: str, now: datetime
) -> tuple[User, bool]:
    """Idempotent: creates the admin, or promotes/reactivates the account with that email.

    Returns (user, created). An existing account keeps its password.
    """
    existing = await UserRepository(tx.session).by_email(normalize_email(email))
    if existing is None:
        user = await register(
            tx,
            passwords,
            email=email,
            username=username,
            password=password,
            now=now,
            role=Role.ADMIN,
        )
        return user, True
    if existing.role != Role.ADMIN or not existing.is_active:
        security_event("user.role_changed", user_id=existing.id, by="bootstrap", new="admin")
        existing.role = Role.ADMIN
        existing.is_active = True
        existing.updated_at = now
        await tx.session.flush()
        user_changed(tx, existing.id)
    return existing, False
