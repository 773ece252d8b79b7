"""Telegram tables: `telegram_link_codes` (one-time codes, stored as their SHA-256, 10 minutes)
and `telegram_links` (one chat per user; the chat id encrypted, found by a keyed hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime


class TelegramLinkCode(Base):
    __tablename__ = "telegram_link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TelegramLink(Base):
    __tablename__ = "telegram_links"

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # HMAC-SHA256 of the chat id under SECRET_KEY: the bot finds the user of a chat by it
    chat_key: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id_enc: Mapped[str] = mapped_column(Text)  # FieldCipher (backend/crypto.py)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # Telegram's code
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
