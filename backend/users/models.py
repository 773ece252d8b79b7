"""The `users` table: one row per account (trader, analyst or admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from backend.db import Base, UtcDateTime
from backend.security import Role


class RoleType(TypeDecorator[Role]):
    """A Role stored as its name in VARCHAR(16); the CHECK constraint keeps it to the three."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Role | str | None, dialect: Dialect) -> Any:
        return None if value is None else Role(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Role | None:
        return None if value is None else Role(value)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('trader', 'analyst', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    username: Mapped[str] = mapped_column(String(32))  # as the user typed it
    username_key: Mapped[str] = mapped_column(String(32), unique=True)  # lower-cased: unique
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(RoleType(), default=Role.TRADER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every access token ("ver"); a password change bumps it so older tokens die.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
