"""SQL for refresh-token families and the login failure/lockout state."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from backend.auth.models import LoginFailure, LoginLock, RefreshToken

# Lockout subjects: an account `u:<id>` / `n:<hash>`, a pair `<account>@<address hash>`.
PAIR_SEP = "@"


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        # FOR UPDATE (PostgreSQL): two concurrent refreshes of one token serialize, so the
        # second one sees the first's rotation and is treated as reuse.
        stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_all_for_user(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def live_count_for_user(self, user_id: int, now: datetime) -> int:
        stmt = select(func.count()).where(
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.used_at.is_(None),
            RefreshToken.expires_at > now,
        )
        return int((await self.session.execute(stmt)).scalar_one())


class LoginAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_failure(self, subject: str, ip: str | None, now: datetime) -> None:
        self.session.add(LoginFailure(subject=subject, ip=ip, created_at=now))
        await self.session.flush()

    async def count_failures_since(self, subject: str, since: datetime) -> int:
        stmt = select(func.count()).where(
            LoginFailure.subject == subject, LoginFailure.created_at > since
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def delete_failures(
        self, subject: str, *, before: datetime | None = None, with_pairs: bool = False
    ) -> None:
        stmt = delete(LoginFailure).where(_subject_is(LoginFailure.subject, subject, with_pairs))
        if before is not None:
            stmt = stmt.where(LoginFailure.created_at <= before)
        await self.session.execute(stmt)

    async def serialize(self, subject: str) -> None:
        """Take the subject's login lock until the transaction ends (PostgreSQL: an advisory
        transaction lock, so parallel attempts on one account run one at a time; SQLite has one
        writer at a time anyway, and the caller's first write takes that lock)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        digest = hashlib.sha256(f"login:{subject}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def locks_for(self, subjects: Iterable[str]) -> dict[str, datetime]:
        stmt = select(LoginLock.subject, LoginLock.locked_until).where(
            LoginLock.subject.in_(list(subjects))
        )
        return {subject: until for subject, until in (await self.session.execute(stmt)).all()}

    async def locks_with_pairs(self, accounts: Sequence[str]) -> dict[str, datetime]:
        """Locks of these accounts and of every `<account>@...` pair of theirs."""
        if not accounts:
            return {}
        stmt = select(LoginLock.subject, LoginLock.locked_until).where(
            or_(*(_subject_is(LoginLock.subject, a, True) for a in accounts))
        )
        return {subject: until for subject, until in (await self.session.execute(stmt)).all()}

    async def set_lock(self, subject: str, until: datetime, now: datetime) -> None:
        """Insert or move the lock (ON CONFLICT on both PostgreSQL and SQLite)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(LoginLock).values(subject=subject, locked_until=until, created_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginLock.subject], set_={"locked_until": until}
        )
        await self.session.execute(stmt)

    async def delete_locks(self, subject: str, *, with_pairs: bool = False) -> None:
        await self.session.execute(
            delete(LoginLock).where(_subject_is(LoginLock.subject, subject, with_pairs))
        )


def _subject_is(
    column: InstrumentedAttribute[str], subject: str, with_pairs: bool
) -> ColumnElement[bool]:
    """`column = subject`, or also `column LIKE '<subject>@%'` (its pairs)."""
    if not with_pairs:
        return column == subject
    return or_(column == subject, column.startswith(subject + PAIR_SEP, autoescape=True))


class AuthPruneRepository:
    """Deletes rows that can no longer matter (see auth.tasks.prune)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def prune(
        self, *, failures_before: datetime, locks_before: datetime, tokens_before: datetime
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, stmt in (
            (
                "login_failures",
                delete(LoginFailure).where(LoginFailure.created_at < failures_before),
            ),
            ("login_locks", delete(LoginLock).where(LoginLock.locked_until < locks_before)),
            ("refresh_tokens", delete(RefreshToken).where(RefreshToken.expires_at < tokens_before)),
        ):
            result = await self.session.execute(stmt)
            counts[name] = int(getattr(result, "rowcount", 0) or 0)
        return counts
