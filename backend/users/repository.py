"""SQL for the users table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.security import Role
from backend.users.models import User

# pg_advisory_xact_lock key of "a change that removes an admin" (any constant, unique in the app)
_ADMIN_CHANGES_LOCK = 0x5553_4552_4144_4D4E  # "USERADMN"


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, *, for_update: bool = False) -> User | None:
        stmt = select(User).where(User.id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_email(self, email: str) -> User | None:
        stmt = select(User).where(User.email == email)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_username_key(self, username_key: str) -> User | None:
        stmt = select(User).where(User.username_key == username_key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def count_active_admins(self, *, excluding: int | None = None) -> int:
        stmt = select(func.count()).where(User.role == Role.ADMIN, User.is_active.is_(True))
        if excluding is not None:
            stmt = stmt.where(User.id != excluding)
        return int((await self.session.execute(stmt)).scalar_one())

    async def lock_admin_changes(self) -> None:
        """One lock for every change that removes an admin, held until the transaction ends
        (PostgreSQL advisory lock; SQLite runs one writer at a time anyway)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(select(func.pg_advisory_xact_lock(_ADMIN_CHANGES_LOCK)))

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def page(
        self,
        *,
        q: str | None,
        role: Role | None,
        active: bool | None = None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[User], int]:
        """Users matching the filters, newest first, and how many match in all."""
        stmt = select(User)
        if q:
            stmt = stmt.where(
                or_(
                    User.email.icontains(q, autoescape=True),
                    User.username_key.icontains(q.lower(), autoescape=True),
                )
            )
        if role is not None:
            stmt = stmt.where(User.role == role)
        if active is not None:
            stmt = stmt.where(User.is_active.is_(active))
        total = (
            await self.session.execute(select(func.count()).select_from(stmt.subquery()))
        ).scalar_one()
        rows = await self.session.execute(stmt.order_by(User.id.desc()).offset(offset).limit(limit))
        return rows.scalars().all(), int(total)
