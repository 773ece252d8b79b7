"""SQL of the telegram tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.telegram.models import TelegramLink, TelegramLinkCode


class LinkCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code_hash: str, user_id: int, expires_at: datetime) -> None:
        self.session.add(
            TelegramLinkCode(code_hash=code_hash, user_id=user_id, expires_at=expires_at)
        )
        await self.session.flush()

    async def take(self, code_hash: str, now: datetime, used: datetime) -> TelegramLinkCode | None:
        """Use a live code: its expires_at becomes `used` (in the past); what it was, or None
        when unknown, used or expired (one use only, even for two racing bots: the row lock)."""
        result = await self.session.execute(
            update(TelegramLinkCode)
            .where(TelegramLinkCode.code_hash == code_hash, TelegramLinkCode.expires_at > now)
            .values(expires_at=used)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.get(code_hash)

    async def get(self, code_hash: str) -> TelegramLinkCode | None:
        row = await self.session.get(TelegramLinkCode, code_hash, populate_existing=True)
        return row

    async def drop_for_user(self, user_id: int) -> None:
        await self.session.execute(
            delete(TelegramLinkCode).where(TelegramLinkCode.user_id == user_id)
        )

    async def drop_expired(self, now: datetime) -> None:
        """Delete the codes that expired (or were used) at or before `now`."""
        await self.session.execute(
            delete(TelegramLinkCode).where(TelegramLinkCode.expires_at <= now)
        )


class LinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_user(self, user_id: int) -> TelegramLink | None:
        return await self.session.get(TelegramLink, user_id)

    async def for_chat(self, chat_key: str) -> TelegramLink | None:
        stmt = select(TelegramLink).where(TelegramLink.chat_key == chat_key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remove_user(self, user_id: int) -> bool:
        result = await self.session.execute(
            delete(TelegramLink).where(TelegramLink.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove_chat(self, chat_key: str) -> None:
        await self.session.execute(delete(TelegramLink).where(TelegramLink.chat_key == chat_key))

    async def add(self, link: TelegramLink) -> None:
        self.session.add(link)
        await self.session.flush()
