"""Refresh-token families and the login-failure/lockout state (in the DB: every replica agrees)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime


class RefreshToken(Base):
    """One issued refresh token. A login starts a family; each rotation adds one row to it."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex, never the token
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The login's absolute end (REFRESH_TOKEN_ABSOLUTE_TTL_S after it began): rotation keeps it.
    family_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The user's token_version when the login began: a later bump (password change, block,
    # "sign out everywhere") ends the login.
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # rotated
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LoginFailure(Base):
    """A failed login against a subject: `u:<user id>` or `n:<hash of an unknown name>`."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_subject_created_at", "subject", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginLock(Base):
    """A subject locked out until `locked_until` (unknown names lock too: no existence oracle)."""

    __tablename__ = "login_locks"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    locked_until: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
