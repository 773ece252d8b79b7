"""SQL of the audit log: append, and one newest-first page under filters (keyset on id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.models import AuditEntry
from backend.users.models import User


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None  # exact, or a prefix: "auth" matches "auth.login_failed"
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    # entries whose actor or target is this user (a user's page: what they did or suffered)
    involving_user: int | None = None


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    async def page(
        self, flt: AuditFilter, *, before_id: int | None, limit: int
    ) -> Sequence[tuple[AuditEntry, str | None]]:
        """Up to `limit` entries older than `before_id`, newest first, with the actor's name."""
        stmt = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_id)
        if before_id is not None:
            stmt = stmt.where(AuditEntry.id < before_id)
        if flt.actor_id is not None:
            stmt = stmt.where(AuditEntry.actor_id == flt.actor_id)
        if flt.action:
            prefix = flt.action.rstrip(".").replace("\\", "\\\\").replace("%", "\\%")
            prefix = prefix.replace("_", "\\_")
            stmt = stmt.where(
                or_(AuditEntry.action == flt.action, AuditEntry.action.like(f"{prefix}.%", "\\"))
            )
        if flt.target_type is not None:
            stmt = stmt.where(AuditEntry.target_type == flt.target_type)
        if flt.target_id is not None:
            stmt = stmt.where(AuditEntry.target_id == flt.target_id)
        if flt.since is not None:
            stmt = stmt.where(AuditEntry.at >= flt.since)
        if flt.involving_user is not None:
            stmt = stmt.where(
                or_(
                    AuditEntry.actor_id == flt.involving_user,
                    (AuditEntry.target_type == "user")
                    & (AuditEntry.target_id == str(flt.involving_user)),
                )
            )
        stmt = stmt.order_by(AuditEntry.id.desc()).limit(limit)
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]
